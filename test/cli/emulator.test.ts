import RPCClient from '@alicloud/pop-core';
import { describe, expect, it } from 'vitest';
import { startCommand } from '../helpers/childProcess.js';

interface Ready {
  vpc: string;
  admin: string;
  regionId: string;
  accessKeyId: string;
  accessKeySecret: string;
}

describe('mirrorflow emulator vpc', () => {
  it('prints its JSON line when ready, serves signed calls (GET and POST), and stops cleanly on SIGTERM', async () => {
    const run = await startCommand<Ready>([
      'emulator',
      'vpc',
      '--port',
      '0',
      '--time-scale',
      '100',
      '--json',
    ]);
    try {
      expect(run.ready).toEqual({
        vpc: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
        admin: `${run.ready.vpc}/_admin`,
        regionId: 'cn-hangzhou',
        accessKeyId: expect.any(String),
        accessKeySecret: expect.any(String),
      });
      const client = new RPCClient({
        endpoint: run.ready.vpc,
        apiVersion: '2016-04-28',
        accessKeyId: run.ready.accessKeyId,
        accessKeySecret: run.ready.accessKeySecret,
      });
      // pop-core's default GET puts every parameter, signature included, in the query string.
      const viaGet = (await client.request('ListTrafficMirrorSessions', {
        RegionId: run.ready.regionId,
      })) as Record<string, unknown>;
      expect(viaGet).toMatchObject({ TotalCount: 0, TrafficMirrorSessions: [] });
      const viaPost = (await client.request(
        'GetTrafficMirrorServiceStatus',
        { RegionId: run.ready.regionId },
        { method: 'POST' },
      )) as Record<string, unknown>;
      expect(viaPost.Enabled).toBe(true);
      const inventory = (await (await fetch(`${run.ready.admin}/inventory`)).json()) as { regions: object };
      expect(Object.keys(inventory.regions)).toContain('cn-hangzhou');
    } finally {
      expect(await run.stop('SIGTERM')).toBe(0);
    }
  });

  it('refuses a port that is taken, with a clear message and exit 1', async () => {
    const first = await startCommand<Ready>(['emulator', 'vpc', '--json']);
    const port = new URL(first.ready.vpc).port;
    try {
      const { execFile } = await import('node:child_process');
      const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          ['bin/mirrorflow.js', 'emulator', 'vpc', '--port', port],
          (error, _out, stderr) =>
            resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stderr }),
        );
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(new RegExp(`port ${port} .* already in use`));
      expect(result.stderr).not.toMatch(/\n\s+at /);
    } finally {
      await first.stop();
    }
  });
});
