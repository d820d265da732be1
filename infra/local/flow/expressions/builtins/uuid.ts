import { randomUUID } from 'node:crypto';
import { type Builtin, expectArgs } from './types.js';

/** uuid() → a random UUID (never use it where a step must be repeatable). */
export const uuid: Builtin = (args) => {
  expectArgs('uuid', args, 0);
  return randomUUID();
};
