/** Whether the bundles in dist/ are missing or older than the sources they are built from. */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { functionNames } from './bundleFunctions.js';

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
  const sources = newestMtime(functionsDir);
  return names.some((name) => {
    const bundle = join(outDir, name, 'index.js');
    return !existsSync(bundle) || statSync(bundle).mtimeMs < sources;
  });
}
