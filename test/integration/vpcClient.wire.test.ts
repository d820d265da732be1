/**
 * The VPC client on the wire: real pop-core over real HTTP to a loopback server that verifies the V1
 * signature exactly as the cloud does and records the parameters that arrive.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudApiError } from '../../functions/lib/cloud/cloudError.js';
import { createVpcClient, listAllSessions } from '../../functions/lib/cloud/vpcClient.js';
import { RpcError } from '../../infra/local/rpc/errors.js';
import type { RpcCall } from '../../infra/local/rpc/server.js';
import { type RpcTestServer, startRpcTestServer } from '../helpers/rpcTestServer.js';

const AK = 'wire-test-key-id';
const SECRET = 'wire-secret-DO-NOT-LEAK';
const STS_AK = 'STS.wire-test';
const STS_SECRET = 'sts-secret-DO-NOT-LEAK';
const STS_TOKEN = 'sts-token-DO-NOT-LEAK-0123456789';

const received: RpcCall[] = [];
let behaviour: (call: RpcCall) => Record<string, unknown> = () => ({});
let server: RpcTestServer;

const session = (id: string) => ({
  TrafficMirrorSessionId: id,
  TrafficMirrorSessionStatus: 'Created',
  TrafficMirrorSessionBusinessStatus: 'Normal',
  Enabled: true,
  Priority: 1,
  VirtualNetworkId: 10,
  PacketLength: 1500,
  TrafficMirrorFilterId: 'tmf-1',
  TrafficMirrorSourceIds: ['eni-1'],
  TrafficMirrorTargetId: 'eni-2',
  TrafficMirrorTargetType: 'NetworkInterface',
  Tags: [],
  CreationTime: '2023-09-05T15:26Z',
});

beforeAll(async () => {
  const record = (call: RpcCall) => {
    received.push(call);
    return behaviour(call);
  };
  server = await startRpcTestServer({
    version: '2016-04-28',
    credentials: {
      [AK]: { accessKeySecret: SECRET },
      [STS_AK]: { accessKeySecret: STS_SECRET, securityToken: STS_TOKEN },
    },
    actions: {
      CreateTrafficMirrorSession: record,
      ListTrafficMirrorSessions: record,
      DeleteTrafficMirrorSession: record,
    },
  });
});
afterAll(() => server.close());

const client = (overrides: { secret?: string; timeoutMs?: number; sts?: boolean } = {}) =>
  createVpcClient({
    regionId: 'cn-hangzhou',
    endpoint: server.url,
    timeoutMs: overrides.timeoutMs ?? 5000,
    credentials: overrides.sts
      ? { accessKeyId: STS_AK, accessKeySecret: STS_SECRET, securityToken: STS_TOKEN }
      : { accessKeyId: AK, accessKeySecret: overrides.secret ?? SECRET },
  });

describe('VPC client on the wire', () => {
  it('sends Create as a signed POST form with the exact parameter encoding', async () => {
    received.length = 0;
    behaviour = () => ({ TrafficMirrorSessionId: 'tms-new1', ResourceGroupId: 'rg-1' });
    const result = await client().createTrafficMirrorSession({
      RegionId: 'cn-hangzhou',
      TrafficMirrorSourceIds: ['eni-src1', 'eni-src2'],
      TrafficMirrorTargetId: 'lb-tgt',
      TrafficMirrorTargetType: 'SLB',
      TrafficMirrorFilterId: 'tmf-1',
      Priority: 20001,
      VirtualNetworkId: 0,
      Enabled: true,
      TrafficMirrorSessionName: 'ids feed & more',
      Tag: [
        { Key: 'team', Value: 'secops' },
        { Key: 'mirrorflow-owner', Value: 'mirrorflow' },
      ],
      ClientToken: 'mf-ev-0123',
      PacketLength: undefined,
    });
    expect(result).toEqual({
      TrafficMirrorSessionId: 'tms-new1',
      ResourceGroupId: 'rg-1',
      RequestId: expect.any(String),
    });
    expect(server.calls.at(-1)).toMatchObject({
      action: 'CreateTrafficMirrorSession',
      code: 'OK',
      signatureVersion: 'v1',
    });
    const last = server.requests.at(-1)!;
    expect(last.method).toBe('POST');
    expect(last.contentType).toBe('application/x-www-form-urlencoded');
    expect(last.rawQuery).toBe(''); // nothing, credentials included, travels in the URL
    expect(received[0]!.params).toEqual({
      RegionId: 'cn-hangzhou',
      'TrafficMirrorSourceIds.1': 'eni-src1',
      'TrafficMirrorSourceIds.2': 'eni-src2',
      TrafficMirrorTargetId: 'lb-tgt',
      TrafficMirrorTargetType: 'SLB',
      TrafficMirrorFilterId: 'tmf-1',
      Priority: '20001',
      VirtualNetworkId: '0',
      Enabled: 'true',
      TrafficMirrorSessionName: 'ids feed & more',
      'Tag.1.Key': 'team',
      'Tag.1.Value': 'secops',
      'Tag.2.Key': 'mirrorflow-owner',
      'Tag.2.Value': 'mirrorflow',
      ClientToken: 'mf-ev-0123',
    });
    expect(last.rawBody).not.toMatch(/undefined|object%20Object|\[object/);
  });

  it('lists every page through NextToken, with List filters spelled as the API spells them', async () => {
    received.length = 0;
    const pages: Record<string, { ids: string[]; next?: string }> = {
      '': { ids: ['tms-1', 'tms-2'], next: 'tok-2' },
      'tok-2': { ids: ['tms-3'], next: 'tok-3' },
      'tok-3': { ids: ['tms-4'] },
    };
    behaviour = (call) => {
      const page = pages[call.params.NextToken ?? '']!;
      return { TotalCount: '4', NextToken: page.next ?? '', TrafficMirrorSessions: page.ids.map(session) };
    };
    const ids: string[] = [];
    for await (const s of listAllSessions(client(), {
      RegionId: 'cn-hangzhou',
      TrafficMirrorSourceId: 'eni-1',
      Tags: [{ Key: 'mirrorflow-owner', Value: 'mirrorflow' }],
      TrafficMirrorSessionIds: ['tms-1', 'tms-9'],
    })) {
      ids.push(s.TrafficMirrorSessionId);
    }
    expect(ids).toEqual(['tms-1', 'tms-2', 'tms-3', 'tms-4']);
    expect(received.map((c) => c.params.NextToken)).toEqual([undefined, 'tok-2', 'tok-3']);
    expect(received[0]!.params).toEqual({
      RegionId: 'cn-hangzhou',
      MaxResults: '100',
      TrafficMirrorSourceId: 'eni-1',
      'Tags.1.Key': 'mirrorflow-owner',
      'Tags.1.Value': 'mirrorflow',
      'TrafficMirrorSessionIds.1': 'tms-1',
      'TrafficMirrorSessionIds.2': 'tms-9',
    });
  });

  it('retries a throttled page alone when asked to: the pages before it are not listed again', async () => {
    received.length = 0;
    let throttled = false;
    behaviour = (call) => {
      if (call.params.NextToken === 'tok-2' && !throttled) {
        throttled = true;
        throw new RpcError('Throttling', 'Request was denied due to request throttling.', 400);
      }
      return call.params.NextToken === 'tok-2'
        ? { TotalCount: '2', NextToken: '', TrafficMirrorSessions: [session('tms-2')] }
        : { TotalCount: '2', NextToken: 'tok-2', TrafficMirrorSessions: [session('tms-1')] };
    };
    const retryOnce = async <T>(call: () => Promise<T>): Promise<T> => {
      try {
        return await call();
      } catch (error) {
        if (error instanceof CloudApiError && error.code === 'Throttling') return call();
        throw error;
      }
    };
    const ids: string[] = [];
    for await (const s of listAllSessions(client(), { RegionId: 'cn-hangzhou' }, retryOnce))
      ids.push(s.TrafficMirrorSessionId);
    expect(ids).toEqual(['tms-1', 'tms-2']);
    expect(received.map((c) => c.params.NextToken)).toEqual([undefined, 'tok-2', 'tok-2']);
  });

  it('parses List responses into typed records (TotalCount string → number)', async () => {
    behaviour = () => ({ TotalCount: '1', TrafficMirrorSessions: [session('tms-x')] });
    const page = await client().listTrafficMirrorSessions({ RegionId: 'cn-hangzhou' });
    expect(page.TotalCount).toBe(1);
    expect(page.TrafficMirrorSessions[0]).toMatchObject({
      TrafficMirrorSessionId: 'tms-x',
      Enabled: true,
      Priority: 1,
    });
  });

  it('deletes', async () => {
    received.length = 0;
    behaviour = () => ({});
    await client().deleteTrafficMirrorSession({
      RegionId: 'cn-hangzhou',
      TrafficMirrorSessionId: 'tms-1',
      ClientToken: 'c',
    });
    expect(received[0]!.params).toEqual({
      RegionId: 'cn-hangzhou',
      TrafficMirrorSessionId: 'tms-1',
      ClientToken: 'c',
    });
  });

  it('signs STS credentials with their SecurityToken', async () => {
    behaviour = () => ({ TrafficMirrorSessions: [] });
    await expect(
      client({ sts: true }).listTrafficMirrorSessions({ RegionId: 'cn-hangzhou' }),
    ).resolves.toMatchObject({
      TrafficMirrorSessions: [],
    });
    expect(server.calls.at(-1)).toMatchObject({ code: 'OK' });
  });

  it('normalises cloud errors with code, message, request id, status and class — and no secrets', async () => {
    behaviour = () => {
      throw new RpcError(
        'IllegalParam.Priority',
        'The specified Priority is illegal or the same as other mirroring sessions.',
      );
    };
    const error = await client({ sts: true })
      .createTrafficMirrorSession({
        RegionId: 'cn-hangzhou',
        TrafficMirrorSourceIds: ['eni-1'],
        TrafficMirrorTargetId: 'eni-2',
        TrafficMirrorTargetType: 'NetworkInterface',
        TrafficMirrorFilterId: 'tmf-1',
        Priority: 1,
      })
      .catch((e) => e);
    expect(error).toBeInstanceOf(CloudApiError);
    expect(error).toMatchObject({
      code: 'IllegalParam.Priority',
      httpStatus: 400,
      retryClass: 'terminal',
      requestId: expect.stringMatching(/^[0-9A-F-]{36}$/),
      action: 'CreateTrafficMirrorSession',
    });
    const everything = JSON.stringify({ ...error.toJSON(), message: error.message, stack: error.stack });
    for (const secret of [STS_SECRET, STS_TOKEN]) expect(everything).not.toContain(secret);
  });

  it('a wrong secret fails the signature check: terminal, and the secret is not in the error', async () => {
    const error = await client({ secret: 'wrong-secret-value' })
      .listTrafficMirrorSessions({ RegionId: 'cn-hangzhou' })
      .catch((e) => e);
    expect(error).toMatchObject({ code: 'SignatureDoesNotMatch', retryClass: 'terminal' });
    expect(JSON.stringify(error.toJSON()) + error.message).not.toContain('wrong-secret-value');
  });

  it('treats a 5xx body without a Code as a retryable error, not a success', async () => {
    // A gateway answering 503 with a JSON body pop-core would otherwise resolve as success.
    const { createServer } = await import('node:http');
    const bad = createServer((_req, res) => {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end('{"RequestId":"R-503"}');
    });
    await new Promise<void>((r) => bad.listen(0, '127.0.0.1', r));
    const port = (bad.address() as { port: number }).port;
    const c = createVpcClient({
      regionId: 'cn-hangzhou',
      endpoint: `http://127.0.0.1:${port}`,
      credentials: { accessKeyId: AK, accessKeySecret: SECRET },
    });
    const error = await c.listTrafficMirrorSessions({ RegionId: 'cn-hangzhou' }).catch((e) => e);
    bad.close();
    expect(error).toMatchObject({ httpStatus: 503, retryClass: 'retry', requestId: 'R-503' });
  });

  it('turns an HTML error page into a retryable InvalidResponse', async () => {
    const { createServer } = await import('node:http');
    const bad = createServer((_req, res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<html>Bad Gateway</html>');
    });
    await new Promise<void>((r) => bad.listen(0, '127.0.0.1', r));
    const port = (bad.address() as { port: number }).port;
    const c = createVpcClient({
      regionId: 'x',
      endpoint: `http://127.0.0.1:${port}`,
      credentials: { accessKeyId: AK, accessKeySecret: SECRET },
    });
    const error = await c.listTrafficMirrorSessions({ RegionId: 'cn-hangzhou' }).catch((e) => e);
    bad.close();
    expect(error).toMatchObject({ code: 'InvalidResponse', retryClass: 'retry' });
  });

  it('times out a silent server with a retryable RequestTimeout', async () => {
    const { createServer } = await import('node:http');
    const silent = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    const c = createVpcClient({
      regionId: 'x',
      endpoint: `http://127.0.0.1:${port}`,
      timeoutMs: 200,
      credentials: { accessKeyId: AK, accessKeySecret: SECRET },
    });
    const error = await c.listTrafficMirrorSessions({ RegionId: 'cn-hangzhou' }).catch((e) => e);
    silent.closeAllConnections();
    silent.close();
    expect(error).toMatchObject({ code: 'RequestTimeout', retryClass: 'retry' });
  });

  it('rejects a response that does not fit the API page as InvalidResponse', async () => {
    behaviour = () => ({ Unexpected: true });
    const error = await client()
      .createTrafficMirrorSession({
        RegionId: 'cn-hangzhou',
        TrafficMirrorSourceIds: ['eni-1'],
        TrafficMirrorTargetId: 'eni-2',
        TrafficMirrorTargetType: 'NetworkInterface',
        TrafficMirrorFilterId: 'tmf-1',
        Priority: 1,
      })
      .catch((e) => e);
    expect(error).toMatchObject({ code: 'InvalidResponse', retryClass: 'retry' });
  });
});

describe('the loopback server checks requests like the cloud', () => {
  it('rejects a replayed nonce, an unknown key and a stale timestamp', async () => {
    const { signV1 } = await import('../../infra/local/rpc/signatureV1.js');
    const stamp = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const send = async (params: Record<string, string>, secret = SECRET) => {
      const signed = { ...params, Signature: signV1('POST', params, secret) };
      const res = await fetch(`${server.url}/`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(signed).toString(),
      });
      return { status: res.status, body: (await res.json()) as Record<string, string> };
    };
    const base = {
      Action: 'ListTrafficMirrorSessions',
      Version: '2016-04-28',
      Format: 'JSON',
      AccessKeyId: AK,
      SignatureMethod: 'HMAC-SHA1',
      SignatureVersion: '1.0',
      RegionId: 'cn-hangzhou',
    };
    behaviour = () => ({ TrafficMirrorSessions: [] });
    const fresh = { ...base, Timestamp: stamp(Date.now()), SignatureNonce: `n-${randomUUID()}` };
    expect((await send(fresh)).status).toBe(200);
    expect((await send(fresh)).body.Code).toBe('SignatureNonceUsed');
    const unknown = await send({
      ...base,
      AccessKeyId: 'nobody',
      Timestamp: stamp(Date.now()),
      SignatureNonce: 'n-x',
    });
    expect(unknown).toMatchObject({ status: 404, body: { Code: 'InvalidAccessKeyId.NotFound' } });
    const stale = await send({ ...base, Timestamp: stamp(Date.now() - 16 * 60_000), SignatureNonce: 'n-y' });
    expect(stale.body.Code).toBe('InvalidTimeStamp.Expired');
    const malformed = await send({ ...base, Timestamp: '22/11/2026', SignatureNonce: 'n-z' });
    expect(malformed.body.Code).toBe('InvalidTimeStamp.Format');
    const badVersion = await send({
      ...base,
      Version: '2014-01-01',
      Timestamp: stamp(Date.now()),
      SignatureNonce: 'n-v',
    });
    expect(badVersion.body.Code).toBe('InvalidVersion.NotFound');
    const badAction = await send({
      ...base,
      Action: 'DescribeNothing',
      Timestamp: stamp(Date.now()),
      SignatureNonce: 'n-a',
    });
    expect(badAction).toMatchObject({
      status: 404,
      body: { Code: 'InvalidAction.NotFound', HostId: 'test.local' },
    });
    expect(badAction.body.Recommend).toContain('InvalidAction.NotFound');
  });
});
