import { expressionError } from '../../errors.js';
import { type Builtin, expectArgs } from './types.js';

/**
 * get(array, index) / get(map, key) → the element ("Retrieves an element from an array or map", 2026 table:
 * https://www.alibabacloud.com/help/pt-br/serverless-workflow/latest/built-in-functions). The page gives no
 * signature; like a path, a missing element is an error rather than a silent null.
 */
export const get: Builtin = (args) => {
  expectArgs('get', args, 2);
  const [collection, key] = args;
  if (Array.isArray(collection)) {
    if (typeof key !== 'number' || !Number.isInteger(key) || key < 0 || key >= collection.length)
      throw expressionError(`get(): no item [${JSON.stringify(key)}] in an array of ${collection.length}`);
    return collection[key];
  }
  if (collection !== null && typeof collection === 'object') {
    if (typeof key !== 'string') throw expressionError('get(): a map is read with a string key');
    if (!Object.hasOwn(collection, key)) throw expressionError(`get(): no key "${key}"`);
    return (collection as Record<string, unknown>)[key];
  }
  throw expressionError('get(): argument 1 must be an array or a map');
};
