import { expressionError } from '../../errors.js';
import { type Builtin, expectArgs, expectString } from './types.js';

/** regexMatchString(s, pattern) → whether the pattern matches anywhere in s. */
export const regexMatchString: Builtin = (args) => {
  expectArgs('regexMatchString', args, 2);
  const s = expectString('regexMatchString', args[0], 1);
  const pattern = expectString('regexMatchString', args[1], 2);
  try {
    return new RegExp(pattern).test(s);
  } catch {
    throw expressionError(`regexMatchString(): invalid pattern ${pattern}`);
  }
};
