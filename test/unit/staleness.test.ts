import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { codeCacheKey, loaderSource } from '../../infra/build/codeCacheLoader.js';
import { bundlesAreStale } from '../../infra/build/staleness.js';

/**
 * A functions folder with one function, and its bundle, each with the given modification time (seconds); the
 * bundle's loader beside it unless `loader` is false.
 */
function tree(o: { sourceAt: number; bundleAt?: number; bundle?: string; loader?: boolean }) {
  const root = mkdtempSync(join(tmpdir(), 'mf-stale-'));
  const functions = join(root, 'functions');
  const dist = join(root, 'dist');
  mkdirSync(join(functions, 'echo'), { recursive: true });
  writeFileSync(join(functions, 'echo', 'index.ts'), 'export const handler = () => 1;\n');
  utimesSync(join(functions, 'echo', 'index.ts'), o.sourceAt, o.sourceAt);
  if (o.bundleAt !== undefined) {
    mkdirSync(join(dist, 'echo'), { recursive: true });
    const bundle = o.bundle ?? 'exports.handler = () => 1;\n';
    writeFileSync(join(dist, 'echo', 'index.bundle.js'), bundle);
    utimesSync(join(dist, 'echo', 'index.bundle.js'), o.bundleAt, o.bundleAt);
    if (o.loader !== false)
      writeFileSync(
        join(dist, 'echo', 'index.js'),
        loaderSource({ entry: 'index', bundleName: 'index.bundle.js', key: codeCacheKey(bundle) }),
      );
  }
  return { functions, dist };
}

describe('bundlesAreStale', () => {
  // Far in the future: newer than any file of the build itself.
  const later = Date.now() / 1000 + 86_400 * 365;

  it('is stale when a bundle is missing or older than a source', () => {
    const missing = tree({ sourceAt: 1_000 });
    expect(bundlesAreStale(missing.functions, missing.dist)).toBe(true);
    const older = tree({ sourceAt: later, bundleAt: later - 10 });
    expect(bundlesAreStale(older.functions, older.dist)).toBe(true);
  });

  it('is fresh when every bundle is newer than the sources and the build', () => {
    const fresh = tree({ sourceAt: 1_000, bundleAt: later });
    expect(bundlesAreStale(fresh.functions, fresh.dist)).toBe(false);
  });

  it('is stale when a file the bundle loads on demand is missing (a build stopped halfway)', () => {
    const bundle = 'exports.handler = () => require("./on-demand/json-bigint.js").parse("1");\n';
    const halfway = tree({ sourceAt: 1_000, bundleAt: later, bundle });
    expect(bundlesAreStale(halfway.functions, halfway.dist)).toBe(true);
    mkdirSync(join(halfway.dist, 'echo', 'on-demand'));
    writeFileSync(join(halfway.dist, 'echo', 'on-demand', 'json-bigint.js'), 'exports.parse = JSON.parse;\n');
    expect(bundlesAreStale(halfway.functions, halfway.dist)).toBe(false);
  });

  it('is stale when the loader is missing: a build stopped before it, or a dist from before loaders', () => {
    const noLoader = tree({ sourceAt: 1_000, bundleAt: later, loader: false });
    expect(bundlesAreStale(noLoader.functions, noLoader.dist)).toBe(true);
    const before = tree({ sourceAt: 1_000 });
    mkdirSync(join(before.dist, 'echo'), { recursive: true });
    writeFileSync(join(before.dist, 'echo', 'index.js'), 'exports.handler = () => 1;\n');
    utimesSync(join(before.dist, 'echo', 'index.js'), later, later);
    expect(bundlesAreStale(before.functions, before.dist)).toBe(true);
  });

  it('is stale when a loader was written for another bundle (the bundle rewritten, its loader not yet)', () => {
    const rewritten = tree({ sourceAt: 1_000, bundleAt: later });
    expect(bundlesAreStale(rewritten.functions, rewritten.dist)).toBe(false);
    writeFileSync(join(rewritten.dist, 'echo', 'index.bundle.js'), 'exports.handler = () => 2;\n');
    utimesSync(join(rewritten.dist, 'echo', 'index.bundle.js'), later, later);
    expect(bundlesAreStale(rewritten.functions, rewritten.dist)).toBe(true);
  });

  it("checks a custom runtime's server entry the same way", () => {
    const withServer = tree({ sourceAt: 1_000, bundleAt: later });
    writeFileSync(join(withServer.dist, 'echo', 'server.bundle.js'), 'require("http");\n');
    expect(bundlesAreStale(withServer.functions, withServer.dist)).toBe(true);
    writeFileSync(
      join(withServer.dist, 'echo', 'server.js'),
      loaderSource({
        entry: 'server',
        bundleName: 'server.bundle.js',
        key: codeCacheKey('require("http");\n'),
      }),
    );
    expect(bundlesAreStale(withServer.functions, withServer.dist)).toBe(false);
  });

  it('is stale when the build changed after the bundle, though its sources did not', () => {
    // Sources from long ago, the bundle after them but before the build's own files were last written.
    const built = tree({ sourceAt: 1_000, bundleAt: 2_000 });
    expect(bundlesAreStale(built.functions, built.dist)).toBe(true);
  });
});
