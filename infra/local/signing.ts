/**
 * What every signed local API checks the same way: a presented secret compared in constant time, a request
 * time within the cloud's 15-minute window, and a signature nonce used once within that window.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

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
 * Nonces seen within the window, in two generations: a nonce is kept at least one window and at most two
 * (a replay older than the window fails the time check anyway). Each is kept as a 48-bit digest, not as its
 * text: at a few hundred signed calls a second a window holds hundreds of thousands of them, and the digest
 * is a third of the memory. Two distinct nonces share a digest with odds of about n² / 2⁴⁹ — for 200,000 in
 * a window, one in 14,000 windows — and the cost of that is one refused request, which its SDK sends again
 * with a new nonce.
 */
export class NonceMemory {
  private current = new Set<number>();
  private previous = new Set<number>();
  private currentSince: number | undefined;
  constructor(private readonly ttlMs: number = CLOCK_SKEW_MS) {}

  /** False when the nonce was already used within the window. */
  remember(nonce: string, now: number): boolean {
    this.currentSince ??= now;
    if (now - this.currentSince >= this.ttlMs) {
      this.previous = now - this.currentSince >= 2 * this.ttlMs ? new Set() : this.current;
      this.current = new Set();
      this.currentSince = now;
    }
    const digest = createHash('sha256').update(nonce).digest().readUIntBE(0, 6);
    if (this.current.has(digest) || this.previous.has(digest)) return false;
    this.current.add(digest);
    return true;
  }

  get size(): number {
    return this.current.size + this.previous.size;
  }
}
