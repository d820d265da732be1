import { type Builtin, expectArgs } from './types.js';

/** toArray(x): x when it is an array, else [x]. */
export const toArray: Builtin = (args) => {
  expectArgs('toArray', args, 1);
  return Array.isArray(args[0]) ? args[0] : [args[0]];
};
