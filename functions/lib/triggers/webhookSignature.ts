/**
 * Verifying a ticketing webhook's sender with the shared secret, in constant time:
 * - Jira-style `X-Hub-Signature: sha256=<hex HMAC-SHA256 of the raw body>`;
 * - mirrorflow's timestamped scheme `X-Mirrorflow-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`,
 *   refused outside the tolerance window, so a captured request cannot be replayed later;
 * - its `v2=<hex HMAC-SHA256 of "t.<X-Mirrorflow-Delivery>.body">`, which signs the delivery id too.
 * `signsDelivery` says whether the delivery id header was signed: only then may it name the request (a
 * captured body sent again under a new id of the attacker's choosing must not become a new request).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export type SignatureCheck =
  | { ok: true; scheme: 'hub' | 'mirrorflow'; signsDelivery: boolean }
  | { ok: false; reason: string };

function equalHex(expected: string, given: string): boolean {
  // Exactly the digest's length: Buffer.from(…, 'hex') drops a trailing odd digit, which would let a
  // signature with one extra character pass.
  if (given.length !== expected.length || !/^[0-9a-f]+$/i.test(given)) return false;
  const a = Buffer.from(expected, 'hex');
  const b = Buffer.from(given.toLowerCase(), 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

const hmac = (secret: string, data: Buffer | string) =>
  createHmac('sha256', secret).update(data).digest('hex');

/** `X-Mirrorflow-Signature`: v1 signs the timestamp and body; given a delivery id, v2 signs it too. */
export function signMirrorflow(
  secret: string,
  body: Buffer | string,
  unixSeconds: number,
  deliveryId?: string,
): string {
  if (deliveryId === undefined)
    return `t=${unixSeconds},v1=${hmac(secret, Buffer.concat([Buffer.from(`${unixSeconds}.`), Buffer.from(body)]))}`;
  return `t=${unixSeconds},v2=${hmac(secret, signedWithDelivery(unixSeconds, deliveryId, body))}`;
}

const signedWithDelivery = (t: number, deliveryId: string, body: Buffer | string) =>
  Buffer.concat([Buffer.from(`${t}.${deliveryId}.`), Buffer.from(body)]);

export function signHub(secret: string, body: Buffer | string): string {
  return `sha256=${hmac(secret, body)}`;
}

export function verifyWebhookSignature(options: {
  headers: Record<string, string>;
  body: Buffer;
  secret: string;
  nowMs: number;
  toleranceSeconds: number;
}): SignatureCheck {
  const header = (name: string) => options.headers[name];
  const ours = header('x-mirrorflow-signature');
  if (ours !== undefined) {
    const parts = Object.fromEntries(
      ours.split(',').map((p) => {
        const eq = p.indexOf('=');
        return [p.slice(0, eq).trim(), p.slice(eq + 1).trim()];
      }),
    );
    const t = Number(parts.t);
    if (!Number.isInteger(t) || !(parts.v1 || parts.v2))
      return {
        ok: false,
        reason: 'X-Mirrorflow-Signature must be "t=<unix seconds>,v1=<hex>" or "…,v2=<hex>"',
      };
    if (Math.abs(options.nowMs / 1000 - t) > options.toleranceSeconds) {
      return {
        ok: false,
        reason: `the signature timestamp is more than ${options.toleranceSeconds} seconds away from now`,
      };
    }
    if (parts.v2) {
      const delivery = header('x-mirrorflow-delivery') ?? '';
      return equalHex(hmac(options.secret, signedWithDelivery(t, delivery, options.body)), parts.v2)
        ? { ok: true, scheme: 'mirrorflow', signsDelivery: true }
        : { ok: false, reason: 'the signature does not match the delivery id and body' };
    }
    const expected = hmac(options.secret, Buffer.concat([Buffer.from(`${t}.`), options.body]));
    return equalHex(expected, parts.v1!)
      ? { ok: true, scheme: 'mirrorflow', signsDelivery: false }
      : { ok: false, reason: 'the signature does not match the body' };
  }
  const hub = header('x-hub-signature');
  if (hub !== undefined) {
    const match = /^sha256=(.+)$/.exec(hub.trim());
    if (!match) return { ok: false, reason: 'X-Hub-Signature must be "sha256=<hex>"' };
    return equalHex(hmac(options.secret, options.body), match[1]!)
      ? { ok: true, scheme: 'hub', signsDelivery: false }
      : { ok: false, reason: 'the signature does not match the body' };
  }
  return { ok: false, reason: 'the request is not signed (X-Hub-Signature or X-Mirrorflow-Signature)' };
}
