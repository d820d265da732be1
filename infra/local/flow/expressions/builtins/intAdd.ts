import { expressionError } from '../../errors.js';
import { type Builtin, expectArgs } from './types.js';

/**
 * intAdd(a, b) → a + b for two integers ("Adds two integer values", 2026 table:
 * https://www.alibabacloud.com/help/pt-br/serverless-workflow/latest/built-in-functions). Anything but two
 * safe integers is an error, never a float or a string concatenation.
 */
export const intAdd: Builtin = (args) => {
  expectArgs('intAdd', args, 2);
  for (const [i, v] of args.entries())
    if (!Number.isSafeInteger(v)) throw expressionError(`intAdd(): argument ${i + 1} must be an integer`);
  const sum = (args[0] as number) + (args[1] as number);
  if (!Number.isSafeInteger(sum)) throw expressionError('intAdd(): the sum is out of the integer range');
  return sum;
};
