/**
 * How pop-core parses the cloud's answers (infra/build/bundleFunctions.ts gives it this in place of
 * json-bigint). json-bigint keeps a number of more than 15 characters whole, as a BigNumber, but it parses
 * in JavaScript, a character at a time (about twice the time of the check below and V8's JSON.parse on a page
 * of 100 sessions), and loads bignumber.js at the first number it meets. So the answers whose parse could
 * differ still go to json-bigint, loaded then, and V8 parses every other to the same values:
 * - a number of 16 characters or more (json-bigint makes a BigNumber), or one with an exponent (json-bigint
 *   refuses one out of range, where V8 gives Infinity);
 * - a `__proto__` or `constructor` anywhere in a key, escaped or not (json-bigint refuses the object), and an
 *   escaped backslash, through which a decoded key could spell one that the raw text does not;
 * - a text V8 refuses (json-bigint accepts some, e.g. a number with a leading zero, and has its own errors);
 * - a parse with a reviver (pop-core passes none).
 * The number check reads the text with its strings emptied (a string may well hold 16 digits: an account id
 * in an ARN); the key check reads the raw text, so a string value that merely holds such a word goes to
 * json-bigint too: slower, never different. What remains different: V8's objects have Object.prototype,
 * json-bigint's none; and a text nested thousands deep, which V8 reads and json-bigint, recursive, cannot.
 */

export interface JsonParser {
  parse(text: string, reviver?: (key: string, value: unknown) => unknown): unknown;
  stringify(value: unknown, replacer?: unknown, space?: string | number): string;
}

/** A JSON string, escapes and all. */
const JSON_STRING = /"[^"\\]*(?:\\.[^"\\]*)*"/g;
/** A number (after `[`, `:`, `,` or at the start, once strings are emptied) that is long, or has an exponent. */
const BIG_OR_EXPONENT_NUMBER = /(?:^|[[:,])\s*(?:[-+.\deE]{16}|-?[\d.]+[eE])/;
// json-bigint's own tests for the keys it refuses (json-bigint/lib/parse.js), which it runs on the decoded key,
// here on the raw text: they spell each character plain or \u-escaped, so only a decoded backslash (`\\` or
// `\u005c` in the text) can make a key that they match decoded and not raw.
const ESCAPED_BACKSLASH = /\\(?:\\|u005[cC])/;
const PROTO_KEY =
  /(?:_|\\u005[Ff])(?:_|\\u005[Ff])(?:p|\\u0070)(?:r|\\u0072)(?:o|\\u006[Ff])(?:t|\\u0074)(?:o|\\u006[Ff])(?:_|\\u005[Ff])(?:_|\\u005[Ff])/;
const CONSTRUCTOR_KEY =
  /(?:c|\\u0063)(?:o|\\u006[Ff])(?:n|\\u006[Ee])(?:s|\\u0073)(?:t|\\u0074)(?:r|\\u0072)(?:u|\\u0075)(?:c|\\u0063)(?:t|\\u0074)(?:o|\\u006[Ff])(?:r|\\u0072)/;

/** Whether V8's JSON.parse gives what json-bigint would, judged from a text V8 parses. */
export function parsesAlike(text: string): boolean {
  // For a text V8 parses, strings are where a left-to-right scan for them finds them (nothing else holds `"`).
  return (
    !ESCAPED_BACKSLASH.test(text) &&
    !PROTO_KEY.test(text) &&
    !CONSTRUCTOR_KEY.test(text) &&
    !BIG_OR_EXPONENT_NUMBER.test(text.replace(JSON_STRING, '""'))
  );
}

/** json-bigint's interface, with `jsonBigint` loaded only for a text that needs it, or to stringify. */
export function answerJson(jsonBigint: () => JsonParser): JsonParser {
  return {
    parse(source, reviver) {
      // pop-core hands over the answer's Buffer: made text as json-bigint makes it (`+ ''`, valueOf first; a
      // template literal would call toString first).
      const text = source + '';
      if (reviver !== undefined) return jsonBigint().parse(text, reviver);
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        // json-bigint's verdict: it accepts a few texts V8 refuses, and throws its own errors.
        return jsonBigint().parse(text);
      }
      // Checked once V8 has parsed it: in a text that is JSON, every string closes, so the checks run in one pass.
      return parsesAlike(text) ? value : jsonBigint().parse(text);
    },
    stringify: (value, replacer, space) => jsonBigint().stringify(value, replacer, space),
  };
}
