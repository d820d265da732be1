import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  answerCodeCache,
  CodeCacheError,
  codeCacheFile,
  codeCacheFileIsFor,
  codeCacheRequestOf,
  type LoadedCode,
} from '../../functions/lib/runtime/codeCache.js';

const event = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));

describe('codeCacheRequestOf', () => {
  it('takes an object with the one field, a string', () => {
    expect(codeCacheRequestOf(event({ mirrorflowCodeCache: 'ab12' }))).toEqual({
      mirrorflowCodeCache: 'ab12',
    });
  });

  it.each([
    ['another field beside it', { mirrorflowCodeCache: 'ab12', RegionId: 'cn-hangzhou' }],
    ['a value that is not a string', { mirrorflowCodeCache: 1 }],
    ['an array of it', [{ mirrorflowCodeCache: 'ab12' }]],
    ['the field inside a CloudEvent', { specversion: '1.0', data: { mirrorflowCodeCache: 'ab12' } }],
    [
      "the field in an HTTP trigger's body",
      { version: 'v1', rawPath: '/', body: '{"mirrorflowCodeCache":"ab12"}', isBase64Encoded: false },
    ],
    [
      "the field in a timer's payload",
      { triggerTime: 'x', triggerName: 't', payload: '{"mirrorflowCodeCache":"a"}' },
    ],
    ['the field beside a flow job', { job: { regionId: 'r' }, mirrorflowCodeCache: 'ab12' }],
    ['text that is not JSON', '{"mirrorflowCodeCache": '],
    ['an event longer than any request', { mirrorflowCodeCache: 'x'.repeat(300) }],
  ])('refuses %s (an ordinary invocation)', (_, value) => {
    expect(codeCacheRequestOf(event(value))).toBeUndefined();
  });
});

describe('answerCodeCache', () => {
  const loaded: LoadedCode = {
    key: 'k'.repeat(64),
    entry: 'index',
    status: 'none',
    make: () => Buffer.from([1, 2, 3]),
  };

  it("answers the loader's key and status, and the cache file: the key, the data's SHA-256, V8's data", () => {
    const answer = answerCodeCache(loaded);
    expect(answer).toMatchObject({ key: loaded.key, entry: 'index', status: 'none' });
    const data = Buffer.from([1, 2, 3]);
    expect(Buffer.from(answer.cache, 'base64')).toEqual(
      Buffer.concat([
        Buffer.from(loaded.key + createHash('sha256').update(data).digest('hex'), 'latin1'),
        data,
      ]),
    );
  });

  it('a cache file is for one bundle, and only with the data it was written with', () => {
    const file = codeCacheFile(loaded.key, Buffer.from([1, 2, 3]));
    expect(codeCacheFileIsFor(file, loaded.key)).toBe(true);
    expect(codeCacheFileIsFor(file, 'j'.repeat(64))).toBe(false);
    const damaged = Buffer.from(file);
    damaged[damaged.length - 1]! ^= 0xff;
    expect(codeCacheFileIsFor(damaged, loaded.key)).toBe(false);
    expect(codeCacheFileIsFor(file.subarray(0, 128), loaded.key)).toBe(false);
  });

  it('says so when the function was not loaded through its loader', () => {
    expect(() => answerCodeCache(undefined)).toThrow(CodeCacheError);
  });
});
