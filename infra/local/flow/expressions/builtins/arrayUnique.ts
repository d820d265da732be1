import { type Builtin, expectArgs, expectArray } from './types.js';

/** arrayUnique(array) → the array without repeated items (first kept). */
export const arrayUnique: Builtin = (args) => {
  expectArgs('arrayUnique', args, 1);
  const seen = new Set<string>();
  return expectArray('arrayUnique', args[0], 1).filter((item) => {
    const key = JSON.stringify(item);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
};
