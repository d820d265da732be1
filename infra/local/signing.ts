/**
 * What every signed local API checks the same way: a presented secret compared in constant time, a request
 * time within the cloud's 15-minute window, and a signature nonce used once within that window.
 */
import { timingSafeEqual } from 'node:crypto';
import { detachedCopy } from './detachedString.js';

/** How far a request's time may be from the server's (Alibaba Cloud gateways: 15 minutes). */
export const CLOCK_SKEW_MS = 15 * 60_000;

export function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function withinClockSkew(requestTimeMs: number, now: number = Date.now()): boolean {
  return !Number.isNaN(requestTimeMs) && Math.abs(now - requestTimeMs) <= CLOCK_SKEW_MS;
}

/**
 * Nonces seen within the window; older ones are forgotten (a replay of them fails the time check anyway).
 * The map is in insertion order and times only grow, so the expired entries are always at its head.
 */
export class NonceMemory {
  private readonly seen = new Map<string, number>();
  constructor(private readonly ttlMs: number = CLOCK_SKEW_MS) {}
  /** False when the nonce was already used within the window. */
  remember(nonce: string, now: number): boolean {
    for (const [n, t] of this.seen) {
      if (now - t <= this.ttlMs) break;
      this.seen.delete(n);
    }
    const at = this.seen.get(nonce);
    if (at !== undefined && now - at <= this.ttlMs) return false;
    this.seen.set(detachedCopy(nonce), now);
    return true;
  }

  get size(): number {
    return this.seen.size;
  }
}
