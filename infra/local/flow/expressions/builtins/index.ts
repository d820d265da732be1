/** The documented CloudFlow built-in functions (reference: cloudflow-fdl.md §4). `get`, `intAdd`, `randomInt` are left out: undocumented. */
import { arrayContains } from './arrayContains.js';
import { arrayUnique } from './arrayUnique.js';
import { format } from './format.js';
import { fromBase64 } from './fromBase64.js';
import { getPath } from './get.js';
import { hash } from './hash.js';
import { jsonMerge } from './jsonMerge.js';
import { length } from './length.js';
import { mapKeys } from './mapKeys.js';
import { mapValues } from './mapValues.js';
import { regexMatchString } from './regexMatchString.js';
import { split } from './split.js';
import { stringToJson } from './stringToJson.js';
import { toArray } from './toArray.js';
import type { Builtin } from './types.js';
import { uuid } from './uuid.js';

export const BUILTINS: Readonly<Record<string, Builtin>> = {
  format,
  length,
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
