/**
 * The CloudFlow built-in functions of the newest function table (2026,
 * https://www.alibabacloud.com/help/pt-br/serverless-workflow/latest/built-in-functions; details of the older
 * ones: https://help.aliyun.com/en/document_detail/2579872.html), one file each.
 */
import { arrayContains } from './arrayContains.js';
import { arrayUnique } from './arrayUnique.js';
import { format } from './format.js';
import { fromBase64 } from './fromBase64.js';
import { get } from './get.js';
import { hash } from './hash.js';
import { intAdd } from './intAdd.js';
import { jsonMerge } from './jsonMerge.js';
import { length } from './length.js';
import { mapKeys } from './mapKeys.js';
import { mapValues } from './mapValues.js';
import { getPath } from './path.js';
import { randomInt } from './randomInt.js';
import { regexMatchString } from './regexMatchString.js';
import { split } from './split.js';
import { stringToJson } from './stringToJson.js';
import { toArray } from './toArray.js';
import type { Builtin } from './types.js';
import { uuid } from './uuid.js';

export const BUILTINS: Readonly<Record<string, Builtin>> = {
  format,
  get,
  intAdd,
  length,
  randomInt,
  split,
  regexMatchString,
  arrayContains,
  arrayUnique,
  toArray,
  mapKeys,
  mapValues,
  fromBase64,
  stringToJson,
  fromJSON: stringToJson,
  hash,
  jsonMerge,
  uuid,
};

/** Functions the parser may emit that a flow cannot name. */
export const INTERNAL: Readonly<Record<string, Builtin>> = { __get: getPath };
