import { expressionError } from '../../errors.js';
import { type Builtin, expectArgs } from './types.js';

/** length(x): characters of a string, items of an array, keys of an object. */
export const length: Builtin = (args) => {
  expectArgs('length', args, 1);
  const [v] = args;
  if (typeof v === 'string' || Array.isArray(v)) return v.length;
  if (v !== null && typeof v === 'object') return Object.keys(v).length;
  throw expressionError('length(): argument 1 must be a string, an array or an object');
};
