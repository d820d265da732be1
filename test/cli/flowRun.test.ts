import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixtureBundles } from '../helpers/fixtures.js';

const run = promisify(execFile);
let functions: string;
beforeAll(async () => {
  functions = await fixtureBundles();
}, 60_000);

const mirrorflow = (args: string[]) =>
  run(process.execPath, ['bin/mirrorflow.js', ...args]).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({
      code: e.code,
      stdout: e.stdout,
      stderr: e.stderr,
    }),
  );

describe('mirrorflow flow run', () => {
  it('runs a flow with FC tasks against bundled functions; a failed execution exits 1 with its history', async () => {
    const { code, stdout } = await mirrorflow([
      'flow',
      'run',
      'test/fixtures/flows/poll-job.yaml',
      '--input',
      '{"jobId":"j-1"}',
      '--functions',
      functions,
      '--json',
    ]);
    // check-job does not exist among the fixtures: the Catch sends the flow to its Fail state.
    expect(code).toBe(1);
    const result = JSON.parse(stdout) as { status: string; errorCode: string; history: { Type: string }[] };
    expect(result).toMatchObject({ status: 'Failed', errorCode: 'PollFailed' });
    expect(result.history.map((e) => e.Type)).toContain('StateCaught');
  });

  it('prints a readable summary, with the exact virtual duration (no real-time window)', async () => {
    const { code, stdout } = await mirrorflow([
      'flow',
      'run',
      'test/fixtures/workflows/wait-then-done.yaml',
      '--input',
      '{"seconds":3}',
    ]);
    expect(code).toBe(0);
    // Exactly 3: virtual time only moves from one pending Wait to the next, however loaded the machine is.
    expect(stdout).toMatch(/^wait-then-done: Succeeded after 3 virtual seconds \(\d+ events\)/);
  });

  it('--time-scale still paces a run in real time (a Wait of 2 virtual seconds at 1000x)', async () => {
    const { code, stdout } = await mirrorflow([
      'flow',
      'run',
      'test/fixtures/workflows/wait-then-done.yaml',
      '--input',
      '{"seconds":2}',
      '--time-scale',
      '1000',
      '--json',
    ]);
    expect(code).toBe(0);
    // Paced runs measure real time, so only the outcome is asserted, never the duration.
    expect(JSON.parse(stdout)).toMatchObject({ status: 'Succeeded', output: { seconds: 2 } });
  });

  it('refuses an invalid definition before running (exit 2), naming the state and the reason', async () => {
    const { code, stderr } = await mirrorflow([
      'flow',
      'run',
      'test/fixtures/flows/invalid.yaml',
      '--input',
      '{}',
    ]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/Decide: .*Default/);
    expect(stderr).toMatch(/Orphan: is unreachable/);
  });

  it('refuses bad input with a hint (exit 2)', async () => {
    const { code, stderr } = await mirrorflow([
      'flow',
      'run',
      'test/fixtures/workflows/wait-then-done.yaml',
      '--input',
      '[1]',
    ]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--input must be a JSON object/);
  });
});
