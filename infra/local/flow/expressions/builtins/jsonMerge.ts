import { type Builtin, expectArgs, expectObject } from './types.js';

/** jsonMerge(a, b) → a shallow merge, b's keys winning. */
export const jsonMerge: Builtin = (args) => {
  expectArgs('jsonMerge', args, 2);
  return { ...expectObject('jsonMerge', args[0], 1), ...expectObject('jsonMerge', args[1], 2) };
};
