import { expressionError } from '../../errors.js';
import { type Builtin, expectArgs, expectString } from './types.js';

/** stringToJson(s) (alias fromJSON) → the parsed JSON value. */
export const stringToJson: Builtin = (args) => {
  expectArgs('stringToJson', args, 1);
  try {
    return JSON.parse(expectString('stringToJson', args[0], 1));
  } catch {
    throw expressionError('stringToJson(): argument 1 is not valid JSON');
  }
};
