import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundleFunctions, functionNames } from '../../infra/build/bundleFunctions.js';

describe('bundleFunctions', () => {
  it('bundles each function folder into one self-contained CommonJS file with a handler export', async () => {
    const out = mkdtempSync(join(tmpdir(), 'mf-dist-'));
    const results = await bundleFunctions({ functionsDir: 'test/fixtures/functions', outDir: out });
    expect(results.map((r) => r.name)).toEqual(['echo']);
    expect(results[0]!.file).toBe(join(out, 'echo', 'index.js'));
    // Marked CommonJS, so a "type": "module" package.json above it cannot make Node read it as ESM.
    expect(JSON.parse(readFileSync(join(out, 'echo', 'package.json'), 'utf8'))).toEqual({ type: 'commonjs' });
    // Run it from a directory with no node_modules, the way FC runs dist/<name>/index.js.
    const runner = join(out, 'run.cjs');
    writeFileSync(
      runner,
      `require('./echo/index.js').handler(Buffer.from('{}'), { requestId: 'r-1' }).then((r) => console.log(JSON.stringify(r)));`,
    );
    const printed = JSON.parse(execFileSync(process.execPath, [runner], { cwd: out }).toString());
    expect(printed).toEqual({
      requestId: 'r-1',
      valid: false,
      token: expect.stringMatching(/^mf-ev-[0-9a-f]{40}$/),
    });
  });

  it('skips the shared lib folder', () => {
    expect(functionNames('functions')).not.toContain('lib');
    expect(functionNames('no-such-dir')).toEqual([]);
  });
});
