import { describe, expect, it } from 'vitest';
import { CloudApiError, normaliseError } from '../../functions/lib/cloud/cloudError.js';
import {
  CREATE_SESSION_ERRORS,
  ERROR_TABLE,
  LIST_SESSIONS_ERRORS,
  ruleFor,
} from '../../functions/lib/cloud/errorTable.js';

/** The 26 error codes of the CreateTrafficMirrorSession page, copied from it. */
const SEED_CREATE_CODES = [
  'IncorrectBusinessStatus.TrafficMirror',
  'OptInRequired.TrafficMirror',
  'DuplicatedParam.SourceInstanceIds',
  'OperationDenied.DuplicateRole',
  'ResourceNotFound.NetworkInterface',
  'ResourceNotFound.EcsInstance',
  'ResourceNotFound.Slb',
  'OperationDenied.SlbNotInVpc',
  'ResourceNotFound.TrafficMirrorFilter',
  'IncorrectStatus.TrafficMirrorFilter',
  'OperationDenied.EcsNotSupportTrafficMirror',
  'QuotaExceeded.SessionNum',
  'QuotaExceeded.FilterRelatedSession',
  'QuotaExceeded.SourceNumPerSession',
  'QuotaExceeded.NetworkInterfaceRelatedSession',
  'QuotaExceeded.SlbRelatedSession',
  'UnsupportedRegion',
  'InvalidLoadBalancerId.NotFound',
  'OperationDenied.FreeNetworkInterface',
  'OperationDenied.ClassicSLB',
  'ResourceNotFound.TargetInstance',
  'QuotaExceeded.SourceNumPerTarget',
  'IncorrectStatus.NetworkInterface',
  'OperationFailed.NotSupportBizType',
  'IllegalParam.Priority',
  'OperationDenied.UnsupportedTargetType',
];

describe('error table', () => {
  it('holds exactly the 26 codes of the CreateTrafficMirrorSession page, and the List page code', () => {
    expect(SEED_CREATE_CODES).toHaveLength(26);
    expect(Object.keys(CREATE_SESSION_ERRORS).sort()).toEqual([...SEED_CREATE_CODES].sort());
    expect(Object.keys(LIST_SESSIONS_ERRORS)).toEqual(['IllegalParam.NextToken']);
  });

  it('gives every code a one-line hint', () => {
    for (const [code, rule] of Object.entries(ERROR_TABLE)) {
      expect(rule.hint, code).toMatch(/\S/);
      expect(rule.hint, code).not.toContain('\n');
    }
  });

  it.each([
    ['Throttling', 'retry'],
    ['Throttling.User', 'retry'],
    ['Throttling.Api', 'retry'],
    ['ServiceUnavailable', 'retry'],
    ['InternalError', 'retry'],
    ['SystemBusy', 'retry'],
    ['OperationConflict', 'retry'],
    ['IncorrectStatus.TrafficMirrorSession', 'retry'],
    ['IncorrectStatus.TrafficMirrorFilter', 'retry'],
    ['IncorrectStatus.NetworkInterface', 'retry'],
    ['LastTokenProcessing', 'retry'],
    ['OperationFailed.LastTokenProcessing', 'retry'],
    ['SignatureNonceUsed', 'retry'],
    ['RequestTimeout', 'retry'],
    ['NetworkError', 'retry'],
    ['IdempotentParameterMismatch', 'terminal'],
    ['IllegalParam.Priority', 'terminal'],
    ['QuotaExceeded.SessionNum', 'terminal'],
    ['OptInRequired.TrafficMirror', 'terminal'],
    ['SignatureDoesNotMatch', 'terminal'],
    ['InvalidAccessKeyId.NotFound', 'terminal'],
    ['Forbidden.RAM', 'terminal'],
    ['IllegalParam.NextToken', 'terminal'],
    ['DryRunOperation', 'signal'],
    ['ExecutionAlreadyExists', 'signal'],
  ])('%s is %s', (code, retryClass) => {
    expect(ruleFor(code).retryClass).toBe(retryClass);
  });

  it('classifies by code, not by HTTP status', () => {
    // Throttling.User has been seen with 429 and with 400: the code decides.
    expect(ruleFor('Throttling.User', 429).retryClass).toBe('retry');
    expect(ruleFor('IllegalParam.Priority', 500).retryClass).toBe('terminal');
  });

  it('falls back sensibly for codes it does not know', () => {
    expect(ruleFor('Throttling.Something').retryClass).toBe('retry');
    expect(ruleFor('IncorrectStatus.Vpc').retryClass).toBe('retry');
    expect(ruleFor('Mystery', 503).retryClass).toBe('retry');
    // Every 5xx, 500 itself included: the only statuses the docs call retryable.
    expect(ruleFor('Mystery', 500).retryClass).toBe('retry');
    expect(ruleFor('Mystery', 499).retryClass).toBe('terminal');
    expect(ruleFor('Mystery', 400).retryClass).toBe('terminal');
    expect(ruleFor('Mystery').hint).toMatch(/Recommend/);
  });
});

describe('normaliseError', () => {
  const secret = 'sEcReT-value-123';
  const token = 'STS-token-abcdef';

  it('keeps the code, message and request id of a pop-core error, minus the signed URL', () => {
    const err = Object.assign(
      new Error(`bad priority, URL: http://h/?AccessKeyId=AKID&SecurityToken=${token}&Signature=x`),
      {
        name: 'IllegalParam.PriorityError',
        code: 'IllegalParam.Priority',
        data: {
          RequestId: 'R-1',
          Code: 'IllegalParam.Priority',
          Message: 'The specified Priority is illegal.',
        },
        entry: { response: { statusCode: 400 } },
      },
    );
    const e = normaliseError(err, 'CreateTrafficMirrorSession', [secret, token]);
    expect(e).toBeInstanceOf(CloudApiError);
    expect(e).toMatchObject({
      code: 'IllegalParam.Priority',
      requestId: 'R-1',
      httpStatus: 400,
      retryClass: 'terminal',
    });
    expect(e.message).toBe('The specified Priority is illegal.');
    expect(JSON.stringify(e.toJSON())).not.toContain(token);
  });

  it('redacts secrets even when the cloud echoes them in its message', () => {
    const err = { code: 'X', data: { Code: 'X', Message: `key ${secret} and token ${token} rejected` } };
    const json = JSON.stringify(normaliseError(err, 'A', [secret, token]).toJSON());
    expect(json).not.toContain(secret);
    expect(json).not.toContain(token);
    expect(json).toContain('[redacted]');
  });

  it('maps timeouts, network failures and non-JSON bodies to retryable codes', () => {
    expect(
      normaliseError(Object.assign(new Error('ReadTimeout(3000)'), { name: 'RequestTimeoutError' }), 'A')
        .code,
    ).toBe('RequestTimeout');
    expect(normaliseError(Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }), 'A').code).toBe(
      'NetworkError',
    );
    // json-bigint throws a plain object, not an Error, for an HTML 502 page.
    const e = normaliseError({ name: 'SyntaxError', message: 'Unexpected <', at: 1, text: '<html>' }, 'A');
    expect(e.code).toBe('InvalidResponse');
    expect(e.retryable).toBe(true);
  });

  it('treats anything else as a terminal client error', () => {
    const e = normaliseError(new TypeError('boom'), 'A');
    expect(e.code).toBe('UnexpectedClientError');
    expect(e.retryable).toBe(false);
  });
});
