import { createHash } from 'node:crypto';
import { expressionError } from '../../errors.js';
import { type Builtin, expectArgs, expectString } from './types.js';

const ALGORITHMS: Record<string, string> = {
  MD5: 'md5',
  'SHA-1': 'sha1',
  'SHA-256': 'sha256',
  'SHA-512': 'sha512',
};

/** hash(s, "MD5" | "SHA-1" | "SHA-256" | "SHA-512") → lower-case hex digest. */
export const hash: Builtin = (args) => {
  expectArgs('hash', args, 2);
  const algorithm = ALGORITHMS[expectString('hash', args[1], 2)];
  if (!algorithm)
    throw expressionError(`hash(): algorithm must be one of ${Object.keys(ALGORITHMS).join(', ')}`);
  return createHash(algorithm)
    .update(expectString('hash', args[0], 1))
    .digest('hex');
};
