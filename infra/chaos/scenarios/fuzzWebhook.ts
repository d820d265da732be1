/**
 * Row 9, fuzz through the webhook: deliveries malformed somewhere — the body (not JSON, no object, a request
 * that breaks the contract, an unknown operation, over the size limit, not UTF-8), the signature (none,
 * another secret, stale, in the future, malformed, over another delivery id, one digit too many), the headers
 * (odd content types, long delivery ids) or the method. Every answer must be a 4xx: never a 5xx or a dropped
 * connection, no VPC call, nothing accepted (a delivery answered 2xx would have to be answered by an event).
 */
import { signHub, signMirrorflow } from '../../../functions/lib/triggers/webhookSignature.js';
import { type FuzzDelivery, fuzzDeliveries } from '../fuzz.js';
import type { Scenario } from '../scenario.js';
import { reasonLine, statusLine } from '../scenario.js';
import { startRowStack } from '../stack.js';
import type { SentRequest } from '../tally.js';
import { inPool } from '../wire.js';

/** The signature headers of a fuzzed delivery, taken as it is sent. */
export function signatureHeaders(d: FuzzDelivery, secret: string): Record<string, string> {
  const raw = d.body === undefined ? '' : typeof d.body === 'string' ? d.body : Buffer.from(d.body);
  const now = Math.floor(Date.now() / 1000);
  const ours = (value: string) => ({ 'x-mirrorflow-signature': value });
  switch (d.signing) {
    case 'v2':
      return ours(signMirrorflow(secret, raw, now, d.deliveryId));
    case 'v1':
      return ours(signMirrorflow(secret, raw, now));
    case 'hub':
      return { 'x-hub-signature': signHub(secret, raw) };
    case 'none':
      return {};
    case 'wrong-secret':
      return ours(signMirrorflow('not-the-webhook-secret-at-all', raw, now, d.deliveryId));
    case 'stale':
      return ours(signMirrorflow(secret, raw, now - 600, d.deliveryId));
    case 'future':
      return ours(signMirrorflow(secret, raw, now + 600, d.deliveryId));
    case 'malformed':
      return ours(`t=${now}.5,v2=${signMirrorflow(secret, raw, now, d.deliveryId).split('v2=')[1]}`);
    case 'other-delivery':
      return ours(signMirrorflow(secret, raw, now, `${d.deliveryId ?? ''}-other`));
    case 'odd-digit':
      return { 'x-hub-signature': `${signHub(secret, raw)}0` };
    case 'both-broken':
      return { 'x-hub-signature': 'sha1=00', 'x-mirrorflow-signature': 'v2=' };
  }
}

export const fuzzWebhook: Scenario = {
  id: 'fuzz-webhook',
  title: 'fuzz, webhook (malformed deliveries)',
  run: async (ctx) => {
    const stack = await startRowStack(ctx, 1, 9);
    try {
      const corpus = fuzzDeliveries(ctx.fuzzCount, (ctx.seed * 9 + 1) >>> 0);
      const kinds: Record<string, number> = {};
      const notRefused: Record<string, number> = {};
      // A small corpus is sent a few at a time, so a smoke run starts few function instances.
      const concurrency = Math.min(16, Math.max(2, Math.ceil(corpus.length / 60)));
      const requests = await inPool(corpus, concurrency, async (d, i): Promise<SentRequest> => {
        kinds[d.kind] = (kinds[d.kind] ?? 0) + 1;
        const answer = await stack.wire.send(stack.webhook.url, {
          method: d.method,
          headers: {
            ...d.headers,
            ...(d.deliveryId === undefined ? {} : { 'x-mirrorflow-delivery': d.deliveryId }),
            ...signatureHeaders(d, stack.webhook.secret),
          },
          ...(d.body === undefined ? {} : { body: d.body }),
        });
        const status = answer.status;
        if (status === null || status < 400 || status >= 500) {
          const key = `${d.kind}/${d.signing} → ${status ?? 'dropped'}`;
          notRefused[key] = (notRefused[key] ?? 0) + 1;
        }
        const accepted = status !== null && status >= 200 && status < 300;
        const answered = (answer.body as { clientToken?: unknown } | undefined)?.clientToken;
        return {
          token: accepted && typeof answered === 'string' ? answered : `unaccepted-${i}`,
          group: `fuzz-${i}`,
          accepted,
        };
      });
      const settled = await stack.settle();
      const { counts } = stack.wire;
      return {
        settled,
        observation: stack.observe(requests, { invalid: true }),
        notes: [
          `${corpus.length} deliveries (${reasonLine(kinds)}); answers ${statusLine(counts)}`,
          `not a 4xx: ${reasonLine(notRefused)}`,
        ],
      };
    } finally {
      await stack.close();
    }
  },
};
