/**
 * The FC API signature as `@alicloud/fc2` computes it: HMAC-SHA256 (base64) keyed with the AccessKey secret
 * over `METHOD\nContent-MD5\nContent-Type\nDate\n<x-fc-* headers, sorted, "k:v\n">/2016-08-15<path>`.
 */
import { createHmac } from 'node:crypto';

export function fcStringToSign(
  method: string,
  path: string,
  headers: Record<string, string | string[] | undefined>,
): string {
  const get = (name: string) => {
    const v = headers[name];
    return Array.isArray(v) ? v.join(',') : (v ?? '');
  };
  const fcHeaders = Object.keys(headers)
    .map((k) => k.toLowerCase().trim())
    .filter((k) => k.startsWith('x-fc-'))
    .sort()
    .map((k) => `${k}:${get(k)}\n`)
    .join('');
  return `${method}\n${get('content-md5')}\n${get('content-type')}\n${get('date')}\n${fcHeaders}${path}`;
}

export function fcSignature(stringToSign: string, accessKeySecret: string): string {
  return createHmac('sha256', accessKeySecret).update(stringToSign, 'utf8').digest('base64');
}
