/** `mirrorflow preflight` against the local cloud (how it is tested without an account). */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Endpoints, writeEndpoints } from '../../infra/cli/endpoints.js';
import { main } from '../../infra/cli/main.js';
import type { LocalCloud } from '../../infra/local/cloud.js';
import { captureIo } from '../helpers/cliIo.js';
import { startTestCloud } from '../helpers/localCloud.js';

let cloud: LocalCloud;
const file = join(mkdtempSync(join(tmpdir(), 'mf-preflight-')), 'endpoints.json');
beforeAll(async () => {
  cloud = await startTestCloud();
  writeEndpoints(file, cloud.endpoints() as unknown as Endpoints);
}, 120_000);
afterAll(() => cloud?.close());

const run = async (...args: string[]) => {
  const io = captureIo();
  const code = await main(['preflight', '--local', file, '--json', ...args], io);
  return {
    code,
    report: JSON.parse(io.stdout) as {
      ok: boolean;
      checks: { name: string; ok: boolean | null; detail: string }[];
    },
  };
};

describe('mirrorflow preflight', () => {
  it('passes in a region with mirroring opened, a usable filter, source and target, and the flow deployed', async () => {
    const { code, report } = await run(
      '--region',
      'cn-hangzhou',
      '--filter',
      'tmf-bp1all01',
      '--source',
      'eni-bp1web03',
      '--target',
      'eni-bp1ids01',
    );
    expect(code).toBe(0);
    expect(report.checks.map((c) => c.ok)).toEqual([true, true, true, true, true, true]);
    expect(report.checks.slice(-2).map((c) => c.name)).toEqual([
      'the session-ready flow is reachable',
      'the reconcile-run flow is reachable',
    ]);
    expect(report.checks[2]!.detail).toMatch(/DryRunOperation/);
    expect(cloud.vpc.model.liveSessions()).toHaveLength(0); // a dry run creates nothing
  });

  it('fails where traffic mirroring is not opened, saying what to do', async () => {
    const { code, report } = await run('--region', 'cn-shanghai');
    expect(code).toBe(1);
    expect(report.checks[0]).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/OpenTrafficMirrorService/),
    });
    expect(report.checks.find((c) => c.name.startsWith('a dry-run'))?.ok).toBeNull();
  });

  it('names the problem with the filter', async () => {
    const { code, report } = await run(
      '--region',
      'cn-hangzhou',
      '--filter',
      'tmf-bp1nope01',
      '--source',
      'eni-bp1web03',
      '--target',
      'eni-bp1ids01',
    );
    expect(code).toBe(1);
    expect(report.checks[2]).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/^ResourceNotFound\.TrafficMirrorFilter: .* — /),
    });
  });

  it('reports an unsupported region and a flow that is not deployed', async () => {
    const { report } = await run('--region', 'ap-south-1', '--flow', 'not-deployed');
    expect(report.checks[0]).toMatchObject({ ok: false, detail: expect.stringMatching(/UnsupportedRegion/) });
    // The flow component would refuse the region before anything is deployed (audit S23).
    expect(report.checks.at(-3)).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/region is must be in/),
    });
    expect(report.checks.at(-2)).toMatchObject({ ok: null, detail: expect.stringMatching(/s deploy/) });
  });

  it('asks for credentials when there are none', async () => {
    const io = captureIo();
    const saved = { ...process.env };
    delete process.env.ALIBABA_CLOUD_ACCESS_KEY_ID;
    delete process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET;
    try {
      expect(await main(['preflight', '--region', 'cn-hangzhou'], io)).toBe(2);
      expect(io.stderr).toMatch(/ALIBABA_CLOUD_ACCESS_KEY_ID/);
    } finally {
      process.env = saved;
    }
  });
});
