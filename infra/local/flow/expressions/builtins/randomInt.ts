import { expressionError } from '../../errors.js';
import { type Builtin, expectArgs } from './types.js';

/**
 * randomInt(min, max) → an integer with min ≤ n < max ("Generates a random integer within a specified
 * range", 2026 table: https://www.alibabacloud.com/help/pt-br/serverless-workflow/latest/built-in-functions).
 * The page does not say whether max is included; the half-open range is the conservative reading (a flow
 * that needs max must not rely on it). Drawn from the execution's random source, so tests can seed it.
 */
export const randomInt: Builtin = (args, env) => {
  expectArgs('randomInt', args, 2);
  const [min, max] = args;
  if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max))
    throw expressionError('randomInt(): min and max must be integers');
  if ((max as number) <= (min as number)) throw expressionError('randomInt(): max must be greater than min');
  return (min as number) + Math.floor(env.random() * ((max as number) - (min as number)));
};
