import { expressionError } from '../../errors.js';
import type { Builtin } from './types.js';

/** Internal: follows a path into a function's result, e.g. stringToJson($Output.Body).Data[0]. */
export const getPath: Builtin = ([value, steps]) => {
  let current: unknown = value;
  for (const step of steps as (string | number)[]) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, step)) {
      throw expressionError(`no field ${String(step)} in a function's result`);
    }
    current = (current as Record<string | number, unknown>)[step];
  }
  return current;
};
