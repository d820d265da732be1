/**
 * Authentication of Alibaba Cloud RPC requests, as the gateways do it: signature V1 (HMAC-SHA1 over the
 * sorted parameters, what @alicloud/pop-core sends) and V3 (ACS3-HMAC-SHA256 over the canonical request,
 * what the generated SDKs send), the timestamp within 15 minutes, a nonce used once, and an STS token that
 * matches its key. It answers the operation's parameters and who is calling.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { NonceMemory, sameText } from '../signing.js';
import { RpcError } from './errors.js';
import type { RpcCall, RpcCredential, RpcEndpointOptions, RpcService } from './server.js';
import { signV1, stringToSignV1 } from './signatureV1.js';
import {
  canonicalRequestV3,
  type EmptyValueStyle,
  parseV3Authorization,
  signV3,
  stringToSignV3,
} from './signatureV3.js';

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;

export function headerValues(req: IncomingMessage): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!.toLowerCase();
    const values = out[name] ?? [];
    values.push(req.rawHeaders[i + 1]!);
    out[name] = values;
  }
  return out;
}

export interface RpcAuthenticator {
  v1(method: string, params: Record<string, string>): RpcCall;
  v3(
    req: IncomingMessage,
    authorization: string,
    query: Record<string, string>,
    form: Record<string, string>,
    body: Buffer,
  ): RpcCall;
}

export function createAuthenticator(service: RpcService, options: RpcEndpointOptions): RpcAuthenticator {
  const now = options.now ?? Date.now;
  const maxSkew = options.maxClockSkewMs ?? 15 * 60_000;
  const nonces = new NonceMemory(options.nonceTtlMs ?? 15 * 60_000);

  const checkTime = (stamp: string | undefined, field: string) => {
    if (!stamp)
      throw new RpcError(
        'MissingParameter',
        `The input parameter "${field}" that is mandatory for processing this request is not supplied.`,
      );
    if (!TIMESTAMP.test(stamp) || Number.isNaN(Date.parse(stamp))) {
      throw new RpcError(
        'InvalidTimeStamp.Format',
        `Specified time stamp or date value is not well formatted: ${stamp}`,
      );
    }
    if (Math.abs(now() - Date.parse(stamp)) > maxSkew) {
      throw new RpcError('InvalidTimeStamp.Expired', 'Specified time stamp or date value is expired.');
    }
  };
  const checkNonce = (nonce: string | undefined, field: string) => {
    if (!nonce)
      throw new RpcError(
        'MissingParameter',
        `The input parameter "${field}" that is mandatory for processing this request is not supplied.`,
      );
    if (!nonces.remember(nonce, now()))
      throw new RpcError('SignatureNonceUsed', 'Specified signature nonce was used already.');
  };
  const credentialFor = (accessKeyId: string, presentedToken: string | undefined): RpcCredential => {
    const credential = options.credentials(accessKeyId);
    if (!credential)
      throw new RpcError('InvalidAccessKeyId.NotFound', 'Specified access key is not found.', 404);
    if (credential.securityToken !== undefined && !sameText(credential.securityToken, presentedToken ?? '')) {
      throw new RpcError(
        'InvalidSecurityToken.Malformed',
        'Specified SecurityToken is malformed or does not match the access key.',
      );
    }
    return credential;
  };

  /** Authenticates a V1 request and returns its operation parameters. */
  const authenticateV1 = (method: string, params: Record<string, string>): RpcCall => {
    const { Signature: signature, AccessKeyId: accessKeyId } = params;
    if (!signature || !accessKeyId)
      throw new RpcError(
        'IncompleteSignature',
        'The request signature does not conform to Aliyun standards.',
      );
    if (params.SignatureMethod !== 'HMAC-SHA1')
      throw new RpcError('InvalidParameter', 'SignatureMethod must be HMAC-SHA1.');
    if (params.SignatureVersion !== '1.0')
      throw new RpcError('InvalidParameter', 'SignatureVersion must be 1.0.');
    checkTime(params.Timestamp, 'Timestamp');
    const credential = credentialFor(accessKeyId, params.SecurityToken);
    const expected = signV1(method, params, credential.accessKeySecret);
    if (!sameText(expected, signature)) {
      throw new RpcError(
        'SignatureDoesNotMatch',
        `Specified signature is not matched with our calculation. server string to sign is:${stringToSignV1(method, params)}`,
      );
    }
    checkNonce(params.SignatureNonce, 'SignatureNonce');
    if (!params.Action)
      throw new RpcError(
        'MissingParameter',
        'The input parameter "Action" that is mandatory for processing this request is not supplied.',
      );
    if (!params.Version)
      throw new RpcError(
        'MissingParameter',
        'The input parameter "Version" that is mandatory for processing this request is not supplied.',
      );
    const operation: Record<string, string> = {};
    const common = new Set([
      'Action',
      'Version',
      'Format',
      'AccessKeyId',
      'Signature',
      'SignatureMethod',
      'SignatureVersion',
      'SignatureNonce',
      'Timestamp',
      'SecurityToken',
      'SignatureType',
    ]);
    for (const [k, v] of Object.entries(params)) if (!common.has(k)) operation[k] = v;
    if (params.Version !== service.version) {
      throw new RpcError(
        'InvalidVersion.NotFound',
        `Specified parameter Version is not valid: ${params.Version}.`,
        404,
      );
    }
    return { action: params.Action, params: operation, requestId: '', accessKeyId, signatureVersion: 'v1' };
  };

  /** Authenticates a V3 request (action and version in headers, parameters in the query or a form body). */
  const authenticateV3 = (
    req: IncomingMessage,
    authorization: string,
    query: Record<string, string>,
    form: Record<string, string>,
    body: Buffer,
  ): RpcCall => {
    const auth = parseV3Authorization(authorization);
    if (!auth)
      throw new RpcError(
        'IncompleteSignature',
        'The Authorization header does not conform to ACS3-HMAC-SHA256.',
      );
    const headers = headerValues(req);
    const first = (name: string) => headers[name]?.[0];
    for (const required of [
      'host',
      'x-acs-action',
      'x-acs-version',
      'x-acs-date',
      'x-acs-signature-nonce',
      'x-acs-content-sha256',
    ]) {
      if (!auth.signedHeaders.includes(required)) {
        throw new RpcError('IncompleteSignature', `The header "${required}" must be signed.`);
      }
    }
    checkTime(first('x-acs-date'), 'x-acs-date');
    const payloadHash = createHash('sha256').update(body).digest('hex');
    if (first('x-acs-content-sha256') !== payloadHash) {
      throw new RpcError(
        'IncompleteSignature',
        'The x-acs-content-sha256 header does not match the request body.',
      );
    }
    const credential = credentialFor(auth.accessKeyId, first('x-acs-security-token'));
    const url = new URL(req.url ?? '/', 'http://local');
    const request = { method: req.method ?? 'GET', path: url.pathname, query, headers, payloadHash };
    // The runtime's rendering of empty query values changed over time; the cloud accepts both.
    const styles: EmptyValueStyle[] = ['name=', 'name'];
    const matched = styles.some((style) =>
      sameText(
        signV3(canonicalRequestV3(request, auth.signedHeaders, style), credential.accessKeySecret),
        auth.signature,
      ),
    );
    if (!matched) {
      const canonical = canonicalRequestV3(request, auth.signedHeaders);
      throw new RpcError(
        'SignatureDoesNotMatch',
        `Specified signature is not matched with our calculation. server string to sign is:${stringToSignV3(canonical)}`,
      );
    }
    checkNonce(first('x-acs-signature-nonce'), 'x-acs-signature-nonce');
    const action = first('x-acs-action')!;
    const version = first('x-acs-version')!;
    if (version !== service.version) {
      throw new RpcError(
        'InvalidVersion.NotFound',
        `Specified parameter Version is not valid: ${version}.`,
        404,
      );
    }
    return {
      action,
      params: { ...query, ...form },
      requestId: '',
      accessKeyId: auth.accessKeyId,
      signatureVersion: 'v3',
    };
  };

  return { v1: authenticateV1, v3: authenticateV3 };
}
