/**
 * `mirrorflow code-cache`'s work: asks each deployed function for the V8 code cache of the bundle it loaded
 * (functions/lib/runtime/codeCache.ts) and writes it beside that bundle in the build's folder, where the next
 * deploy ships it and the function's loader compiles from it (infra/build/codeCacheLoader.ts). Only a cache
 * of the very bundle in the folder is written: a function deployed from another build answers with another
 * key, and is reported, not cached.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod/mini';
import { type CodeCacheRequest, codeCacheFileIsFor } from '../../functions/lib/runtime/codeCache.js';
import { cacheFileOf, codeCacheKey } from '../build/codeCacheLoader.js';

/** One synchronous invocation: the function's answer, or why there is none. */
export type Invoke = (
  functionName: string,
  event: Buffer,
) => Promise<{ ok: true; body: Buffer } | { ok: false; error: string }>;

export interface CodeCacheOutcome {
  function: string;
  /** The entry the deployed function loaded (`index`, or a custom runtime's `server`). */
  entry?: string;
  /** How the answering instance had loaded: `used` means the deployed code already carries a cache. */
  loaded?: string;
  /** The cache file written. */
  file?: string;
  bytes?: number;
  error?: string;
}

const answerSchema = z.object({
  key: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
  entry: z.enum(['index', 'server']),
  status: z.enum(['used', 'refused', 'stale', 'corrupt', 'none']),
  cache: z.base64(),
});

/** The functions of a build folder: each `<name>/` with a loader and its bundle. */
export function builtFunctions(dist: string): string[] {
  if (!existsSync(dist)) return [];
  return readdirSync(dist, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dist, d.name, 'index.bundle.js')))
    .map((d) => d.name)
    .sort();
}

/** The key of each entry the build has for a function (what a cache must be made for). */
function keysOf(dir: string): Map<string, string> {
  const keys = new Map<string, string>();
  for (const entry of ['index', 'server']) {
    const bundle = join(dir, `${entry}.bundle.js`);
    if (existsSync(bundle)) keys.set(entry, codeCacheKey(readFileSync(bundle, 'utf8')));
  }
  return keys;
}

async function fetchOne(dist: string, name: string, invoke: Invoke): Promise<CodeCacheOutcome> {
  const dir = join(dist, name);
  const keys = keysOf(dir);
  // The key of the entry FC loads: a custom runtime's server when there is one (as the build ships it).
  const expected = keys.get('server') ?? keys.get('index')!;
  const request: CodeCacheRequest = { mirrorflowCodeCache: expected };
  const answer = await invoke(name, Buffer.from(JSON.stringify(request)));
  if (!answer.ok) return { function: name, error: answer.error };
  let parsed: unknown;
  try {
    parsed = JSON.parse(answer.body.toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const checked = answerSchema.safeParse(parsed);
  if (!checked.success)
    return {
      function: name,
      error: `the function answered something other than a code cache (${answer.body.subarray(0, 120).toString('utf8')}): is it a mirrorflow function built with a code-cache loader?`,
    };
  const { key, entry, status, cache } = checked.data;
  if (keys.get(entry) !== key)
    return {
      function: name,
      entry,
      loaded: status,
      error: `the deployed ${entry} bundle is not the one in ${dir} (deploy this build first)`,
    };
  const bytes = Buffer.from(cache, 'base64');
  if (!codeCacheFileIsFor(bytes, key))
    return {
      function: name,
      entry,
      loaded: status,
      error: 'the cache answered is damaged or not for its bundle',
    };
  const file = cacheFileOf(join(dir, `${entry}.bundle.js`));
  writeFileSync(file, bytes);
  return { function: name, entry, loaded: status, file, bytes: bytes.length };
}

/** Fetches the cache of each function (one at a time: each is a cold start at most), in name order. */
export async function fetchCodeCaches(o: {
  dist: string;
  names: readonly string[];
  invoke: Invoke;
}): Promise<CodeCacheOutcome[]> {
  const outcomes: CodeCacheOutcome[] = [];
  for (const name of o.names) outcomes.push(await fetchOne(o.dist, name, o.invoke));
  return outcomes;
}
