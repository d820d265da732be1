/**
 * Whether the bundles in dist/ are missing or older than what they are built from: the functions' sources, and
 * the build itself (infra/build/, whose plugins change what a bundle holds); or miss a file they load on demand,
 * or a loader written for them (a build stopped between them). A dist from before the loaders has no
 * `index.bundle.js`.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { functionNames } from './bundleFunctions.js';
import { codeCacheKey } from './codeCacheLoader.js';

const BUILD_DIR = dirname(fileURLToPath(import.meta.url));

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

export function bundlesAreStale(functionsDir: string, outDir: string): boolean {
  const names = functionNames(functionsDir);
  if (names.length === 0) return false;
  const sources = Math.max(newestMtime(functionsDir), newestMtime(BUILD_DIR));
  return names.some((name) => {
    const bundle = join(outDir, name, 'index.bundle.js');
    const server = join(outDir, name, 'server.bundle.js');
    return (
      !existsSync(bundle) ||
      statSync(bundle).mtimeMs < sources ||
      missesOnDemand(bundle) ||
      !loaderIsFor(bundle) ||
      (existsSync(server) && !loaderIsFor(server))
    );
  });
}

/** Whether `<entry>.js` beside `<entry>.bundle.js` was written for that very bundle (its key). */
function loaderIsFor(bundle: string): boolean {
  const loader = bundle.replace(/\.bundle\.js$/, '.js');
  if (!existsSync(loader)) return false;
  const key = /^const key = "([0-9a-f]{64})";$/m.exec(readFileSync(loader, 'utf8'))?.[1];
  return key === codeCacheKey(readFileSync(bundle, 'utf8'));
}

function missesOnDemand(bundle: string): boolean {
  const required = readFileSync(bundle, 'utf8').matchAll(/require\("(\.\/on-demand\/[^"]+)"\)/g);
  return [...required].some(([, path]) => !existsSync(join(dirname(bundle), path!)));
}
