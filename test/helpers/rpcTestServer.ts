/** A loopback RPC server for wire tests: the local cloud's RPC core with actions the test supplies. */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import {
  type CallRecord,
  createRpcEndpoint,
  type RpcAction,
  type RpcCredential,
} from '../../infra/local/rpc/server.js';

export interface RecordedRequest {
  method: string;
  contentType: string | undefined;
  rawBody: string;
  rawQuery: string;
}

export interface RpcTestServer {
  url: string;
  calls: CallRecord[];
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startRpcTestServer(options: {
  version: string;
  actions: Record<string, RpcAction>;
  credentials: Record<string, RpcCredential>;
}): Promise<RpcTestServer> {
  const calls: CallRecord[] = [];
  const requests: RecordedRequest[] = [];
  const endpoint = createRpcEndpoint(
    { product: 'Test', version: options.version, hostId: 'test.local', actions: options.actions },
    { credentials: (id) => options.credentials[id], onCall: (r) => calls.push(r) },
  );
  const server: Server = createServer(async (req, res) => {
    // Keep a copy of the raw request for the test, then hand the RPC core an identical request.
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks);
    requests.push({
      method: req.method ?? '',
      contentType: req.headers['content-type'],
      rawBody: rawBody.toString('utf8'),
      rawQuery: new URL(req.url ?? '/', 'http://x').search,
    });
    const copy = Object.assign(Readable.from(rawBody.length > 0 ? [rawBody] : []), {
      method: req.method,
      url: req.url,
      headers: req.headers,
      rawHeaders: req.rawHeaders,
    }) as unknown as IncomingMessage;
    await endpoint(copy, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
