/** Evaluating parsed expressions against an execution's variables. */
import { expressionError } from '../errors.js';
import { type Random, systemRandom } from '../random.js';
import { BUILTINS, INTERNAL } from './builtins/index.js';
import { jsonEqual } from './builtins/types.js';
import { type Expr, parseExpression, type Root } from './parse.js';

/** Where a Variables set carries its execution's random source (not a variable a flow can name). */
export const RANDOM: unique symbol = Symbol('random');

export type Variables = Partial<Record<Root, unknown>> & { [RANDOM]?: Random };

// A path to a key that does not exist is an error (FnF.InvalidExpression), never a silent undefined: the docs
// do not say what the cloud does, and failing loudly is the reading no flow can come to depend on by accident.
// A key whose value is null gives null (how the cloud treats that is open too; see workflows/session-ready.yaml).
function follow(root: Root, value: unknown, steps: (string | number)[], text: string): unknown {
  let current = value;
  for (const step of steps) {
    const ok =
      current !== null &&
      typeof current === 'object' &&
      (typeof step === 'number'
        ? Array.isArray(current) && step >= 0 && step < current.length
        : Object.hasOwn(current, step));
    if (!ok)
      throw expressionError(
        `${text}: no ${typeof step === 'number' ? `item [${step}]` : `field "${step}"`} (in ${root})`,
      );
    current = (current as Record<string | number, unknown>)[step];
  }
  return current;
}

/** `x in array`: an equal item is in the array; `key in object`: the object has that key. */
function contains(a: unknown, b: unknown): boolean {
  if (Array.isArray(b)) return b.some((item) => jsonEqual(item, a));
  if (b !== null && typeof b === 'object') {
    if (typeof a !== 'string')
      throw expressionError(`"in" looks up a string key in an object, got ${typeof a}`);
    return Object.hasOwn(b, a);
  }
  throw expressionError(
    `"in" needs an array or an object on its right, got ${b === null ? 'null' : typeof b}`,
  );
}

function compare(op: string, a: unknown, b: unknown): boolean {
  if (op === 'in') return contains(a, b);
  if (op === '==') return jsonEqual(a, b);
  if (op === '!=') return !jsonEqual(a, b);
  const bothNumbers = typeof a === 'number' && typeof b === 'number';
  const bothStrings = typeof a === 'string' && typeof b === 'string';
  if (!bothNumbers && !bothStrings)
    throw expressionError(`"${op}" compares two numbers or two strings, got ${typeof a} and ${typeof b}`);
  const x = a as number | string;
  const y = b as number | string;
  switch (op) {
    case '<':
      return x < y;
    case '<=':
      return x <= y;
    case '>':
      return x > y;
    default:
      return x >= y;
  }
}

export function evaluate(expr: Expr, vars: Variables): unknown {
  switch (expr.kind) {
    case 'literal':
      return expr.value;
    case 'path': {
      if (!Object.hasOwn(vars, expr.root)) throw expressionError(`${expr.root} is not available here`);
      return follow(expr.root, vars[expr.root], expr.steps, expr.text);
    }
    case 'compare':
      return compare(expr.op, evaluate(expr.left, vars), evaluate(expr.right, vars));
    case 'unary': {
      const value = evaluate(expr.arg, vars);
      if (expr.op === '!') {
        if (typeof value !== 'boolean') throw expressionError('"!" needs true or false');
        return !value;
      }
      if (typeof value !== 'number') throw expressionError('"-" needs a number');
      return -value;
    }
    case 'logical': {
      const left = evaluate(expr.left, vars);
      if (typeof left !== 'boolean') throw expressionError(`"${expr.op}" needs true or false on its left`);
      if (expr.op === '&&' ? !left : left) return left;
      const right = evaluate(expr.right, vars);
      if (typeof right !== 'boolean') throw expressionError(`"${expr.op}" needs true or false on its right`);
      return right;
    }
    case 'call': {
      const fn = BUILTINS[expr.name] ?? INTERNAL[expr.name];
      if (!fn) throw expressionError(`unknown function ${expr.name}`);
      return fn(
        expr.args.map((a) => evaluate(a, vars)),
        { random: vars[RANDOM] ?? systemRandom },
      );
    }
    case 'object':
      return Object.fromEntries(expr.entries.map(([k, v]) => [k, evaluate(v, vars)]));
    case 'array':
      return expr.items.map((i) => evaluate(i, vars));
  }
}

export function evaluateText(source: string, vars: Variables): unknown {
  return evaluate(parseExpression(source), vars);
}

/** A Choice condition: must evaluate to a boolean. */
export function evaluateCondition(source: string, vars: Variables): boolean {
  const value = evaluateText(source, vars);
  if (typeof value !== 'boolean') throw expressionError(`the condition "${source}" is not true or false`);
  return value;
}
