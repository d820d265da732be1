/**
 * RPC signature V1 (HMAC-SHA1), what `@alicloud/pop-core` sends: all parameters but `Signature`, sorted and
 * encoded; StringToSign = METHOD & enc("/") & enc(canonical query); key = AccessKeySecret + "&".
 */
import { createHmac } from 'node:crypto';
import { canonicalQuery, percentEncode } from './percentEncode.js';

export function stringToSignV1(method: string, params: Readonly<Record<string, string>>): string {
  return `${method.toUpperCase()}&${percentEncode('/')}&${percentEncode(canonicalQuery(params, ['Signature']))}`;
}

export function signV1(
  method: string,
  params: Readonly<Record<string, string>>,
  accessKeySecret: string,
): string {
  return createHmac('sha1', `${accessKeySecret}&`).update(stringToSignV1(method, params)).digest('base64');
}
