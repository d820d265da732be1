import { type Builtin, expectArgs, expectString } from './types.js';

/** fromBase64(s) → the decoded UTF-8 text. */
export const fromBase64: Builtin = (args) => {
  expectArgs('fromBase64', args, 1);
  return Buffer.from(expectString('fromBase64', args[0], 1), 'base64').toString('utf8');
};
