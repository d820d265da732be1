/**
 * The FC API's request authentication, as `@alicloud/fc2` signs: `Authorization: FC <AccessKeyID>:<signature>`
 * (HMAC-SHA256 over method, Content-MD5, Content-Type, Date, the x-fc-* headers and the path), the STS
 * token in `x-fc-security-token`, a 15-minute clock skew, and the body's Content-MD5.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { sameText, withinClockSkew } from '../signing.js';
import { fcSignature, fcStringToSign } from './signature.js';

export type Credentials = (
  accessKeyId: string,
) => { accessKeySecret: string; securityToken?: string } | undefined;

export interface FcAuthFailure {
  code: 'InvalidAccessKeyID' | 'SignatureNotMatch' | 'RequestTimeTooSkewed' | 'InvalidArgument';
  message: string;
}

/** The caller's AccessKey ID, or why the request is refused. */
export function authenticateFc(
  req: IncomingMessage,
  body: Buffer,
  path: string,
  credentials: Credentials,
): { accessKeyId: string } | FcAuthFailure {
  const header = req.headers.authorization ?? '';
  const match = /^FC ([^:]+):(.+)$/.exec(header);
  if (!match)
    return {
      code: 'InvalidArgument',
      message: 'the Authorization header must be "FC <AccessKeyID>:<signature>"',
    };
  const credential = credentials(match[1]!);
  if (!credential) return { code: 'InvalidAccessKeyID', message: `the AccessKeyID ${match[1]} is not found` };
  if (
    credential.securityToken !== undefined &&
    !sameText(String(req.headers['x-fc-security-token'] ?? ''), credential.securityToken)
  ) {
    return { code: 'InvalidArgument', message: 'the x-fc-security-token does not match the access key' };
  }
  if (!withinClockSkew(Date.parse(String(req.headers.date ?? ''))))
    return { code: 'RequestTimeTooSkewed', message: 'the Date header is more than 15 minutes off' };
  // The signature covers the body only through Content-MD5, so a body must come with its MD5.
  const md5 = req.headers['content-md5'];
  if (body.length > 0) {
    const expected = Buffer.from(createHash('md5').update(body).digest('hex')).toString('base64');
    if (md5 !== expected)
      return {
        code: 'InvalidArgument',
        message: 'the Content-MD5 header is missing or does not match the body',
      };
  }
  const expected = fcSignature(
    fcStringToSign(req.method ?? 'POST', path, req.headers),
    credential.accessKeySecret,
  );
  return sameText(expected, match[2]!)
    ? { accessKeyId: match[1]! }
    : {
        code: 'SignatureNotMatch',
        message: 'the request signature we calculated does not match the signature you provided',
      };
}
