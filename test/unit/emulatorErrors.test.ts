/** The local cloud's own error tables (VPC and fnf): sourced rows, conservative guesses, cloud-shaped messages. */
import { describe, expect, it } from 'vitest';
import { FNF_ERRORS, ruleFor as fnfRule } from '../../infra/local/fnf/errors.js';
import { VPC_ERRORS, vpcError, vpcMessage } from '../../infra/local/vpc/errors.js';

describe("the VPC emulator's error table", () => {
  it('names a source for every row and never guesses a retryable status', () => {
    for (const [code, row] of Object.entries(VPC_ERRORS)) {
      expect(row.source.length, code).toBeGreaterThan(10);
      if ('uncertain' in row) expect(row.httpStatus, code).toBeGreaterThanOrEqual(400);
      if ('uncertain' in row) expect(row.httpStatus, code).toBeLessThan(500);
    }
  });

  it('marks the rows no source settles for VPC', () => {
    const uncertain = Object.entries(VPC_ERRORS)
      .filter(([, row]) => 'uncertain' in row)
      .map(([code]) => code)
      .sort();
    expect(uncertain).toEqual([
      'IncorrectStatus.TrafficMirrorSession',
      'LastTokenProcessing',
      'ORDER.OPEND',
      'ResourceNotFound.TrafficMirrorSession',
    ]);
  });

  it("fills the page's %s with the offending id, and appends a reason the way the cloud does", () => {
    expect(vpcMessage('ResourceNotFound.NetworkInterface', 'eni-x')).toBe(
      'The specified resource of eni-x is not found.',
    );
    const error = vpcError('InvalidParameter', 'PacketLength', 'must be an integer from 64 to 9600');
    expect(error).toMatchObject({
      code: 'InvalidParameter',
      httpStatus: 400,
      message: 'The specified parameter "PacketLength" is not valid: must be an integer from 64 to 9600.',
    });
    expect(vpcError('LastTokenProcessing').httpStatus).toBe(403);
  });
});

describe("the fnf API's error table", () => {
  it('has the codes the API answers with, each with a source, uncertain ones a non-retryable 400', () => {
    expect(Object.keys(FNF_ERRORS).sort()).toEqual([
      'ExecutionAlreadyExists',
      'ExecutionNotExists',
      'FlowNotExists',
      'InvalidArgument',
      'MissingParameter',
    ]);
    for (const [code, row] of Object.entries(FNF_ERRORS)) {
      expect(row.source.length, code).toBeGreaterThan(10);
      if ('uncertain' in row) expect(row.httpStatus, code).toBe(400);
    }
  });

  it('refuses a code it has no row for, so a new code cannot slip out with a guessed status', () => {
    expect(fnfRule('FlowNotExists').httpStatus).toBe(400);
    expect(() => fnfRule('NoSuchCode')).toThrow(/no error row/);
  });
});
