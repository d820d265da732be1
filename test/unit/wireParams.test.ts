import { describe, expect, it } from 'vitest';
import { toWireParams } from '../../functions/lib/cloud/wireParams.js';

describe('toWireParams', () => {
  it('flattens lists 1-based and lists of structs by field', () => {
    expect(
      toWireParams({
        TrafficMirrorSourceIds: ['eni-a', 'eni-b'],
        Tag: [
          { Key: 'env', Value: 'prod' },
          { Key: 'team', Value: '' },
        ],
      }),
    ).toEqual({
      'TrafficMirrorSourceIds.1': 'eni-a',
      'TrafficMirrorSourceIds.2': 'eni-b',
      'Tag.1.Key': 'env',
      'Tag.1.Value': 'prod',
      'Tag.2.Key': 'team',
      'Tag.2.Value': '',
    });
  });

  it('writes booleans and numbers as the API expects and drops undefined', () => {
    expect(
      toWireParams({
        Enabled: true,
        DryRun: false,
        Priority: 7,
        VirtualNetworkId: 0,
        Name: undefined,
        X: null,
      }),
    ).toEqual({
      Enabled: 'true',
      DryRun: 'false',
      Priority: '7',
      VirtualNetworkId: '0',
    });
  });

  it('refuses values pop-core would send as [object Object] or NaN', () => {
    expect(() => toWireParams({ Nested: { a: 1 } as never })).toThrow(/object/);
    expect(() => toWireParams({ Priority: Number.NaN })).toThrow(/finite/);
  });
});
