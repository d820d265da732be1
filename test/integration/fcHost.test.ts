/** The local FC host through the real @alicloud/fc2 client over HTTP, with bundled fixture handlers. */
import { createHash, randomUUID } from 'node:crypto';
import FCClient from '@alicloud/fc2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fc3Endpoint, fc3Invoker } from '../../infra/cli/fc3Invoker.js';
import { SimulatedClock } from '../../infra/local/clock.js';
import { LOCAL_ACCESS_KEY, LOCAL_STS } from '../../infra/local/credentials.js';
import { type FcHost, startFcHost } from '../../infra/local/fc/host.js';
import { InstancePool } from '../../infra/local/fc/pool.js';
import { functionsFromDir } from '../../infra/local/flowStack.js';
import { RamAuthority } from '../../infra/local/ram/authority.js';
import type { RoleDefinition } from '../../infra/local/ram/roles.js';
import { canonicalRequestV3, signV3 } from '../../infra/local/rpc/signatureV3.js';
import { fixtureBundles } from '../helpers/fixtures.js';

let host: FcHost;
let client: FCClient;
const ACCOUNT = '1234567890123456';
/** The fixtures' role, and a role that may invoke only echo (to show the FC host asks RAM). */
const FIXTURE_ROLE: RoleDefinition = {
  name: 'fixture',
  arn: `acs:ram::${ACCOUNT}:role/fixture`,
  trustedServices: ['fc.aliyuncs.com'],
  statements: [],
};
const ECHO_ONLY: RoleDefinition = {
  name: 'echo-only',
  arn: `acs:ram::${ACCOUNT}:role/echo-only`,
  trustedServices: ['fc.aliyuncs.com'],
  statements: [
    {
      effect: 'Allow',
      actions: ['fc:InvokeFunction'],
      resources: [`acs:fc:cn-hangzhou:${ACCOUNT}:functions/echo`],
    },
  ],
};
let authority: RamAuthority;

beforeAll(async () => {
  const dir = await fixtureBundles();
  authority = new RamAuthority(ACCOUNT, [FIXTURE_ROLE, ECHO_ONLY]);
  host = await startFcHost({
    functions: functionsFromDir(dir, (name) => ({
      env: { MF_FIXTURE: `env-of-${name}` },
      timeoutSeconds: name === 'sleepy' ? 1 : 30,
      roleArn: FIXTURE_ROLE.arn,
      // Only these have an HTTP trigger; `web` only for POST and PUT.
      ...(name === 'counter' ? { invocationsPerInstance: 3 } : {}),
      // A custom runtime (its server.js) taking three invocations at once.
      ...(name === 'gather' ? { customRuntime: true, instanceConcurrency: 3 } : {}),
      ...(name === 'web' ? { httpTrigger: { methods: ['POST', 'PUT'], authType: 'anonymous' } } : {}),
      ...(name === 'boom' ? { httpTrigger: { methods: ['GET'], authType: 'anonymous' } } : {}),
      ...(name === 'flaky' || name === 'boom'
        ? {
            async: {
              maxAsyncRetryAttempts: 3,
              maxAsyncEventAgeInSeconds: 3600,
              onFailure: 'acs:mns:cn-hangzhou:1:/queues/dlq/messages',
            },
          }
        : {}),
    })),
    access: { authority, region: 'cn-hangzhou' },
    clock: new SimulatedClock(),
  });
  client = new FCClient(ACCOUNT, {
    accessKeyID: LOCAL_ACCESS_KEY.accessKeyId,
    accessKeySecret: LOCAL_ACCESS_KEY.accessKeySecret,
    region: 'cn-hangzhou',
    endpoint: host.url,
  });
}, 60_000);
afterAll(() => host.close());

/** The context the host would hand a pool's invocation (no role: no keys). */
const poolContext = {
  requestId: 'r',
  credentials: { accessKeyId: '', accessKeySecret: '', securityToken: '' },
  function: { name: 'fixture', handler: 'index.handler', memory: 128, timeout: 60 },
  region: 'cn-hangzhou',
  accountId: ACCOUNT,
};

describe('FC host invoke API', () => {
  it('runs a bundled handler synchronously with a Buffer event, an FC context and its own environment', async () => {
    const response = await client.invokeFunction('mirrorflow', 'echo', JSON.stringify({ hello: 'fc' }));
    expect(response.headers['x-fc-error-type']).toBeUndefined();
    expect(response.data).toEqual({
      event: { hello: 'fc' },
      requestId: response.headers['x-fc-request-id'],
      functionName: 'echo',
      region: 'cn-hangzhou',
      accountId: ACCOUNT,
      hasCredentials: true,
      fixtureEnv: 'env-of-echo',
    });
  });

  it('retires an instance after its invocations and serves the next one from a fresh instance', async () => {
    const counts: number[] = [];
    for (let i = 0; i < 7; i++) {
      const response = await client.invokeFunction('mirrorflow', 'counter', '{}');
      counts.push((response.data as { invocations: number }).invocations);
    }
    // One at a time, so one instance serves each run of three; module state starts again with each.
    expect(counts).toEqual([1, 2, 3, 1, 2, 3, 1]);
  });

  it('reports an error thrown by the function with HTTP 200 and x-fc-error-type', async () => {
    const response = await client.invokeFunction('mirrorflow', 'boom', '{}');
    expect(response.headers['x-fc-error-type']).toBe('UnhandledInvocationError');
    expect(response.data).toMatchObject({
      errorMessage: 'boom: the fixture failed on purpose',
      errorType: 'Error',
    });
  });

  it('sends a custom runtime its invocations over HTTP, as many at once per instance as instanceConcurrency allows', async () => {
    // Each invocation returns only once three run on its instance: six at once fill exactly two instances.
    const responses = await Promise.all(
      Array.from({ length: 6 }, () => client.invokeFunction('mirrorflow', 'gather', '{"gather":3}')),
    );
    const results = responses.map((r) => r.data as Record<string, unknown>);
    expect(results.every((r) => r.seen === 3)).toBe(true);
    const instances = new Set(results.map((r) => r.instance));
    expect(instances.size).toBe(2);
    for (const id of instances) expect(results.filter((r) => r.instance === id)).toHaveLength(3);
    expect(results[0]).toMatchObject({
      requestId: responses[0]!.headers['x-fc-request-id'],
      functionName: 'gather',
      region: 'cn-hangzhou',
      hasCredentials: true,
      fixtureEnv: 'env-of-gather',
    });
  });

  it('puts invocations that arrive while an instance starts on that instance, up to its concurrency', async () => {
    const dir = await fixtureBundles();
    const [config] = functionsFromDir(dir, () => ({ customRuntime: true, instanceConcurrency: 3 })).filter(
      (f) => f.name === 'gather',
    );
    const pool = new InstancePool(config!, () => undefined);
    try {
      // All six in the same tick, before the first instance listens: three on it, three on one more.
      const outcomes = await Promise.all(
        Array.from({ length: 6 }, () => pool.invoke(Buffer.from('{"gather":3}'), poolContext)),
      );
      const instances = outcomes.map((o) =>
        o.ok ? JSON.parse(o.result.payload).instance : o.error.errorType,
      );
      expect(new Set(instances).size).toBe(2);
    } finally {
      await pool.close();
    }
  });

  it('gives a built-in runtime one invocation per instance, however many arrive in the same tick', async () => {
    const dir = await fixtureBundles();
    const [config] = functionsFromDir(dir).filter((f) => f.name === 'counter');
    const pool = new InstancePool(config!, () => undefined);
    try {
      const outcomes = await Promise.all(
        [1, 2, 3].map((i) => pool.invoke(Buffer.from('{}'), { ...poolContext, requestId: `r-${i}` })),
      );
      // Each ran on an instance of its own: every count starts at 1.
      expect(outcomes.map((o) => (o.ok ? JSON.parse(o.result.payload).invocations : o.error))).toEqual([
        1, 1, 1,
      ]);
    } finally {
      await pool.close();
    }
  });

  it("reports a custom runtime's failed invocation (x-fc-status 404) as the function's error", async () => {
    const response = await client.invokeFunction('mirrorflow', 'gather', '{"fail":true}');
    expect(response.headers['x-fc-error-type']).toBe('UnhandledInvocationError');
    expect(response.data).toMatchObject({ errorMessage: 'asked to fail', errorType: 'RangeError' });
  });

  it('kills an instance that passes its timeout and reports the timeout', async () => {
    const started = Date.now();
    const response = await client.invokeFunction('mirrorflow', 'sleepy', '{}');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(response.headers['x-fc-error-type']).toBe('UnhandledInvocationError');
    expect(response.data).toMatchObject({ errorMessage: 'Function timed out after 1 seconds' });
  });

  it('accepts an async invocation with 202 and retries it when the function fails (FC default: 3 retries)', async () => {
    const key = `async-${Date.now()}`;
    const response = await client.invokeFunction(
      'mirrorflow',
      'flaky',
      JSON.stringify({ key, failTimes: 2 }),
      { 'x-fc-invocation-type': 'Async' },
    );
    expect(response.data).toBe('');
    await host.idle();
    const attempts = host.invocations.filter((i) => i.requestId === response.headers['x-fc-request-id']);
    expect(attempts.map((a) => a.outcome)).toEqual(['error', 'error', 'ok']);
    expect(attempts.every((a) => a.invocationType === 'Async')).toBe(true);
  });

  it('gives up an async invocation after the retries and sends it to the failure destination', async () => {
    const response = await client.invokeFunction('mirrorflow', 'boom', '{}', {
      'x-fc-invocation-type': 'Async',
    });
    await host.idle();
    const requestId = response.headers['x-fc-request-id'];
    expect(host.invocations.filter((i) => i.requestId === requestId)).toHaveLength(4);
    expect(host.deadLetters.filter((d) => d.requestId === requestId)).toEqual([
      expect.objectContaining({
        function: 'boom',
        destination: 'acs:mns:cn-hangzhou:1:/queues/dlq/messages',
      }),
    ]);
  });

  it('gives each function the temporary keys of its role, and asks RAM before every invocation', async () => {
    const keys = authority.assumeRole(ECHO_ONLY.arn, 'fc.aliyuncs.com', 'test');
    const asRole = new FCClient(ACCOUNT, {
      accessKeyID: keys.accessKeyId,
      accessKeySecret: keys.accessKeySecret,
      securityToken: keys.securityToken!,
      region: 'cn-hangzhou',
      endpoint: host.url,
    });
    expect((await asRole.invokeFunction('mirrorflow', 'echo', '{}')).data).toMatchObject({
      functionName: 'echo',
    });
    const boomRuns = () => host.invocations.filter((i) => i.function === 'boom').length;
    const before = boomRuns();
    const denied = await asRole.invokeFunction('mirrorflow', 'boom', '{}').catch((e) => e);
    expect(denied).toMatchObject({ code: 'AccessDenied' });
    expect(String(denied.message)).toContain(
      `fc:InvokeFunction on resource acs:fc:cn-hangzhou:${ACCOUNT}:functions/boom`,
    );
    expect(boomRuns()).toBe(before);
  });

  it('answers an unknown function with FunctionNotFound (fc2 throws FCFunctionNotFoundError)', async () => {
    const error = await client.invokeFunction('mirrorflow', 'nope', '{}').catch((e) => e);
    expect(error).toMatchObject({ name: 'FCFunctionNotFoundError', code: 'FunctionNotFound' });
  });

  it('checks the FC signature: a wrong secret or an unknown key is refused', async () => {
    const wrong = new FCClient(ACCOUNT, {
      accessKeyID: LOCAL_ACCESS_KEY.accessKeyId,
      accessKeySecret: 'wrong',
      region: 'cn-hangzhou',
      endpoint: host.url,
    });
    expect(await wrong.invokeFunction('mirrorflow', 'echo', '{}').catch((e) => e.code)).toBe(
      'SignatureNotMatch',
    );
    const unknown = new FCClient(ACCOUNT, {
      accessKeyID: 'nobody-key-id',
      accessKeySecret: 'x',
      region: 'cn-hangzhou',
      endpoint: host.url,
    });
    expect(await unknown.invokeFunction('mirrorflow', 'echo', '{}').catch((e) => e.code)).toBe(
      'InvalidAccessKeyID',
    );
    const sts = new FCClient(ACCOUNT, {
      accessKeyID: LOCAL_STS.accessKeyId,
      accessKeySecret: LOCAL_STS.accessKeySecret,
      securityToken: LOCAL_STS.securityToken!,
      region: 'cn-hangzhou',
      endpoint: host.url,
    });
    expect((await sts.invokeFunction('mirrorflow', 'echo', '{}')).data).toMatchObject({
      functionName: 'echo',
    });
  });
});

describe('FC host invoke API, as FC 3.0 (@alicloud/fc20230330, ACS3)', () => {
  const fc3 = (credentials: { accessKeyId: string; accessKeySecret: string; securityToken?: string }) =>
    fc3Invoker({ ...fc3Endpoint({ url: host.url }), region: 'cn-hangzhou', credentials });

  it("invokes a function and answers its result, or its error with FC's x-fc-error-type", async () => {
    const invoke = fc3(LOCAL_ACCESS_KEY);
    const echoed = await invoke('echo', Buffer.from('{"hello":"fc3"}'));
    expect(echoed.ok && JSON.parse(echoed.body.toString())).toMatchObject({ functionName: 'echo' });
    expect(await invoke('boom', Buffer.from('{}'))).toEqual({
      ok: false,
      error: expect.stringMatching(/^UnhandledInvocationError: .*boom: the fixture failed on purpose/),
    });
  });

  it('asks RAM before every invocation, and checks the STS token that came with the keys', async () => {
    const keys = authority.assumeRole(ECHO_ONLY.arn, 'fc.aliyuncs.com', 'test');
    const asRole = fc3({ ...keys, securityToken: keys.securityToken! });
    expect((await asRole('echo', Buffer.from('{}'))).ok).toBe(true);
    expect(await asRole('boom', Buffer.from('{}'))).toEqual({
      ok: false,
      error: expect.stringMatching(
        /^AccessDenied: .*fc:InvokeFunction on resource acs:fc:cn-hangzhou:\d+:functions\/boom/,
      ),
    });
    expect(await fc3({ ...keys, securityToken: 'another-token' })('echo', Buffer.from('{}'))).toEqual({
      ok: false,
      error: expect.stringMatching(/^InvalidArgument: /),
    });
  });

  it('refuses an unknown key', async () => {
    expect(
      await fc3({ accessKeyId: 'nobody-key-id', accessKeySecret: 'x' })('echo', Buffer.from('{}')),
    ).toEqual({
      ok: false,
      error: expect.stringMatching(/^InvalidAccessKeyID: /),
    });
  });

  /** A request to echo signed as the SDK signs (ACS3), with one thing about it changed by `o`. */
  const signed = async (
    o: {
      body?: string;
      signedBody?: string;
      date?: Date;
      nonce?: string;
      leaveUnsigned?: string;
      keys?: { accessKeyId: string; accessKeySecret: string; securityToken?: string };
    } = {},
  ) => {
    const keys = o.keys ?? LOCAL_ACCESS_KEY;
    const body = o.body ?? '{}';
    const path = '/2023-03-30/functions/echo/invocations';
    const headers: Record<string, string> = {
      host: new URL(host.url).host,
      'x-acs-date': (o.date ?? new Date()).toISOString().replace(/\.\d+Z$/, 'Z'),
      'x-acs-signature-nonce': o.nonce ?? randomUUID(),
      'x-acs-content-sha256': createHash('sha256').update(body).digest('hex'),
      ...(keys.securityToken ? { 'x-acs-security-token': keys.securityToken } : {}),
    };
    const names = Object.keys(headers).filter((n) => n !== o.leaveUnsigned);
    const payloadHash = createHash('sha256')
      .update(o.signedBody ?? body)
      .digest('hex');
    const canonical = canonicalRequestV3(
      {
        method: 'POST',
        path,
        query: {},
        headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
        payloadHash,
      },
      names,
    );
    const response = await fetch(`${host.url}${path}`, {
      method: 'POST',
      headers: {
        ...headers,
        authorization: `ACS3-HMAC-SHA256 Credential=${keys.accessKeyId},SignedHeaders=${names.sort().join(';')},Signature=${signV3(canonical, keys.accessKeySecret)}`,
      },
      body,
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('takes a request signed as the SDK signs it, once: a replay of its nonce is refused', async () => {
    const nonce = randomUUID();
    expect(await signed({ nonce })).toMatchObject({ status: 200, body: { functionName: 'echo' } });
    expect(await signed({ nonce })).toMatchObject({
      status: 400,
      body: { Code: 'InvalidArgument', Message: expect.stringContaining('nonce was used already') },
    });
  });

  it('binds the body to the signature, and refuses a request too far from the time', async () => {
    // The body's hash in its header is right, but the signature was made over another body's.
    expect(await signed({ body: '{"a":2}', signedBody: '{"a":1}' })).toMatchObject({
      status: 403,
      body: { Code: 'SignatureNotMatch' },
    });
    expect(await signed({ date: new Date(Date.now() - 20 * 60_000) })).toMatchObject({
      status: 403,
      body: { Code: 'RequestTimeTooSkewed' },
    });
  });

  it('refuses a signature that leaves out the nonce, or the STS token that comes with the keys', async () => {
    expect(await signed({ leaveUnsigned: 'x-acs-signature-nonce' })).toMatchObject({
      status: 400,
      body: { Message: expect.stringContaining('x-acs-signature-nonce') },
    });
    const keys = authority.assumeRole(ECHO_ONLY.arn, 'fc.aliyuncs.com', 'test');
    const sts = { ...keys, securityToken: keys.securityToken! };
    expect(await signed({ keys: sts })).toMatchObject({ status: 200 });
    expect(await signed({ keys: sts, leaveUnsigned: 'x-acs-security-token' })).toMatchObject({
      status: 400,
      body: { Message: expect.stringContaining('x-acs-security-token') },
    });
  });
});

describe('FC host HTTP triggers', () => {
  it('passes the FC 3.0 HTTP event and returns the handler response struct', async () => {
    const response = await fetch(`${host.url}/http/web/tickets/42?x=1&x=2&y=3`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-custom': 'a' },
      body: '{"ticket":42}',
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('x-echo-method')).toBe('POST');
    expect(response.headers.get('x-fc-forbidden')).toBeNull(); // handlers may not set x-fc-* headers
    expect(response.headers.get('x-fc-request-id')).toBeTruthy();
    expect(await response.json()).toEqual({
      rawPath: '/tickets/42',
      body: '{"ticket":42}',
      isBase64Encoded: false,
      query: { x: '1,2', y: '3' },
      contentType: 'application/json',
      method: 'POST',
      sourceIp: expect.stringMatching(/127\.0\.0\.1/),
      timeEpochIsString: true,
    });
  });

  it('base64-encodes a binary body', async () => {
    const response = await fetch(`${host.url}/http/web`, {
      method: 'PUT',
      body: new Uint8Array([0xff, 0xfe, 0x00]),
    });
    const body = (await response.json()) as { isBase64Encoded: boolean; body: string };
    expect(body.isBase64Encoded).toBe(true);
    expect(Buffer.from(body.body, 'base64')).toEqual(Buffer.from([0xff, 0xfe, 0x00]));
  });

  it('answers 502 when the HTTP handler throws, and 404 for an unknown function', async () => {
    expect((await fetch(`${host.url}/http/boom`)).status).toBe(502);
    expect((await fetch(`${host.url}/http/nothing-here`)).status).toBe(404);
  });

  it('serves only functions with an HTTP trigger, only for its methods', async () => {
    const echo = await fetch(`${host.url}/http/echo`, { method: 'POST', body: '{}' });
    expect(echo.status).toBe(404);
    expect(await echo.json()).toMatchObject({ ErrorCode: 'TriggerNotFound' });
    expect((await fetch(`${host.url}/http/web`, { method: 'GET' })).status).toBe(405);
    expect(host.invocations.filter((i) => i.function === 'echo' && i.invocationType === 'HTTP')).toHaveLength(
      0,
    );
  });
});
