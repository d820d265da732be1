/**
 * FC 3.0 HTTP triggers: the request becomes the documented HTTP event (version v1, rawPath, body with
 * isBase64Encoded, headers and queryParameters joined with ",", requestContext), and the handler's
 * `{statusCode, headers, body, isBase64Encoded}` becomes the response, without the headers FC keeps for itself.
 * Source: https://www.alibabacloud.com/help/en/functioncompute/fc/http-trigger-invoking-function
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { InvocationOutcome } from './pool.js';

export function httpTriggerEvent(
  req: IncomingMessage,
  raw: Buffer,
  rest: string,
  url: URL,
  context: { accountId: string; region: string; functionName: string; requestId: string },
): Buffer {
  const headers: Record<string, string> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!;
    headers[name] =
      headers[name] === undefined ? req.rawHeaders[i + 1]! : `${headers[name]},${req.rawHeaders[i + 1]}`;
  }
  const queryParameters: Record<string, string> = {};
  for (const [k, v] of url.searchParams)
    queryParameters[k] = queryParameters[k] === undefined ? v : `${queryParameters[k]},${v}`;
  const text = raw.toString('utf8');
  const binary = Buffer.from(text, 'utf8').compare(raw) !== 0;
  const now = Date.now();
  let path = rest || '/';
  try {
    path = decodeURIComponent(path);
  } catch {
    // A malformed escape stays as sent; rawPath always is.
  }
  return Buffer.from(
    JSON.stringify({
      version: 'v1',
      rawPath: rest || '/',
      body: binary ? raw.toString('base64') : text,
      isBase64Encoded: binary,
      headers,
      queryParameters,
      requestContext: {
        accountId: context.accountId,
        domainName: `${context.functionName}.${context.region}.fcapp.run`,
        domainPrefix: context.functionName,
        http: {
          method: req.method ?? 'GET',
          path,
          protocol: `HTTP/${req.httpVersion}`,
          sourceIp: req.socket.remoteAddress ?? '',
          userAgent: String(req.headers['user-agent'] ?? ''),
        },
        requestId: context.requestId,
        time: new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        timeEpoch: String(now),
      },
    }),
  );
}

export function sendHttpTriggerReply(
  res: ServerResponse,
  outcome: InvocationOutcome,
  requestId: string,
): void {
  if (!outcome.ok) {
    res.writeHead(502, {
      'content-type': 'application/json',
      'x-fc-request-id': requestId,
      'x-fc-error-type': 'UnhandledInvocationError',
    });
    res.end(JSON.stringify({ errorMessage: outcome.error.errorMessage, errorType: outcome.error.errorType }));
    return;
  }
  let reply: { statusCode?: unknown; headers?: unknown; body?: unknown; isBase64Encoded?: unknown };
  try {
    reply =
      outcome.result.kind === 'json'
        ? JSON.parse(outcome.result.payload)
        : { statusCode: 200, body: outcome.result.payload };
  } catch {
    reply = { statusCode: 200, body: outcome.result.payload };
  }
  const status = typeof reply.statusCode === 'number' ? reply.statusCode : 200;
  const outHeaders: Record<string, string> = { 'x-fc-request-id': requestId };
  if (reply.headers && typeof reply.headers === 'object') {
    for (const [k, v] of Object.entries(reply.headers as Record<string, unknown>)) {
      // FC refuses to let handlers set these.
      if (/^(x-fc-|connection$|content-length$|date$|keep-alive$|server$)/i.test(k)) continue;
      outHeaders[k] = String(v);
    }
  }
  const body =
    typeof reply.body === 'string'
      ? Buffer.from(reply.body, reply.isBase64Encoded ? 'base64' : 'utf8')
      : Buffer.alloc(0);
  res.writeHead(status, outHeaders);
  res.end(body);
}
