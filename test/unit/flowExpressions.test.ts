import { describe, expect, it } from 'vitest';
import { FlowError } from '../../infra/local/flow/errors.js';
import { evaluateCondition, evaluateText, RANDOM } from '../../infra/local/flow/expressions/evaluate.js';
import { ExpressionSyntaxError, parseExpression } from '../../infra/local/flow/expressions/parse.js';
import { seededRandom } from '../../infra/local/flow/random.js';

const vars = {
  $Input: {
    status: 'ready',
    n: 5,
    items: [{ a: 1 }, { a: 2 }],
    s: '{"x":[1,2]}',
    flag: true,
    b64: Buffer.from('hi').toString('base64'),
  },
  $Context: { Execution: { Name: 'exec-1' }, Current: { RetryCount: 2 } },
  $Global: { seen: 3 },
};

describe('CloudFlow expressions', () => {
  it.each([
    ['$Input.status == "ready"', true],
    ['$Input.status == `ready`', true],
    ['$Input.n >= 3 && $Input.status != "x"', true],
    ['$Input.n < 3 || $Input.flag == true', true],
    ['($Input.n > 1 || $Input.n < 0) && $Input.flag == false', false],
    ['$Input.items[1].a == 2', true],
    ['$Context.Current.RetryCount >= 2', true],
    ['$Global.seen == 3', true],
    ['"b" > "a"', true],
    // Prefixes ! and -, `in`, parentheses (Choice page: "prefix: ! -", "in").
    ['!$Input.flag', false],
    ['!($Input.n > 3)', false],
    ['!($Input.n > 9) && $Input.flag', true],
    ['!!$Input.flag', true],
    ['-$Input.n < 0', true],
    ['-$Input.n == -5', true],
    ['$Input.status in ["ready", "done"]', true],
    ['"x" in ["ready", "done"]', false],
    ['{"a": 2} in $Input.items', true],
    ['"status" in $Input', true],
    ['"nope" in $Input', false],
    ['!("nope" in $Input)', true],
    ['(($Input.n == 5) || ($Input.n == 6)) && !($Input.status == "x")', true],
  ])('condition %s → %s', (source, expected) => {
    expect(evaluateCondition(source, vars)).toBe(expected);
  });

  it.each([
    ['$Input.items[0]', { a: 1 }],
    ['format("{} of {}", $Input.n, $Input.status)', '5 of ready'],
    ['length($Input.items)', 2],
    ['split("a,b", ",")', ['a', 'b']],
    ['regexMatchString($Input.status, "^re")', true],
    ['arrayContains($Input.items, $Input.items[1])', true],
    ['arrayUnique(toArray($Input.n))', [5]],
    ['mapKeys($Global)', ['seen']],
    ['mapValues($Global)', [3]],
    ['fromBase64($Input.b64)', 'hi'],
    ['stringToJson($Input.s).x[1]', 2],
    ['fromJSON($Input.s)', { x: [1, 2] }],
    ['hash("abc", "SHA-256")', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    ['jsonMerge($Global, {"more": $Input.n})', { seen: 3, more: 5 }],
    ['{"action": "insert", "body": $Input.n, "list": [1, -2]}', { action: 'insert', body: 5, list: [1, -2] }],
    ['$Input', vars.$Input],
    ['toArray(1, "a", $Input.n)', [1, 'a', 5]],
    ['get($Input.items, 1)', { a: 2 }],
    ['get($Input, "status")', 'ready'],
    ['get(get($Input.items, 0), "a")', 1],
    ['intAdd($Input.n, 2)', 7],
    ['intAdd(-3, $Context.Current.RetryCount)', -1],
  ])('value %s', (source, expected) => {
    expect(evaluateText(source, vars)).toEqual(expected);
  });

  it('uuid() gives a version-4 UUID, repeatable from a seed', () => {
    const first = evaluateText('uuid()', { ...vars, [RANDOM]: seededRandom(7) });
    expect(first).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(evaluateText('uuid()', { ...vars, [RANDOM]: seededRandom(7) })).toBe(first);
    expect(evaluateText('uuid()', { ...vars, [RANDOM]: seededRandom(8) })).not.toBe(first);
  });

  it('randomInt(min, max) stays in [min, max), covers it, and repeats from a seed', () => {
    const draw = (seed: number) => {
      const seeded = { ...vars, [RANDOM]: seededRandom(seed) };
      return Array.from({ length: 200 }, () => evaluateText('randomInt(3, 7)', seeded) as number);
    };
    const values = draw(42);
    expect(new Set(values)).toEqual(new Set([3, 4, 5, 6]));
    expect(draw(42)).toEqual(values);
  });

  it.each([
    ['!$Input.n', /"!" needs true or false/],
    ['-$Input.status', /"-" needs a number/],
    ['"x" in 5', /needs an array or an object/],
    ['1 in $Input', /string key/],
    ['intAdd(1.5, 1)', /argument 1 must be an integer/],
    ['intAdd(1)', /takes 2 argument/],
    ['randomInt(3, 3)', /max must be greater/],
    ['get($Input.items, 9)', /no item \[9\]/],
    ['get($Input, "nope")', /no key "nope"/],
  ])('fails with FnF.InvalidExpression: %s', (source, message) => {
    expect(() => evaluateText(source, vars)).toThrow(FlowError);
    expect(() => evaluateText(source, vars)).toThrow(message);
  });

  it.each([
    ['+$Input.n', /operator "\+" is not part/],
    ['~$Input.n', /operator "~" is not part/],
    ['$Input.n + 1', /"\+" is not part/],
    ['$Input.n * 2', /"\*" is not part/],
    ['foo(1)', /unknown function "foo"/],
    ['status == "x"', /unknown name "status"/],
    ['$.status', /a path must start with/],
    ['$Input.items[$Input.n]', /whole-number indexes/],
    ['$Input.a; $Input.b', /one expression/],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the expression text itself is under test.
    ['`a${1}`', /cannot embed/],
    [
      'length(length(length(length(length(length(length(length(length(length(length("x")))))))))))',
      /nested function calls/,
    ],
  ])('refuses %s', (source, message) => {
    expect(() => parseExpression(source)).toThrow(ExpressionSyntaxError);
    expect(() => parseExpression(source)).toThrow(message);
  });

  it('fails with FnF.InvalidExpression on a missing path or a wrong type, never undefined', () => {
    expect(() => evaluateText('$Input.missing', vars)).toThrow(FlowError);
    expect(() => evaluateText('$Input.items[9]', vars)).toThrow(/no item \[9\]/);
    expect(() => evaluateCondition('$Input.n > "a"', vars)).toThrow(/two numbers or two strings/);
    expect(() => evaluateCondition('$Input.n', vars)).toThrow(/not true or false/);
    expect(() => evaluateText('$Output.x', vars)).toThrow(/\$Output is not available/);
    try {
      evaluateText('$Input.missing', vars);
    } catch (error) {
      expect((error as FlowError).code).toBe('FnF.InvalidExpression');
    }
  });

  it('short-circuits && and ||', () => {
    expect(evaluateCondition('$Input.flag == false && $Input.missing == 1', vars)).toBe(false);
    expect(evaluateCondition('$Input.flag == true || $Input.missing == 1', vars)).toBe(true);
  });
});
