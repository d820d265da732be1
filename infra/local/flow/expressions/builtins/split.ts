import { type Builtin, expectArgs, expectString } from './types.js';

/** split(s, separator) → array of strings. */
export const split: Builtin = (args) => {
  expectArgs('split', args, 2);
  return expectString('split', args[0], 1).split(expectString('split', args[1], 2));
};
