import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  batchExecutionName,
  candidateToken,
  clientToken,
  EXECUTION_NAME,
  eventKey,
  executionName,
  reconcileKey,
  type TriggerKind,
  webhookKey,
} from '../../functions/lib/contract/clientToken.js';

const kinds: TriggerKind[] = ['event', 'webhook', 'reconcile'];
const kind = fc.constantFrom(...kinds);

describe('clientToken', () => {
  it('is stable, ASCII and at most 64 characters for any key', () => {
    fc.assert(
      fc.property(kind, fc.string({ unit: 'binary', maxLength: 2000 }), (k, key) => {
        const token = clientToken(k, key);
        expect(token).toBe(clientToken(k, key));
        expect(token.length).toBeLessThanOrEqual(64);
        expect(token).toMatch(/^[\x21-\x7e]+$/);
      }),
    );
  });

  it('distinct (kind, key) pairs give distinct tokens', () => {
    fc.assert(
      fc.property(kind, fc.string(), kind, fc.string(), (k1, a, k2, b) => {
        fc.pre(k1 !== k2 || a !== b);
        expect(clientToken(k1, a)).not.toBe(clientToken(k2, b));
      }),
    );
  });

  it('builds event keys from source and id without ambiguity', () => {
    expect(clientToken('event', eventKey('a|b', 'c'))).not.toBe(clientToken('event', eventKey('a', 'b|c')));
    expect(clientToken('event', eventKey('acs.x', '1'))).toBe(clientToken('event', eventKey('acs.x', '1')));
  });

  it('does not depend on the payload: a webhook delivery id wins over the body', () => {
    expect(webhookKey('d-1', '{"a":1}')).toBe(webhookKey('d-1', '{"a":2}'));
    expect(webhookKey(undefined, '{"a":1}')).not.toBe(webhookKey(undefined, '{"a":2}'));
    expect(webhookKey(undefined, Buffer.from('x'))).toBe(webhookKey('', 'x'));
  });

  it('reconcile keys differ per entry and per scheduled run', () => {
    const t = '2026-11-22T03:00:00Z';
    expect(reconcileKey('a', t)).not.toBe(reconcileKey('b', t));
    expect(reconcileKey('a', t)).not.toBe(reconcileKey('a', '2026-11-22T03:05:00Z'));
  });
});

describe('candidateToken', () => {
  const ascii = fc.string({
    unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
    minLength: 1,
    maxLength: 64,
  });

  it('is ASCII, at most 64 characters, and the same on every delivery', () => {
    fc.assert(
      fc.property(ascii, fc.nat(63), (token, index) => {
        const t = candidateToken(token, index);
        expect(t).toMatch(/^[\x21-\x7e]{1,64}$/);
        expect(t).toBe(candidateToken(token, index));
      }),
    );
    expect(candidateToken('mf-ev-1', 2)).toMatch(/^mfp-2-[0-9a-f]{40}$/);
  });

  it('differs per candidate and per request, and from the request token itself', () => {
    fc.assert(
      fc.property(ascii, ascii, fc.nat(63), fc.nat(63), (a, b, i, j) => {
        fc.pre(a !== b || i !== j);
        expect(candidateToken(a, i)).not.toBe(candidateToken(b, j));
        expect(candidateToken(a, i)).not.toBe(a);
      }),
    );
  });

  it('refuses an index that is not a whole number', () => {
    expect(() => candidateToken('t', -1)).toThrow(RangeError);
    expect(() => candidateToken('t', 1.5)).toThrow(RangeError);
  });
});

describe('executionName', () => {
  it('is a valid CloudFlow name for any ASCII token, and stable', () => {
    fc.assert(
      fc.property(
        fc.string({
          unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
          minLength: 1,
          maxLength: 64,
        }),
        (token) => {
          const name = executionName(token);
          expect(name).toMatch(EXECUTION_NAME);
          expect(name.length).toBeLessThanOrEqual(128);
          expect(executionName(token)).toBe(name);
        },
      ),
    );
  });

  it('keeps derived tokens readable', () => {
    const token = clientToken('event', eventKey('src', 'id-1'));
    expect(executionName(token)).toBe(token);
  });

  it('distinct tokens never share an execution', () => {
    const ascii = fc.string({
      unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
      minLength: 1,
      maxLength: 64,
    });
    fc.assert(
      fc.property(ascii, ascii, (a, b) => {
        fc.pre(a !== b);
        expect(executionName(a)).not.toBe(executionName(b));
      }),
    );
    // A caller token that looks like one of mirrorflow's hashed names is hashed too.
    const hashed = executionName('has space');
    expect(executionName(hashed)).not.toBe(hashed);
  });

  it('names a batch by its set of tokens, whatever their order', () => {
    expect(batchExecutionName(['a', 'b'])).toBe(batchExecutionName(['b', 'a']));
    expect(batchExecutionName(['a', 'b'])).not.toBe(batchExecutionName(['a', 'c']));
    expect(batchExecutionName(['a'])).toMatch(EXECUTION_NAME);
  });
});
