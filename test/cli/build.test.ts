/**
 * `mirrorflow build`, as s.yaml's pre-deploy runs it: the bundles, what they load on demand, and the desired
 * state checked and shipped as JSON — or, for a document that breaks the contract, nothing written and every
 * problem named with its entry and field.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { jsonDesiredState } from '../../functions/lib/contract/desiredState.js';
import { parseDesiredState } from '../../functions/lib/contract/desiredStateText.js';
import { desiredStateMismatch } from '../../infra/build/desiredStateFile.js';
import { main } from '../../infra/cli/main.js';
import { captureIo } from '../helpers/cliIo.js';

const scratch = () => mkdtempSync(join(tmpdir(), 'mf-build-'));
const example = 'infra/examples/desired-state.yaml';

describe('MIRRORFLOW_DESIRED_STATE at build time', () => {
  it.each([
    [undefined],
    [''],
    ['desired-state.json'],
    ['./desired-state.json'],
    ['/code/desired-state.json'],
    ['https://example.invalid/desired-state.yaml'],
    ['/mnt/auto/mirrorflow/desired-state.yaml'],
  ])('%s: reconcile reads what the build ships, or the user keeps it elsewhere', (location) => {
    expect(desiredStateMismatch(location)).toBeUndefined();
  });

  it.each([['desired-state.yaml'], ['/code/desired-state.yaml'], ['config/desired.json']])(
    '%s: a file in the package the build does not write, refused',
    (location) => {
      expect(desiredStateMismatch(location)).toMatch(
        /names a file in reconcile's package that the build does not write/,
      );
    },
  );
});

describe('mirrorflow build', () => {
  it("bundles every function and ships the desired state as JSON in reconcile's folder", async () => {
    const out = join(scratch(), 'dist');
    const io = captureIo();
    // A URL in MIRRORFLOW_DESIRED_STATE is fine: reconcile reads it, and the shipped file waits unused.
    vi.stubEnv('MIRRORFLOW_DESIRED_STATE', 'https://example.invalid/desired-state.yaml');
    try {
      expect(await main(['build', '--out', out, '--desired-state', example, '--json'], io)).toBe(0);
    } finally {
      vi.unstubAllEnvs();
    }
    const printed = JSON.parse(io.stdout) as {
      functions: { name: string; onDemand: { package: string }[] }[];
      desiredState: { file: string; entries: number };
    };
    expect(printed.functions.map((f) => f.name)).toContain('reconcile');
    expect(printed.functions.find((f) => f.name === 'reconcile')!.onDemand.map((f) => f.package)).toEqual([
      'json-bigint',
      'js-yaml',
    ]);
    const shipped = join(out, 'reconcile', 'desired-state.json');
    expect(printed.desiredState).toMatchObject({ file: shipped, entries: 3 });
    // What reconcile reads from its package without the YAML reader: the example, whole.
    expect(jsonDesiredState(readFileSync(shipped, 'utf8'))).toEqual(
      parseDesiredState(readFileSync(example, 'utf8')),
    );
  }, 60_000);

  it('refuses a desired state that breaks the contract, naming each entry and field, and writes nothing', async () => {
    const dir = scratch();
    const bad = join(dir, 'desired.yaml');
    writeFileSync(
      bad,
      [
        'version: 1',
        'sessions:',
        '  - name: web',
        '    request: { RegionId: cn-hangzhou, TrafficMirrorSourceIds: [eni-1], TrafficMirrorTargetId: eni-2,',
        '               TrafficMirrorTargetType: Nic, TrafficMirrorFilterId: tmf-1 }',
        '  - name: db',
        '    request: { RegionId: cn-hangzhou }',
      ].join('\n'),
    );
    const out = join(dir, 'dist');
    const io = captureIo();
    expect(await main(['build', '--out', out, '--desired-state', bad], io)).toBe(2);
    expect(io.stderr).toMatch(/^error: .*desired\.yaml has entries that break the request contract\n/);
    expect(io.stderr).toContain(
      'sessions[0].request.TrafficMirrorTargetType: must be "NetworkInterface" or "SLB" (entry "web")',
    );
    expect(io.stderr).toContain('sessions[1].request.TrafficMirrorSourceIds: is required (entry "db")');
    expect(existsSync(out)).toBe(false);
    // A deploy that still names the file the build used to copy would find nothing there.
    const renamed = captureIo();
    vi.stubEnv('MIRRORFLOW_DESIRED_STATE', 'desired-state.yaml');
    try {
      expect(await main(['build', '--out', out, '--desired-state', example], renamed)).toBe(2);
    } finally {
      vi.unstubAllEnvs();
    }
    expect(renamed.stderr).toMatch(
      /MIRRORFLOW_DESIRED_STATE=desired-state\.yaml names a file in reconcile's package that the build does not write/,
    );
    expect(existsSync(out)).toBe(false);
    // Not YAML: named with its file, as the deploy's log shows it.
    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, 'version: 1\nsessions: [');
    const unreadable = captureIo();
    expect(await main(['build', '--out', out, '--desired-state', broken], unreadable)).toBe(2);
    expect(unreadable.stderr).toMatch(/^error: .*broken\.yaml: the desired state is not valid YAML/);
    const missing = captureIo();
    expect(await main(['build', '--out', out, '--desired-state', join(dir, 'nope.yaml')], missing)).toBe(2);
    expect(missing.stderr).toMatch(/nope\.yaml does not exist/);
    expect(existsSync(out)).toBe(false);
  });
});
