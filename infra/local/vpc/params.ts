/**
 * Reading the VPC API's parameters off the wire (RPC: flat strings, `Name.N` lists, `Tag.N.Key`), with the
 * errors the API gives for a missing or malformed one; shared by every route.
 */
import { createHash } from 'node:crypto';
import { RpcError } from '../rpc/errors.js';
import { VPC_ERRORS, vpcError } from './errors.js';
import type { ModelError } from './model.js';

export const missing = (name: string) => vpcError('MissingParameter', name);
export const invalid = (name: string, why: string) => vpcError('InvalidParameter', name, why);

/** Model errors become RPC errors with the HTTP status of the emulator's own table (errors.ts). */
export function toRpcError(error: ModelError): RpcError {
  return new RpcError(error.code, error.message, VPC_ERRORS[error.code].httpStatus);
}

export function required(params: Record<string, string>, name: string): string {
  const value = params[name];
  if (value === undefined || value === '') throw missing(name);
  return value;
}

export function integer(
  params: Record<string, string>,
  name: string,
  min: number,
  max: number,
  code?: 'IllegalParam.Priority',
): number | undefined {
  const raw = params[name];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!/^-?\d+$/.test(raw) || n < min || n > max) {
    if (code) throw vpcError(code);
    throw invalid(name, `must be an integer from ${min} to ${max}`);
  }
  return n;
}

export function boolean(params: Record<string, string>, name: string): boolean | undefined {
  const raw = params[name];
  if (raw === undefined || raw === '') return undefined;
  if (raw !== 'true' && raw !== 'false') throw invalid(name, 'must be true or false');
  return raw === 'true';
}

export function text(params: Record<string, string>, name: string, max: number): string | undefined {
  const raw = params[name];
  if (raw === undefined) return undefined;
  if (raw.length < 1 || raw.length > max) throw invalid(name, `must be 1 to ${max} characters`);
  if (/^https?:\/\//i.test(raw)) throw invalid(name, 'must not start with http:// or https://');
  return raw;
}

/** `Name.1`, `Name.2`, … in order; a gap in the numbering is invalid. */
export function repeated(params: Record<string, string>, name: string, max: number): string[] {
  const indexes = Object.keys(params)
    .map((k) => new RegExp(`^${name.replace('.', '\\.')}\\.(\\d+)$`).exec(k)?.[1])
    .filter((i): i is string => i !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
  indexes.forEach((n, i) => {
    if (n !== i + 1) throw invalid(`${name}.${n}`, 'list indexes must start at 1 and have no gaps');
  });
  if (indexes.length > max) throw invalid(name, `at most ${max} values`);
  return indexes.map((n) => params[`${name}.${n}`]!);
}

export function tags(
  params: Record<string, string>,
  name: 'Tag' | 'Tags',
  keyMax: number,
): { Key: string; Value?: string }[] {
  const numbers = new Set<number>();
  for (const key of Object.keys(params)) {
    const match = new RegExp(`^${name}\\.(\\d+)\\.(Key|Value)$`).exec(key);
    if (match) numbers.add(Number(match[1]));
  }
  const sorted = [...numbers].sort((a, b) => a - b);
  if (sorted.length > 20) throw invalid(name, 'at most 20 tags');
  return sorted.map((n) => {
    const key = params[`${name}.${n}.Key`];
    const value = params[`${name}.${n}.Value`];
    if (key === undefined || key === '') throw invalid(`${name}.${n}.Key`, 'the tag key cannot be empty');
    if (key.length > keyMax) throw invalid(`${name}.${n}.Key`, `at most ${keyMax} characters`);
    if (value !== undefined && value.length > 128)
      throw invalid(`${name}.${n}.Value`, 'at most 128 characters');
    for (const [field, v] of [
      ['Key', key],
      ['Value', value],
    ] as const) {
      if (v !== undefined && (/^(aliyun|acs:)/i.test(v) || /https?:\/\//i.test(v))) {
        throw invalid(
          `${name}.${n}.${field}`,
          'cannot start with aliyun or acs: or contain http:// or https://',
        );
      }
    }
    return value === undefined ? { Key: key } : { Key: key, Value: value };
  });
}

export function clientToken(params: Record<string, string>): string | undefined {
  const token = params.ClientToken;
  if (token === undefined || token === '') return undefined;
  if (token.length > 64 || !/^[\x00-\x7f]+$/.test(token))
    throw invalid('ClientToken', 'at most 64 ASCII characters');
  return token;
}

/** The identity of a Create request for the ClientToken check: every parameter but the token and DryRun. */
export function fingerprint(params: Record<string, string>): string {
  const kept = Object.keys(params)
    .filter((k) => k !== 'ClientToken' && k !== 'DryRun')
    .sort()
    .map((k) => [k, params[k]]);
  return createHash('sha256').update(JSON.stringify(kept)).digest('hex');
}
