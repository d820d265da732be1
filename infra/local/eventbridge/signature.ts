/**
 * The EventBridge data plane's request signature, as aliyun/alibabacloud-eventbridge-sdk signs PutEvents
 * (main.tea, util/ts/src/client.ts): `authorization: acs:<AccessKeyId>:<base64 HMAC-SHA1>` over
 * `METHOD\nContent-MD5\nContent-Type\nDate\n` + the `x-acs-*` headers sorted, as `name:value\n`, + the path.
 */
import { createHash, createHmac, randomUUID } from 'node:crypto';
import type { LocalCredentials } from '../credentials.js';

export function eventBridgeStringToSign(
  method: string,
  path: string,
  headers: Readonly<Record<string, string | undefined>>,
): string {
  const acs = Object.keys(headers)
    .map((k) => k.toLowerCase())
    .filter((k) => k.startsWith('x-acs-'))
    .sort()
    .map((k) => `${k}:${headers[k] ?? ''}\n`)
    .join('');
  return `${method}\n${headers['content-md5'] ?? ''}\n${headers['content-type'] ?? ''}\n${headers.date ?? ''}\n${acs}${path}`;
}

export function eventBridgeSignature(stringToSign: string, secret: string): string {
  return createHmac('sha1', secret).update(stringToSign).digest('base64');
}

/** Headers of a signed PutEvents request (lower-case names). */
export function signedPutEventsHeaders(
  body: string,
  credentials: LocalCredentials,
  region: string,
): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'application/cloudevents-batch+json; charset=utf-8',
    'content-md5': createHash('md5').update(body).digest('base64'),
    date: new Date().toUTCString(),
    'x-acs-signature-method': 'HMAC-SHA1',
    'x-acs-signature-version': '1.0',
    'x-acs-signature-nonce': randomUUID(),
    'x-acs-accesskey-id': credentials.accessKeyId,
    'x-eventbridge-version': '2015-06-06',
    'x-eventbridge-regionid': region,
    ...(credentials.securityToken ? { 'x-acs-security-token': credentials.securityToken } : {}),
  };
  const signature = eventBridgeSignature(
    eventBridgeStringToSign('POST', '/openapi/putEvents', headers),
    credentials.accessKeySecret,
  );
  return { ...headers, authorization: `acs:${credentials.accessKeyId}:${signature}` };
}

/** Puts CloudEvents on their buses (each names its bus in `aliyuneventbusname`), signed as the SDK does. */
export async function putEvents(
  url: string,
  credentials: LocalCredentials,
  region: string,
  events: Record<string, unknown>[],
): Promise<PutEventsResult> {
  const body = JSON.stringify(events);
  const response = await fetch(`${url}/openapi/putEvents`, {
    method: 'POST',
    headers: signedPutEventsHeaders(body, credentials, region),
    body,
  });
  const reply = (await response.json()) as PutEventsResult & { code?: string; message?: string };
  if (!response.ok) {
    const error = new Error(`${reply.code ?? response.status}: ${reply.message ?? 'PutEvents failed'}`);
    Object.assign(error, { code: reply.code ?? String(response.status), status: response.status });
    throw error;
  }
  return reply;
}

export interface PutEventsResult {
  RequestId: string;
  FailedEntryCount: number;
  EntryList: { EventId: string; ErrorCode?: string; ErrorMessage?: string }[];
}
