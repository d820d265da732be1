/**
 * `mirrorflow code-cache` against the local cloud: each deployed function is asked through FC 3.0's own SDK
 * (`@alicloud/fc20230330`, ACS3-signed) for the code cache of the bundle it loaded, and the next start of
 * that bundle, in a new Node as after a deploy, compiles from it.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LOADED_CODE } from '../../functions/lib/runtime/codeCache.js';
import { closeOnceListening } from '../../infra/bench/moduleLoad.js';
import { bundleFunctions } from '../../infra/build/bundleFunctions.js';
import { cacheFileOf } from '../../infra/build/codeCacheLoader.js';
import { builtFunctions, fetchCodeCaches } from '../../infra/cli/codeCaches.js';
import { type Endpoints, writeEndpoints } from '../../infra/cli/endpoints.js';
import { fc3Endpoint, fc3Invoker } from '../../infra/cli/fc3Invoker.js';
import { main } from '../../infra/cli/main.js';
import { captureIo } from '../helpers/cliIo.js';
import { fileCloud, startTestCloud } from '../helpers/localCloud.js';

// Its own build: the caches are written into the folder the local cloud deployed.
const dist = mkdtempSync(join(tmpdir(), 'mf-code-cache-dist-'));
const cloud = fileCloud(async () => {
  await bundleFunctions({ functionsDir: 'functions', outDir: dist });
  return startTestCloud({ functionsDir: dist });
});

/** How a new Node (a cold start after the next deploy) loads an entry: from its cache, or not. */
function loadedWith(entryFile: string, serves: boolean): string {
  const script = `${serves ? `process.env.FC_CUSTOM_LISTEN_PORT='0';${closeOnceListening}` : ''}
require(${JSON.stringify(entryFile)});
process.stdout.write(globalThis[Symbol.for(${JSON.stringify(LOADED_CODE.description)})].status);`;
  return execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' });
}

const localInvoker = (overrides: { accessKeySecret?: string } = {}) => {
  const endpoints = cloud().endpoints();
  return fc3Invoker({
    ...fc3Endpoint({ url: endpoints.fc! }),
    region: endpoints.regionId!,
    credentials: {
      accessKeyId: endpoints.accessKeyId!,
      accessKeySecret: overrides.accessKeySecret ?? endpoints.accessKeySecret!,
    },
  });
};

describe('mirrorflow code-cache', () => {
  it("writes each deployed function's own cache beside its bundle; the next start compiles from it", async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'mf-code-cache-')), 'endpoints.json');
    writeEndpoints(file, cloud().endpoints() as unknown as Endpoints);
    const io = captureIo();
    const code = await main(['code-cache', '--local', file, '--dist', dist, '--json'], io);
    expect(code).toBe(0);
    const { functions } = JSON.parse(io.stdout) as {
      functions: { function: string; entry: string; loaded: string; file: string; bytes: number }[];
    };
    expect(functions.map((f) => [f.function, f.entry, f.loaded])).toEqual([
      ['check-status', 'server', 'none'],
      ['dead-letter', 'index', 'none'],
      ['intake-event', 'index', 'none'],
      ['intake-webhook', 'index', 'none'],
      ['reconcile', 'index', 'none'],
    ]);
    for (const f of functions) {
      const entryBundle = join(dist, f.function, `${f.entry}.bundle.js`);
      expect(f.file).toBe(cacheFileOf(entryBundle));
      expect(readFileSync(f.file).length).toBe(f.bytes);
      expect(loadedWith(join(dist, f.function, `${f.entry}.js`), f.entry === 'server')).toBe('used');
    }
    // The invocations went through the local FC's 2023-03-30 API, one per function.
    const invoked = cloud().stack.fc.invocations.filter((i) => i.invocationType === 'Sync');
    expect(invoked.map((i) => i.function).sort()).toEqual(functions.map((f) => f.function));
  });

  it('writes nothing for a function deployed from another build, and says so', async () => {
    const other = mkdtempSync(join(tmpdir(), 'mf-code-cache-other-'));
    cpSync(join(dist, 'dead-letter'), join(other, 'dead-letter'), { recursive: true });
    const bundle = join(other, 'dead-letter', 'index.bundle.js');
    writeFileSync(bundle, `${readFileSync(bundle, 'utf8')}\n// another build\n`);
    const [outcome] = await fetchCodeCaches({ dist: other, names: ['dead-letter'], invoke: localInvoker() });
    expect(outcome).toMatchObject({
      function: 'dead-letter',
      error: expect.stringMatching(/is not the one in/),
    });
    expect(outcome!.file).toBeUndefined();
  });

  it('reports what FC 3.0 answers: an unknown function, a request signed with the wrong secret', async () => {
    const invoke = localInvoker();
    expect(await invoke('no-such-function', Buffer.from('{}'))).toEqual({
      ok: false,
      error: expect.stringMatching(/^FunctionNotFound: /),
    });
    expect(await localInvoker({ accessKeySecret: 'wrong' })('dead-letter', Buffer.from('{}'))).toEqual({
      ok: false,
      error: expect.stringMatching(/^SignatureNotMatch: /),
    });
  });

  it('refuses to run without a region, an account, a build, or with a function the build does not hold', async () => {
    const usage = async (args: string[], env: Record<string, string | undefined> = {}) => {
      const saved = { ...process.env };
      Object.assign(process.env, env);
      for (const [k, v] of Object.entries(env)) if (v === undefined) delete process.env[k];
      try {
        const io = captureIo();
        return { code: await main(['code-cache', ...args], io), err: io.stderr };
      } finally {
        process.env = saved;
      }
    };
    expect(await usage(['--dist', dist], { MIRRORFLOW_REGION: undefined })).toMatchObject({
      code: 2,
      err: expect.stringContaining('--region (or MIRRORFLOW_REGION) is required'),
    });
    expect(
      await usage(['--dist', dist, '--region', 'cn-hangzhou'], { ALIBABA_CLOUD_ACCOUNT_ID: undefined }),
    ).toMatchObject({ code: 2, err: expect.stringContaining('--account-id (or ALIBABA_CLOUD_ACCOUNT_ID)') });
    expect(await usage(['--dist', mkdtempSync(join(tmpdir(), 'mf-empty-')), '--local'])).toMatchObject({
      code: 2,
      err: expect.stringContaining('holds no built function'),
    });
    expect(await usage(['--dist', dist, '--local', '--functions', 'intake-event,nope'])).toMatchObject({
      code: 2,
      err: expect.stringContaining('not built in'),
    });
  });

  it('exits 1 and names the function when one cannot answer', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'mf-code-cache-')), 'endpoints.json');
    writeEndpoints(file, { ...(cloud().endpoints() as unknown as Endpoints), accessKeySecret: 'wrong' });
    const io = captureIo();
    expect(
      await main(['code-cache', '--local', file, '--dist', dist, '--functions', 'dead-letter'], io),
    ).toBe(1);
    expect(io.stdout).toMatch(/✗ dead-letter: SignatureNotMatch: /);
  });

  it('lists the functions a build folder holds', () => {
    expect(builtFunctions(dist)).toEqual([
      'check-status',
      'dead-letter',
      'intake-event',
      'intake-webhook',
      'reconcile',
    ]);
  });
});
