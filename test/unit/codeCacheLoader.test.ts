/**
 * The loader the build writes for each entry (infra/build/codeCacheLoader.ts), run by its own Node from the
 * build's folder, as FC runs it: without a cache, with the cache the function made for itself, with one V8
 * refuses, and with one made for another bundle.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type BundleResult, bundleFunctions } from '../../infra/build/bundleFunctions.js';
import { cacheFileOf } from '../../infra/build/codeCacheLoader.js';

const FIXTURES = 'test/fixtures/code-cache';

/** Loads the function in a new Node (with `flags`), calls its handler with `event`, prints what happened. */
function start(
  out: string,
  event: unknown,
  flags: string[] = [],
): { status: string; answer?: Record<string, unknown>; error?: string } {
  const script = `const { handler } = require('./thrower/index.js');
const status = globalThis[Symbol.for('mirrorflow.loadedCode')].status;
handler(Buffer.from(${JSON.stringify(JSON.stringify(event))}), { requestId: 'r-1' }).then(
  (answer) => console.log(JSON.stringify({ status, answer })),
  (error) => console.log(JSON.stringify({ status, error: error.stack })),
);`;
  return JSON.parse(execFileSync(process.execPath, [...flags, '-e', script], { cwd: out, encoding: 'utf8' }));
}

/** Asks the function for its code cache and writes the answer where the loader looks for it. */
function fetchCache(out: string, bundle: BundleResult, flags: string[] = []): void {
  const { answer } = start(out, { mirrorflowCodeCache: bundle.entries[0]!.key }, flags);
  expect(answer).toMatchObject({ key: bundle.entries[0]!.key, entry: 'index' });
  writeFileSync(cacheFileOf(bundle.bundleFile), Buffer.from(answer!.cache as string, 'base64'));
}

describe('the code-cache loader', () => {
  let out: string;
  let bundle: BundleResult;
  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'mf-code-cache-'));
    bundle = (await bundleFunctions({ functionsDir: FIXTURES, outDir: out }))[0]!;
  }, 60_000);
  const fresh = async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mf-code-cache-'));
    const [result] = await bundleFunctions({ functionsDir: FIXTURES, outDir: dir });
    return { dir, result: result! };
  };

  it('loads the bundle as require would when there is no cache', () => {
    expect(bundle.file).toBe(join(out, 'thrower', 'index.js'));
    expect(bundle.entries).toEqual([
      expect.objectContaining({ entry: 'index', bundleFile: join(out, 'thrower', 'index.bundle.js') }),
    ]);
    expect(start(out, { hello: 'fc' })).toEqual({ status: 'none', answer: { echoed: { hello: 'fc' } } });
  });

  it('compiles from the cache the function made for itself, and runs the same', async () => {
    const { dir, result } = await fresh();
    fetchCache(dir, result);
    expect(start(dir, { hello: 'fc' })).toEqual({ status: 'used', answer: { echoed: { hello: 'fc' } } });
    // A function that loaded from its cache makes one again, for the same bundle.
    expect(start(dir, { mirrorflowCodeCache: result.entries[0]!.key }).answer).toMatchObject({
      key: result.entries[0]!.key,
      status: 'used',
    });
  });

  it('compiles as without a cache when V8 refuses it (made by a Node with other flags)', async () => {
    const { dir, result } = await fresh();
    fetchCache(dir, result, ['--stack-trace-limit=11']);
    expect(start(dir, { hello: 'fc' })).toEqual({ status: 'refused', answer: { echoed: { hello: 'fc' } } });
  });

  it('ignores a cache made for another bundle, and the next build removes it', async () => {
    const { dir, result } = await fresh();
    fetchCache(dir, result);
    const cacheFile = cacheFileOf(result.bundleFile);
    const cache = readFileSync(cacheFile);
    // The same V8 data under another bundle's key: V8 checks only the source's length, so the key must.
    writeFileSync(cacheFile, Buffer.concat([Buffer.from('0'.repeat(64), 'latin1'), cache.subarray(64)]));
    expect(start(dir, { hello: 'fc' }).status).toBe('stale');
    const [rebuilt] = await bundleFunctions({ functionsDir: FIXTURES, outDir: dir });
    expect(rebuilt!.entries[0]).toMatchObject({ codeCacheDropped: true });
    expect(rebuilt!.entries[0]!.codeCacheBytes).toBeUndefined();
    expect(existsSync(cacheFile)).toBe(false);
  });

  it('does not hand V8 a damaged cache (V8 does not check, and may crash on one), and the next build removes it', async () => {
    const { dir, result } = await fresh();
    fetchCache(dir, result);
    const cacheFile = cacheFileOf(result.bundleFile);
    const cache = readFileSync(cacheFile);
    // Bytes of V8's data changed, its key and hash kept: what a disk or a copy might do.
    for (let i = 0; i < 8; i++) cache[200 + i * 997]! ^= 0x5a;
    writeFileSync(cacheFile, cache);
    expect(start(dir, { hello: 'fc' })).toEqual({ status: 'corrupt', answer: { echoed: { hello: 'fc' } } });
    const [rebuilt] = await bundleFunctions({ functionsDir: FIXTURES, outDir: dir });
    expect(rebuilt!.entries[0]).toMatchObject({ codeCacheDropped: true });
    expect(rebuilt!.entries[0]!.codeCacheBytes).toBeUndefined();
    expect(existsSync(cacheFile)).toBe(false);
  });

  it('keeps the cache of a bundle a rebuild did not change', async () => {
    const { dir, result } = await fresh();
    fetchCache(dir, result);
    const size = readFileSync(cacheFileOf(result.bundleFile)).length;
    const [rebuilt] = await bundleFunctions({ functionsDir: FIXTURES, outDir: dir });
    expect(rebuilt!.entries[0]!.key).toBe(result.entries[0]!.key);
    expect(rebuilt!.entries[0]!.codeCacheBytes).toBe(size);
    expect(start(dir, {}).status).toBe('used');
  });

  it("gives stack traces the bundle's own lines and columns, as its source map reads them, cache or not", async () => {
    const { dir, result } = await fresh();
    const at = (where: string) => {
      const { status, error } = start(where, { fail: true });
      const frame = /\/index\.bundle\.js:(\d+):(\d+)\)?$/m.exec(error!)!;
      expect(frame).not.toBeNull();
      const line = readFileSync(join(where, 'thrower', 'index.bundle.js'), 'utf8').split('\n')[
        Number(frame[1]) - 1
      ]!;
      expect(line.slice(Number(frame[2]) - 1)).toMatch(/^new Error\("boom from the bundle"\)/);
      return status;
    };
    expect(at(dir)).toBe('none');
    fetchCache(dir, result);
    expect(at(dir)).toBe('used');
  });
});
