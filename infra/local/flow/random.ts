/**
 * Where an execution's randomness comes from (randomInt(), uuid()). Executions draw from the system's
 * cryptographic source unless given a seeded one, so a test can replay the exact values.
 */
import { randomInt } from 'node:crypto';

/** A number in [0, 1). */
export type Random = () => number;

export const systemRandom: Random = () => randomInt(0, 2 ** 48) / 2 ** 48;

export { seededRandom } from '../random.js';
