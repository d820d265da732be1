import { afterEach, describe, expect, it, vi } from 'vitest';
import { CloudApiError } from '../../functions/lib/cloud/cloudError.js';
import { MissingCredentialsError, resolveCredentials } from '../../functions/lib/cloud/credentials.js';
import { beginInvocation, createLogger, invocationLogger } from '../../functions/lib/runtime/logger.js';

function captureStdout() {
  const lines: string[] = [];
  const spies = [process.stdout, process.stderr].map((stream) =>
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    }),
  );
  return {
    lines,
    restore: () => {
      for (const s of spies) s.mockRestore();
    },
  };
}

afterEach(() => vi.restoreAllMocks());

describe('logger', () => {
  it('writes JSON lines with the service name and the invocation keys', () => {
    const cap = captureStdout();
    const logger = createLogger('intake-event');
    beginInvocation(logger, {
      requestId: 'fc-req-1',
      clientToken: 'mf-ev-1',
      correlation: { ticket: 'SEC-1' },
    });
    logger.info('accepted');
    cap.restore();
    const entry = JSON.parse(cap.lines.join('').trim().split('\n').at(-1)!);
    expect(entry).toMatchObject({
      level: 'INFO',
      message: 'accepted',
      service: 'intake-event',
      requestId: 'fc-req-1',
      clientToken: 'mf-ev-1',
      correlation: { ticket: 'SEC-1' },
    });
  });

  it('forgets the previous invocation keys', () => {
    const cap = captureStdout();
    const logger = createLogger('x');
    beginInvocation(logger, { requestId: 'one', clientToken: 'tok-1' });
    beginInvocation(logger, { requestId: 'two' });
    logger.info('second');
    cap.restore();
    const entry = JSON.parse(cap.lines.join('').trim().split('\n').at(-1)!);
    expect(entry.requestId).toBe('two');
    expect(entry.clientToken).toBeUndefined();
  });

  it('gives invocations that run at once in one process (instance concurrency) their own keys, still redacted', () => {
    const cap = captureStdout();
    const logger = createLogger('check-status');
    const first = invocationLogger(logger, { requestId: 'one', executionName: 'exec-1' });
    const second = invocationLogger(logger, { requestId: 'two', executionName: 'exec-2' });
    first.info('checked', { accessKeySecret: 'do-not-print' });
    second.info('checked');
    cap.restore();
    const [a, b] = cap.lines
      .join('')
      .trim()
      .split('\n')
      .slice(-2)
      .map((l) => JSON.parse(l));
    expect(a).toMatchObject({ service: 'check-status', requestId: 'one', executionName: 'exec-1' });
    expect(a.accessKeySecret).toBe('[redacted]');
    expect(b).toMatchObject({ requestId: 'two', executionName: 'exec-2' });
  });

  it('never writes secrets, even when a caller logs credentials or an error by mistake', () => {
    const cap = captureStdout();
    const logger = createLogger('x');
    const credentials = {
      accessKeyId: 'an-access-key-id',
      accessKeySecret: 'very-secret-value',
      securityToken: 'sts-token-value',
    };
    logger.error('oops', {
      credentials,
      error: new CloudApiError({ code: 'Forbidden.RAM', message: 'denied', action: 'A' }).toJSON(),
    });
    cap.restore();
    const text = cap.lines.join('');
    expect(text).not.toContain('very-secret-value');
    expect(text).not.toContain('sts-token-value');
    expect(text).toContain('[redacted]');
    expect(text).toContain('Forbidden.RAM');
  });
});

describe('resolveCredentials', () => {
  it('prefers the FC context (the function role) over the environment', () => {
    const env = { ALIBABA_CLOUD_ACCESS_KEY_ID: 'env-id', ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'env-secret' };
    expect(
      resolveCredentials(
        { credentials: { accessKeyId: 'STS.ctx', accessKeySecret: 's', securityToken: 't' } },
        env,
      ),
    ).toEqual({
      accessKeyId: 'STS.ctx',
      accessKeySecret: 's',
      securityToken: 't',
    });
    expect(resolveCredentials({ credentials: null }, env)).toEqual({
      accessKeyId: 'env-id',
      accessKeySecret: 'env-secret',
    });
    expect(resolveCredentials(undefined, { ...env, ALIBABA_CLOUD_SECURITY_TOKEN: 'tok' })).toEqual({
      accessKeyId: 'env-id',
      accessKeySecret: 'env-secret',
      securityToken: 'tok',
    });
  });
  it('fails with a configuration message when there are none', () => {
    expect(() => resolveCredentials(undefined, {})).toThrow(MissingCredentialsError);
    expect(() => resolveCredentials(undefined, {})).toThrow(/ALIBABA_CLOUD_ACCESS_KEY_ID/);
  });
});
