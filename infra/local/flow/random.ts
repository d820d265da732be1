/**
 * Where an execution's randomness comes from (randomInt(), uuid()). Executions draw from the system's
 * cryptographic source unless given a seeded one, so a test can replay the exact values.
 */
import { randomInt } from 'node:crypto';

/** A number in [0, 1). */
export type Random = () => number;

export const systemRandom: Random = () => randomInt(0, 2 ** 48) / 2 ** 48;

/** mulberry32: small, fast, and the same sequence for the same seed on every machine. */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
