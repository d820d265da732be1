import { describe, expect, it } from 'vitest';
import { signV1, stringToSignV1 } from '../../infra/local/rpc/signatureV1.js';
import {
  canonicalRequestV3,
  EMPTY_PAYLOAD_SHA256,
  parseV3Authorization,
  signV3,
  stringToSignV3,
} from '../../infra/local/rpc/signatureV3.js';

describe('signature V1 (HMAC-SHA1)', () => {
  // The documented test vector (reference: vpc-traffic-mirror-api.md §7).
  const params = {
    AccessKeyId: 'testid',
    Action: 'DescribeRegions',
    Format: 'XML',
    SignatureMethod: 'HMAC-SHA1',
    SignatureNonce: '3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf',
    SignatureVersion: '1.0',
    Timestamp: '2016-02-23T12:46:24Z',
    Version: '2014-05-26',
  };
  it('reproduces the documented StringToSign', () => {
    expect(stringToSignV1('GET', params)).toBe(
      'GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0%26Timestamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26',
    );
  });
  it('reproduces the documented signature, and ignores a Signature parameter', () => {
    expect(signV1('GET', params, 'testsecret')).toBe('OLeaidS1JvxuMvnyHOwuJ+uX5qY=');
    expect(signV1('GET', { ...params, Signature: 'x' }, 'testsecret')).toBe('OLeaidS1JvxuMvnyHOwuJ+uX5qY=');
  });
});

describe('signature V3 (ACS3-HMAC-SHA256)', () => {
  it('reproduces test vector A of the official V3 page', () => {
    const request = {
      method: 'POST',
      path: '/',
      query: { ImageId: 'win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd', RegionId: 'cn-shanghai' },
      headers: {
        host: ['ecs.cn-shanghai.aliyuncs.com'],
        'x-acs-action': ['RunInstances'],
        'x-acs-version': ['2014-05-26'],
        'x-acs-date': ['2023-10-26T10:22:32Z'],
        'x-acs-signature-nonce': ['3156853299f313e23d1673dc12e1703d'],
        'x-acs-content-sha256': [EMPTY_PAYLOAD_SHA256],
      },
      payloadHash: EMPTY_PAYLOAD_SHA256,
    };
    const signed = [
      'host',
      'x-acs-action',
      'x-acs-content-sha256',
      'x-acs-date',
      'x-acs-signature-nonce',
      'x-acs-version',
    ];
    const canonical = canonicalRequestV3(request, signed);
    expect(stringToSignV3(canonical)).toBe(
      'ACS3-HMAC-SHA256\n7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259',
    );
    expect(signV3(canonical, 'YourAccessKeySecret')).toBe(
      '06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0',
    );
  });

  it('reproduces test vector B of the SDK unit tests (repeated headers, bare empty query values)', () => {
    const request = {
      method: 'GET',
      path: '',
      query: { test: 'ok', empty: '' },
      headers: { 'x-acs-test': ['http', 'https'] },
      payloadHash: '55e12e91650d2fec56ec74e1d3e4ddbfce2ef3a65890c2a19ecf88a307e76a23',
    };
    const canonical = canonicalRequestV3(request, ['x-acs-test'], 'name');
    expect(canonical).toBe(
      'GET\n\nempty&test=ok\nx-acs-test:http,https\n\nx-acs-test\n55e12e91650d2fec56ec74e1d3e4ddbfce2ef3a65890c2a19ecf88a307e76a23',
    );
    expect(signV3(canonical, 'secret')).toBe(
      'da772425f29289d3460d5fc961455d40c5e8c6afd0888b78a910c991e6a14846',
    );
  });

  it('parses the Authorization header', () => {
    expect(
      parseV3Authorization('ACS3-HMAC-SHA256 Credential=ak,SignedHeaders=host;x-acs-date,Signature=ab12'),
    ).toEqual({
      accessKeyId: 'ak',
      signedHeaders: ['host', 'x-acs-date'],
      signature: 'ab12',
    });
    expect(parseV3Authorization('ACS3-HMAC-SHA256 Credential=ak')).toBeUndefined();
    expect(parseV3Authorization('FC ak:sig')).toBeUndefined();
  });
});
