import { type Builtin, expectArgs, expectArray, jsonEqual } from './types.js';

/** arrayContains(array, value) → whether an equal item is in the array. */
export const arrayContains: Builtin = (args) => {
  expectArgs('arrayContains', args, 2);
  return expectArray('arrayContains', args[0], 1).some((item) => jsonEqual(item, args[1]));
};
