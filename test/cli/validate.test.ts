import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { main } from '../../infra/cli/main.js';
import { captureIo } from '../helpers/cliIo.js';
import { productBundles } from '../helpers/localCloud.js';

const examples = ['request-eni.json', 'request-slb.json', 'request-dry-run.json'].map(
  (f) => `infra/examples/${f}`,
);

describe('mirrorflow validate', () => {
  it.each(examples)('accepts the shipped example %s with a summary', async (file) => {
    const io = captureIo();
    expect(await main(['validate', file], io)).toBe(0);
    expect(io.stdout).toMatch(new RegExp(`^valid: ${file}`));
    expect(io.stdout).toMatch(/region\s+cn-hangzhou/);
  });

  it('names every problem of the invalid example, one per line, and exits 2', async () => {
    const io = captureIo();
    expect(await main(['validate', 'infra/examples/request-invalid.json'], io)).toBe(2);
    const lines = io.stdout.trim().split('\n');
    expect(lines[0]).toBe('invalid: infra/examples/request-invalid.json (5 problems)');
    expect(lines.slice(1).map((l) => l.trim().split(':')[0])).toEqual(
      expect.arrayContaining([
        'Priority',
        'TrafficMirrorSessionName',
        'Tag[0].Key',
        'TrafficMirrorTargetId',
        'TrafficMirrorSourceIds[1]',
      ]),
    );
  });

  it('prints machine-readable results with --json', async () => {
    const io = captureIo();
    expect(await main(['validate', '--json', examples[0]!, 'infra/examples/request-invalid.json'], io)).toBe(
      2,
    );
    const [ok, bad] = io.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(ok).toMatchObject({ valid: true, request: { Enabled: true } });
    expect(bad).toMatchObject({
      valid: false,
      problems: expect.arrayContaining([{ path: 'Priority', rule: expect.any(String) }]),
    });
  });

  it('explains a file that is not JSON, with its line and column, and no stack trace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mf-'));
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{\n  "RegionId": "cn-hangzhou",\n  oops\n}');
    const io = captureIo();
    expect(await main(['validate', file], io)).toBe(2);
    expect(io.stderr).toMatch(/is not valid JSON at line 3, column 3/);
    expect(io.stderr).not.toMatch(/\n\s+at /);
  });

  it('explains a missing file and an empty stdin', async () => {
    let io = captureIo();
    expect(await main(['validate', 'does-not-exist.json'], io)).toBe(2);
    expect(io.stderr).toContain('cannot read does-not-exist.json: no such file');
    io = captureIo('');
    expect(await main(['validate', '-'], io)).toBe(2);
    expect(io.stderr).toContain('standard input is not valid JSON');
  });

  it('reads a request from standard input', async () => {
    const io = captureIo(
      JSON.stringify({
        RegionId: 'cn-hangzhou',
        TrafficMirrorSourceIds: ['eni-a'],
        TrafficMirrorTargetId: 'eni-b',
        TrafficMirrorTargetType: 'NetworkInterface',
        TrafficMirrorFilterId: 'tmf-c',
      }),
    );
    expect(await main(['validate', '-'], io)).toBe(0);
  });
});

describe('mirrorflow usage', () => {
  it('exits 2 with a hint on wrong usage, 0 on --help', async () => {
    let io = captureIo();
    expect(await main(['frobnicate'], io)).toBe(2);
    expect(io.stderr).toMatch(/unknown command 'frobnicate'[\s\S]*--help/);
    io = captureIo();
    expect(await main(['validate'], io)).toBe(2);
    expect(io.stderr).toMatch(/missing required argument/);
    io = captureIo();
    expect(await main(['--help'], io)).toBe(0);
    expect(io.stdout).toMatch(/validate/);
    io = captureIo();
    expect(await main(['validate', '--help'], io)).toBe(0);
    expect(io.stdout).toMatch(/Exit codes/);
  });

  it('checks desired-state documents as the build does: entries counted, problems named by entry and field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mf-validate-'));
    const bad = join(dir, 'desired.yaml');
    writeFileSync(
      bad,
      'version: 1\nsessions:\n  - name: db\n    request: { RegionId: cn-hangzhou, TrafficMirrorSourceIds: [] }\n',
    );
    const io = captureIo();
    expect(await main(['validate', '--desired-state', 'infra/examples/desired-state.yaml', bad], io)).toBe(2);
    const lines = io.stdout.trim().split('\n');
    expect(lines[0]).toBe('valid: infra/examples/desired-state.yaml (3 entries)');
    expect(lines[1]).toMatch(/^invalid: .*desired\.yaml \(\d+ problems\)$/);
    expect(lines).toContain(
      '  sessions[0].request.TrafficMirrorSourceIds: must list at least one source ENI (entry "db")',
    );
    const folder = captureIo();
    expect(await main(['validate', '--desired-state', dir], folder)).toBe(2);
    expect(folder.stderr).toMatch(/cannot read .*: it is a directory/);
    // Not YAML at all, from standard input, as JSON.
    const broken = captureIo('version: 1\nsessions: [');
    expect(await main(['validate', '--desired-state', '--json', '-'], broken)).toBe(2);
    expect(JSON.parse(broken.stdout)).toMatchObject({
      file: '-',
      valid: false,
      error: expect.stringMatching(/^standard input: the desired state is not valid YAML/),
      problems: [],
    });
  });

  it.each([
    ['up'],
    ['provision'],
    ['events'],
    ['sessions'],
    ['status'],
    ['stop'],
    ['emulator', 'vpc'],
    ['flow', 'run'],
    ['bench'],
    ['build'],
    ['validate'],
  ])('`mirrorflow %s --help` explains itself', async (...command) => {
    const io = captureIo();
    expect(await main([...command, '--help'], io)).toBe(0);
    expect(io.stdout).toMatch(/Usage: mirrorflow/);
    expect(io.stdout).toMatch(/Options:/);
  });

  it('bench --scenario plan prints its figures as JSON; an unknown scenario is bad usage', async () => {
    const io = captureIo();
    expect(await main(['bench', '--scenario', 'plan', '--entries', '300', '--runs', '1', '--json'], io)).toBe(
      0,
    );
    const figures = JSON.parse(io.stdout) as {
      entries: number;
      planCpuMs: number;
      preparedCpuMs: number;
      firstRunCpuMs: number;
      statuses: Record<string, number>;
    };
    expect(figures.entries).toBe(300);
    expect(figures.planCpuMs).toBeGreaterThanOrEqual(0);
    // The budgeted plan counts the plan and what an apply does from it before its first Create.
    expect(figures.preparedCpuMs).toBeGreaterThanOrEqual(figures.planCpuMs);
    expect(figures.firstRunCpuMs).toBeGreaterThan(0);
    expect(figures.statuses).toMatchObject({ create: 12, update: 24, prune: 12 });
    const bad = captureIo();
    expect(await main(['bench', '--scenario', 'nope'], bad)).toBe(2);
    expect(bad.stderr).toMatch(/--scenario must be polling, reconcile, plan, load or memory/);
    // A rate reconcile itself would refuse (MIRRORFLOW_RECONCILE_CREATES_PER_SECOND) is refused up front.
    for (const rate of ['20', '2.5']) {
      const refused = captureIo();
      expect(await main(['bench', '--scenario', 'reconcile', '--rate', rate], refused)).toBe(2);
      expect(refused.stderr).toContain(`--rate: must be a whole number from 1 to 10 (got "${rate}")`);
    }
  });

  it('--version prints the package version', async () => {
    const io = captureIo();
    expect(await main(['--version'], io)).toBe(0);
    expect(io.stdout.trim()).toBe(
      (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version,
    );
  });

  it('provision --json answers invalid input as JSON too (exit 2)', async () => {
    const io = captureIo();
    const code = await main(
      [
        'provision',
        'infra/examples/request-invalid.json',
        '--json',
        '--endpoints',
        '/nonexistent/endpoints.json',
      ],
      io,
    );
    expect(code).toBe(2);
    const answer = JSON.parse(io.stdout) as { valid: boolean; problems: { path: string }[] };
    expect(answer.valid).toBe(false);
    expect(answer.problems.map((p) => p.path)).toContain('Priority');
  });

  it('up --env: the file reaches the environment s.yaml is rendered with', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mf-env-'));
    writeFileSync(
      join(dir, 'bad.env'),
      '# a cron FC would refuse\nMIRRORFLOW_RECONCILE_CRON="every quarter hour"\n',
    );
    const io = captureIo();
    const code = await main(
      ['up', '--port-base', '0', '--env', join(dir, 'bad.env'), '--functions', await productBundles()],
      io,
    );
    expect(code).toBe(1);
    expect(io.stderr).toMatch(/deploy failed: .*cronExpression must be a cron expression/);
    const missingFile = captureIo();
    expect(await main(['up', '--env', join(dir, 'nope.env')], missingFile)).toBe(2);
    expect(missingFile.stderr).toMatch(/--env: cannot read/);
  });

  it('wrong usage of the stack commands exits 2 with a hint', async () => {
    let io = captureIo();
    expect(await main(['provision', 'infra/examples/request-eni.json', '--via', 'carrier-pigeon'], io)).toBe(
      2,
    );
    expect(io.stderr).toMatch(/--via must be "event" or "webhook"/);
    io = captureIo();
    expect(
      await main(
        ['provision', 'infra/examples/request-eni.json', '--endpoints', '/nonexistent/endpoints.json'],
        io,
      ),
    ).toBe(2);
    expect(io.stderr).toMatch(/no running local cloud found .* mirrorflow up/);
    io = captureIo();
    expect(
      await main(
        ['provision', 'infra/examples/request-invalid.json', '--endpoints', '/nonexistent/endpoints.json'],
        io,
      ),
    ).toBe(2);
    expect(io.stderr).toMatch(/invalid: .*\n {2}Priority/);
    io = captureIo();
    expect(await main(['up', '--time-scale', 'fast'], io)).toBe(2);
    expect(io.stderr).toMatch(/--time-scale must be a number/);
  });

  it('works as the installed bin, in a child process', async () => {
    const run = promisify(execFile);
    const { stdout } = await run(process.execPath, ['bin/mirrorflow.js', 'validate', examples[0]!]);
    expect(stdout).toMatch(/^valid:/);
    const failure = await run(process.execPath, [
      'bin/mirrorflow.js',
      'validate',
      'infra/examples/request-invalid.json',
    ]).catch((e) => e);
    expect(failure.code).toBe(2);
  });
});
