import { expressionError } from '../../errors.js';

import type { Random } from '../../random.js';

/** What a built-in may use besides its arguments: the execution's random source (randomInt, uuid). */
export interface BuiltinEnv {
  random: Random;
}

/** A built-in function: checks its own arguments and fails with FnF.InvalidExpression when they are wrong. */
export type Builtin = (args: unknown[], env: BuiltinEnv) => unknown;

export function expectArgs(name: string, args: unknown[], count: number | [number, number]): void {
  const [min, max] = typeof count === 'number' ? [count, count] : count;
  if (args.length < min || args.length > max) {
    throw expressionError(
      `${name}() takes ${min === max ? min : `${min} to ${max}`} argument(s), got ${args.length}`,
    );
  }
}

export function expectString(name: string, value: unknown, position: number): string {
  if (typeof value !== 'string') throw expressionError(`${name}(): argument ${position} must be a string`);
  return value;
}

export function expectArray(name: string, value: unknown, position: number): unknown[] {
  if (!Array.isArray(value)) throw expressionError(`${name}(): argument ${position} must be an array`);
  return value;
}

export function expectObject(name: string, value: unknown, position: number): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw expressionError(`${name}(): argument ${position} must be an object`);
  }
  return value as Record<string, unknown>;
}

export const jsonEqual = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
