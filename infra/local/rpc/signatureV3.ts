/**
 * Signature V3 (ACS3-HMAC-SHA256), what the generated SDKs (`@alicloud/vpc20160428` via
 * `@alicloud/openapi-client`) send by default: a canonical request over method, URI, query, the signed
 * headers and the payload hash; StringToSign = algorithm + "\n" + hex(sha256(canonical request)); the
 * signature is hex HMAC-SHA256 keyed with the AccessKey secret (no "&").
 */
import { createHash, createHmac } from 'node:crypto';
import { percentEncode } from './percentEncode.js';

export const V3_ALGORITHM = 'ACS3-HMAC-SHA256';
export const EMPTY_PAYLOAD_SHA256 = createHash('sha256').update('').digest('hex');

export interface V3Request {
  method: string;
  /** The path; `/` for RPC. */
  path: string;
  /** Decoded query parameters. */
  query: Readonly<Record<string, string>>;
  /** Lower-case header name → values in arrival order. */
  headers: Readonly<Record<string, readonly string[]>>;
  payloadHash: string;
}

/** How an empty query value is rendered: the current runtime writes `name=`, an older one wrote bare `name`. */
export type EmptyValueStyle = 'name=' | 'name';

export function canonicalQueryV3(
  query: Readonly<Record<string, string>>,
  empty: EmptyValueStyle = 'name=',
): string {
  return Object.keys(query)
    .sort()
    .map((name) => {
      const value = query[name]!;
      if (value === '' && empty === 'name') return percentEncode(name);
      return `${percentEncode(name)}=${percentEncode(value)}`;
    })
    .join('&');
}

function canonicalUri(path: string): string {
  if (path === '') return '';
  return path
    .split('/')
    .map((segment) => percentEncode(decodeURIComponent(segment)))
    .join('/');
}

export function canonicalRequestV3(
  request: V3Request,
  signedHeaders: readonly string[],
  empty: EmptyValueStyle = 'name=',
): string {
  const names = [...signedHeaders].map((h) => h.toLowerCase()).sort();
  const headerLines = names
    .map((name) => {
      const values = (request.headers[name] ?? []).map((v) => v.trim()).sort();
      return `${name}:${values.join(',')}\n`;
    })
    .join('');
  return [
    request.method.toUpperCase(),
    canonicalUri(request.path),
    canonicalQueryV3(request.query, empty),
    headerLines,
    names.join(';'),
    request.payloadHash,
  ].join('\n');
}

export function stringToSignV3(canonicalRequest: string): string {
  return `${V3_ALGORITHM}\n${createHash('sha256').update(canonicalRequest).digest('hex')}`;
}

export function signV3(canonicalRequest: string, accessKeySecret: string): string {
  return createHmac('sha256', accessKeySecret).update(stringToSignV3(canonicalRequest)).digest('hex');
}

export interface V3Authorization {
  accessKeyId: string;
  signedHeaders: string[];
  signature: string;
}

/** Parses `ACS3-HMAC-SHA256 Credential=<id>,SignedHeaders=<a;b>,Signature=<hex>`; undefined when malformed. */
export function parseV3Authorization(header: string): V3Authorization | undefined {
  const match = /^ACS3-HMAC-SHA256\s+(.*)$/.exec(header.trim());
  if (!match) return undefined;
  const fields = new Map<string, string>();
  for (const part of match[1]!.split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const accessKeyId = fields.get('Credential');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!accessKeyId || !signedHeaders || !signature) return undefined;
  return { accessKeyId, signedHeaders: signedHeaders.split(';').filter(Boolean), signature };
}
