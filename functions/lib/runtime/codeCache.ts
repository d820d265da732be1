/**
 * The code cache a deployed function makes for itself. FC loads a function through a few lines the build writes
 * (infra/build/codeCacheLoader.ts) that compile its bundle from a V8 code cache lying beside it, when there is
 * one made for that very bundle. V8 takes a cache only from its own version and flags, which FC documents
 * only as "Node.js 20.x": so the cache is made where it is used, by the deployed function answering a
 * code-cache request (`mirrorflow code-cache` sends one to each function, then the next deploy ships what
 * they answered). A cache from another runtime is refused by V8 and the bundle compiles as it would without
 * one.
 */
import { createHash } from 'node:crypto';
import type { FcContext } from './runtime.js';

/** Where the loader leaves what it loaded, for the code-cache request (a registered symbol: no import needed). */
export const LOADED_CODE = Symbol.for('mirrorflow.loadedCode');

/** What the loader compiled, and how. */
export interface LoadedCode {
  /** The bundle's SHA-256 (hex): what a cache is made for, written at the head of the cache file. */
  key: string;
  /** `index` (a handler) or `server` (a custom runtime's entry): the cache file is `<entry>.bundle.js.v8cache`. */
  entry: string;
  /**
   * `used`: compiled from the cache; `refused`: V8 would not take it (another Node build or other flags);
   * `stale`: the cache was made for another bundle; `corrupt`: its data is not what was written (V8 does not
   * check, and may crash on a damaged cache); `none`: there was none (or it could not be read).
   */
  status: 'used' | 'refused' | 'stale' | 'corrupt' | 'none';
  /** V8's cache of the bundle as compiled so far in this instance. */
  make(): Buffer;
}

/**
 * A code-cache file: the bundle's key (64 hex), the SHA-256 of V8's data (64 hex), then the data. The loader
 * (infra/build/codeCacheLoader.ts, plain JavaScript) reads the same layout.
 */
const HEX = 64;
const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

export function codeCacheFile(key: string, data: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(key + sha256(data), 'latin1'), data]);
}

/** Whether a code-cache file was made for the bundle with `key`, and holds the data it was written with. */
export function codeCacheFileIsFor(file: Buffer, key: string): boolean {
  return (
    file.length > 2 * HEX &&
    file.toString('latin1', 0, HEX) === key &&
    file.toString('latin1', HEX, 2 * HEX) === sha256(file.subarray(2 * HEX))
  );
}

/**
 * The request, as `mirrorflow code-cache` sends it: the key of the bundle its build holds. The function answers
 * with its own, whatever is asked (the caller compares), and logs both.
 */
export interface CodeCacheRequest {
  mirrorflowCodeCache: string;
}

/** The answer: the deployed bundle's key (the caller checks it is its build), how it loaded, the cache. */
export interface CodeCacheAnswer {
  key: string;
  entry: string;
  status: LoadedCode['status'];
  /** base64 of the cache file (codeCacheFile). */
  cache: string;
}

/** Longer than any code-cache request; a mirror request or an event is never this short and shaped. */
const MAX_REQUEST_BYTES = 200;

/** Whether an invocation is a code-cache request: an object with that one field, a string. */
export function codeCacheRequestOf(event: Buffer): CodeCacheRequest | undefined {
  // Cheap first: nearly every event is longer, or does not name the field.
  if (event.length > MAX_REQUEST_BYTES || !event.includes('"mirrorflowCodeCache"')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(event.toString('utf8'));
  } catch {
    return undefined;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
  const keys = Object.keys(parsed);
  const value = (parsed as Record<string, unknown>).mirrorflowCodeCache;
  return keys.length === 1 && typeof value === 'string' ? { mirrorflowCodeCache: value } : undefined;
}

export class CodeCacheError extends Error {
  override name = 'CodeCacheError';
}

/** The cache of the code this process loaded, or why there is none to give. */
export function answerCodeCache(
  loaded: LoadedCode | undefined = (globalThis as Record<symbol, LoadedCode | undefined>)[LOADED_CODE],
): CodeCacheAnswer {
  if (!loaded) throw new CodeCacheError('this function was not loaded through its code-cache loader');
  const cache = codeCacheFile(loaded.key, loaded.make());
  return { key: loaded.key, entry: loaded.entry, status: loaded.status, cache: cache.toString('base64') };
}

type Handler<R> = (event: Buffer, context: FcContext) => Promise<R>;

/**
 * The handler, answering code-cache requests itself. No trigger sends one as the deployment wires them: an HTTP
 * trigger's event is its envelope, EventBridge's target sends the whole CloudEvent (`Body` ORIGINAL in
 * infra/eventbridge/), a timer its own record; a target that sent only the event's `data` would let whoever
 * may publish on the bus ask too. What anyone gets is V8's compilation of code the deployment already ships:
 * bytecode and literals, no value of the running instance.
 */
export function answersCodeCacheRequests<R>(
  handler: Handler<R>,
  log: { info(message: string, attributes: Record<string, unknown>): void },
): Handler<R | CodeCacheAnswer> {
  return async (event, context) => {
    const request = codeCacheRequestOf(event);
    if (!request) return handler(event, context);
    const answer = answerCodeCache();
    log.info('answered a code-cache request', {
      requestId: context.requestId,
      asked: request.mirrorflowCodeCache,
      key: answer.key,
      entry: answer.entry,
      loaded: answer.status,
    });
    return answer;
  };
}
