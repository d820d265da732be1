import { describe, expect, it } from 'vitest';
import {
  answerCodeCache,
  CodeCacheError,
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

  it("answers the loader's key and status, and the cache file's bytes: the key, then V8's cache", () => {
    const answer = answerCodeCache(loaded);
    expect(answer).toMatchObject({ key: loaded.key, entry: 'index', status: 'none' });
    expect(Buffer.from(answer.cache, 'base64')).toEqual(
      Buffer.concat([Buffer.from(loaded.key, 'latin1'), Buffer.from([1, 2, 3])]),
    );
  });

  it('says so when the function was not loaded through its loader', () => {
    expect(() => answerCodeCache(undefined)).toThrow(CodeCacheError);
  });
});
