/**
 * The FC 3.0 API's request authentication (`/2023-03-30/...`), as its SDK (`@alicloud/fc20230330`) signs:
 * ACS3-HMAC-SHA256 over the canonical request (method, path, query, the signed headers, the body's SHA-256),
 * the body's hash in `x-acs-content-sha256`, the STS token in `x-acs-security-token`, the time in
 * `x-acs-date` within 15 minutes, a nonce in `x-acs-signature-nonce` used once within them — each header signed.
 * The codes are FC's own (its error-code table), as for the 2.0 API.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { headerValues } from '../rpc/authenticate.js';
import { canonicalRequestV3, parseV3Authorization, signV3 } from '../rpc/signatureV3.js';
import { NonceMemory, sameText, withinClockSkew } from '../signing.js';
import type { Credentials, FcAuthFailure } from './authenticate.js';

/** Headers the signature must cover: without them a request could be replayed with another body or time. */
const SIGNED = ['host', 'x-acs-date', 'x-acs-content-sha256', 'x-acs-signature-nonce'] as const;

export type Fc3Authenticator = (
  req: IncomingMessage,
  body: Buffer,
) => { accessKeyId: string } | FcAuthFailure;

/** An authenticator with its own memory of the nonces used within the clock-skew window. */
export function createFc3Authenticator(
  credentials: Credentials,
  now: () => number = Date.now,
): Fc3Authenticator {
  const nonces = new NonceMemory();
  return (req, body) => {
    const caller = authenticate(req, body, credentials, now());
    if ('code' in caller) return caller;
    const nonce = String(req.headers['x-acs-signature-nonce'] ?? '');
    return nonces.remember(nonce, now())
      ? caller
      : { code: 'InvalidArgument', message: 'the x-acs-signature-nonce was used already' };
  };
}

/** The caller's AccessKey ID, or why the request is refused. */
function authenticate(
  req: IncomingMessage,
  body: Buffer,
  credentials: Credentials,
  now: number,
): { accessKeyId: string } | FcAuthFailure {
  const auth = parseV3Authorization(String(req.headers.authorization ?? ''));
  if (!auth)
    return {
      code: 'InvalidArgument',
      message: 'the Authorization header must be "ACS3-HMAC-SHA256 Credential=…,SignedHeaders=…,Signature=…"',
    };
  const unsigned = SIGNED.filter((name) => !auth.signedHeaders.includes(name));
  if (unsigned.length > 0)
    return { code: 'InvalidArgument', message: `the signature must cover ${unsigned.join(', ')}` };
  const credential = credentials(auth.accessKeyId);
  if (!credential)
    return { code: 'InvalidAccessKeyID', message: `invalid access key ID '${auth.accessKeyId}'` };
  const headers = headerValues(req);
  const first = (name: string) => headers[name]?.[0] ?? '';
  if (credential.securityToken !== undefined) {
    if (!auth.signedHeaders.includes('x-acs-security-token'))
      return { code: 'InvalidArgument', message: 'the signature must cover x-acs-security-token' };
    if (!sameText(first('x-acs-security-token'), credential.securityToken))
      return { code: 'InvalidArgument', message: 'the x-acs-security-token does not match the access key' };
  }
  if (!withinClockSkew(Date.parse(first('x-acs-date')), now))
    return { code: 'RequestTimeTooSkewed', message: 'the x-acs-date header is more than 15 minutes off' };
  const payloadHash = createHash('sha256').update(body).digest('hex');
  if (first('x-acs-content-sha256') !== payloadHash)
    return { code: 'InvalidArgument', message: 'the x-acs-content-sha256 header does not match the body' };
  const url = new URL(req.url ?? '/', 'http://local');
  const request = {
    method: req.method ?? 'POST',
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers,
    payloadHash,
  };
  return sameText(
    signV3(canonicalRequestV3(request, auth.signedHeaders), credential.accessKeySecret),
    auth.signature,
  )
    ? { accessKeyId: auth.accessKeyId }
    : {
        code: 'SignatureNotMatch',
        message: 'The request signature we calculated does not match the signature you provided.',
      };
}
