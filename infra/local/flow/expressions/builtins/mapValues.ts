import { type Builtin, expectArgs, expectObject } from './types.js';

/** mapValues(object) → its values. */
export const mapValues: Builtin = (args) => {
  expectArgs('mapValues', args, 1);
  return Object.values(expectObject('mapValues', args[0], 1));
};
