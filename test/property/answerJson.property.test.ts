/**
 * pop-core's parser in the bundles (functions/lib/cloud/answerJson.ts) against json-bigint itself, the parser
 * it stands in for: on any text, the same value (BigNumbers included) or the same error. The texts are random
 * JSON with the cases where the two differ mixed in (long numbers, exponents, refused keys, strings that
 * look like numbers, texts V8 refuses and json-bigint accepts), then cut or spliced at random. A fixed seed,
 * so every run checks the same texts.
 */
import fc from 'fast-check';
// @ts-expect-error json-bigint ships no types
import jsonBigint from 'json-bigint';
import { describe, expect, it } from 'vitest';
import { answerJson, type JsonParser, parsesAlike } from '../../functions/lib/cloud/answerJson.js';

const SEED = 20_261_130;
const real = jsonBigint as JsonParser;
let loads = 0;
const parser = answerJson(() => {
  loads++;
  return real;
});

/** What a parse gave, comparable: BigNumbers by their digits, objects as plain ones (json-bigint's have no prototype). */
function comparable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(comparable);
  if (value !== null && typeof value === 'object') {
    if ((value as { _isBigNumber?: boolean })._isBigNumber)
      return { bigNumber: (value as { toFixed(): string }).toFixed() };
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, comparable(v)]));
  }
  return value;
}

function outcome(parse: (text: string) => unknown, text: string): { value: unknown } | { thrown: unknown } {
  try {
    return { value: comparable(parse(text)) };
  } catch (error) {
    return { thrown: error instanceof Error ? `${error.name}: ${error.message}` : error };
  }
}

// Tokens where the parsers part ways, or nearly do: long numbers, exponents, refused keys and their escapes,
// digits in strings, texts only json-bigint accepts.
const tricky = fc.constantFrom(
  '12345678901234567890',
  '-123456789012345',
  '123456789012345',
  '0.1234567890123456',
  '1e400',
  '-2.5E-3',
  '1e5',
  '01',
  '1.',
  '-0',
  '"1234567890123456"',
  '"acs:vpc:cn-hangzhou:1234567890123456:trafficmirrorsession/tms-1"',
  '{"__proto__":1}',
  '{"\\u005f_proto__":{"a":1}}',
  '{"constructor":2}',
  '{"aconstructorb":3}',
  '{"\\u0063onstructor":4}',
  // A decoded backslash spells an escape json-bigint's key test matches, where the raw text does not.
  '{"__\\\\u0070roto__":1}',
  '{"__\\u005cu0070roto__":1}',
  '{"a\\\\b":"c\\\\"}',
  '"a\\"b:12345678901234567"',
  '"\\\\"',
  '\u000b1',
  '[1,2,]',
);

/** A JSON text with tricky tokens where values go. */
const text = fc
  .tuple(fc.json({ maxDepth: 3 }), fc.array(fc.tuple(fc.nat(), tricky), { maxLength: 3 }))
  .map(([json, inserts]) => {
    let t = json;
    for (const [at, token] of inserts) {
      // Replace a value-looking spot (after `[`, `:` or `,`) with the token, or the whole text.
      const spots = [...t.matchAll(/[[:,]/g)].map((m) => m.index! + 1);
      if (spots.length === 0) t = token;
      else {
        const spot = spots[at % spots.length]!;
        const rest = t.slice(spot).replace(/^(?:"(?:[^"\\]|\\.)*"|[-+.\deE]+|true|false|null)/, '');
        t = t.slice(0, spot) + token + rest;
      }
    }
    return t;
  });

/** A text cut, or with a character put in, at random: mostly not JSON. */
const damaged = fc
  .tuple(text, fc.nat(), fc.constantFrom('', '"', ',', '}', ']', '\\', '0', 'e', ' ', '\u0000'))
  .map(([t, at, put]) => {
    const i = at % (t.length + 1);
    return t.slice(0, i) + put + t.slice(i + (put === '' ? 1 : 0));
  });

describe("pop-core's answer parser", () => {
  it('gives what json-bigint gives on any text: the same value or the same error', () => {
    fc.assert(
      fc.property(fc.oneof(text, damaged), (t) => {
        expect(outcome((s) => parser.parse(s), t)).toStrictEqual(outcome((s) => real.parse(s), t));
      }),
      { seed: SEED, numRuns: 4000 },
    );
  });

  it('hands a parse with a reviver to json-bigint, which calls it once per value', () => {
    const seen: string[] = [];
    const revived = parser.parse('{"a":1,"b":[2]}', (key, value) => {
      seen.push(key);
      return typeof value === 'number' ? value * 10 : value;
    });
    expect(comparable(revived)).toStrictEqual({ a: 10, b: [20] });
    expect(seen).toEqual(['a', '0', 'b', '']);
  });

  it('keeps long numbers whole through json-bigint, and stringifies with it', () => {
    const parsed = parser.parse('{"n":12345678901234567890}') as { n: { toFixed(): string } };
    expect(parsed.n.toFixed()).toBe('12345678901234567890');
    expect(parser.stringify(parsed)).toBe('{"n":12345678901234567890}');
  });

  it("reads the cloud's usual answers with V8's parser, without loading json-bigint", () => {
    const arn = 'acs:vpc:cn-hangzhou:1234567890123456:trafficmirrorsession/tms-bp1x';
    const answers = [
      // A page of ListTrafficMirrorSessions: tokens and ids of hex digits, numbers of a few digits.
      JSON.stringify({
        RequestId: 'AE384D60-5EF4-4F8B-BCB3-A32915605689',
        TotalCount: 20000,
        NextToken: 'FFmyTO70tTpLG6I3FmYAXGKPd==',
        TrafficMirrorSessions: [
          {
            TrafficMirrorSessionId: 'tms-6o5a1ol9a418fkefaimt',
            Priority: 16384,
            VirtualNetworkId: 1234,
            Tags: [{ Key: 'mirrorflow:token', Value: 'mf-ev-1ed3a101cab167793eadd0833c5dd77148654123' }],
          },
        ],
      }),
      // DescribeExecution: the job as an escaped JSON string, with the ARN of a 16-digit account.
      JSON.stringify({ Status: 'Running', Input: JSON.stringify({ job: { subject: arn, attempt: 0 } }) }),
    ];
    loads = 0;
    for (const answer of answers) {
      expect(parsesAlike(answer)).toBe(true);
      expect(comparable(parser.parse(answer))).toStrictEqual(comparable(real.parse(answer)));
    }
    expect(loads).toBe(0);
  });
});
