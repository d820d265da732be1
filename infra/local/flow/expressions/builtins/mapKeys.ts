import { type Builtin, expectArgs, expectObject } from './types.js';

/** mapKeys(object) → its keys. */
export const mapKeys: Builtin = (args) => {
  expectArgs('mapKeys', args, 1);
  return Object.keys(expectObject('mapKeys', args[0], 1));
};
