/** Bundles the FC fixture handlers once per test process, with the same bundler the product uses. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleFunctions } from '../../infra/build/bundleFunctions.js';

let bundled: Promise<string> | undefined;

/** The directory holding `<name>/index.js` for every fixture in test/fixtures/fc. */
export function fixtureBundles(): Promise<string> {
  bundled ??= (async () => {
    const out = mkdtempSync(join(tmpdir(), 'mf-fc-fixtures-'));
    await bundleFunctions({ functionsDir: 'test/fixtures/fc', outDir: out });
    return out;
  })();
  return bundled;
}
