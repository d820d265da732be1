/**
 * Row 7, replays after completion: N requests (a third signed webhook v2, a third X-Hub-Signature webhook, a
 * third EventBridge events) are sent and answered; then each is replayed as an attacker or a late platform
 * would:
 * - v2 as captured (same delivery id, signature and timestamp): the same request (2xx, same ClientToken);
 * - v2 captured, under a new delivery id (v2 signs the delivery id): refused, 401;
 * - v2 captured ten minutes before (same body and delivery id, its timestamp 600 s old, outside ±300 s): 401;
 * - X-Hub-Signature as captured, and under a new delivery id (the body names the request): the same request;
 * - the event redelivered by the bus (same source and id): accepted, and nothing new.
 * Every answer must be the same request or a refusal; no new session and no new completion event may follow.
 * A 2xx naming another request counts as a duplicate.
 */
import type { Scenario } from '../scenario.js';
import { reasonLine, statusLine } from '../scenario.js';
import { startRowStack } from '../stack.js';
import type { SentRequest } from '../tally.js';
import {
  type Answer,
  cloudEvent,
  deliverWebhook,
  eventToken,
  inPool,
  putEvent,
  signedHeaders,
  type WebhookDelivery,
  webhookToken,
} from '../wire.js';
import { mirrorRequest, sourceOf } from '../world.js';

const SOURCE = 'chaos.replays';

type Verdict = 'same' | 'refused' | 'new' | 'failed';

export const replays: Scenario = {
  id: 'replays',
  title: 'replays after completion',
  run: async (ctx) => {
    const stack = await startRowStack(ctx, ctx.requests, 7);
    try {
      const busUrl = stack.cloud.stack.bus.url;
      const ids = Array.from({ length: ctx.requests }, (_, i) => i);
      const originals = await inPool(ids, 16, async (i) => {
        const id = `replay-${i}`;
        if (i % 3 === 2) {
          const event = cloudEvent({ source: SOURCE, id, data: mirrorRequest(i) });
          const answer = await putEvent(stack.wire, busUrl, event);
          const request: SentRequest = {
            token: eventToken(SOURCE, id),
            group: sourceOf(i),
            accepted: answer.status === 200,
          };
          return { request, event };
        }
        const delivery: WebhookDelivery = {
          raw: JSON.stringify({ request: mirrorRequest(i), correlation: { ticket: `RPL-${i}` } }),
          deliveryId: id,
          scheme: i % 3 === 0 ? 'v2' : 'hub',
        };
        const sent = await deliverWebhook(stack.wire, stack.webhook, delivery, stack.sender);
        const request: SentRequest = {
          token: webhookToken(delivery),
          group: sourceOf(i),
          accepted: sent.accepted,
        };
        return { request, delivery, headers: sent.acceptedHeaders };
      });
      await stack.settle();

      const verdicts: Record<string, number> = {};
      let answeredAsNew = 0;
      const judge = (kind: string, answer: Answer, token: string, expected: 'same' | 'refused') => {
        let verdict: Verdict = 'failed';
        if (answer.status !== null && answer.status >= 200 && answer.status < 300) {
          const answered = (answer.body as { clientToken?: unknown } | undefined)?.clientToken;
          verdict = answered === token ? 'same' : 'new';
        } else if (answer.status !== null && answer.status >= 400 && answer.status < 500) verdict = 'refused';
        if (verdict === 'new') answeredAsNew++;
        const key = `${kind} ${verdict}${verdict === expected ? '' : ' (!)'}`;
        verdicts[key] = (verdicts[key] ?? 0) + 1;
      };
      const post = (raw: string, headers: Record<string, string>) =>
        stack.wire.send(stack.webhook.url, { method: 'POST', headers, body: raw });
      await inPool(originals, 16, async (original, i) => {
        const { request } = original;
        if (!request.accepted) return;
        if ('event' in original) {
          const answer = await putEvent(stack.wire, busUrl, original.event);
          verdicts[`event redelivered ${answer.status}`] =
            (verdicts[`event redelivered ${answer.status}`] ?? 0) + 1;
          return;
        }
        const { delivery, headers } = original;
        if (!headers) return;
        const newId = { ...headers, 'x-mirrorflow-delivery': `forged-${i}` };
        if (delivery.scheme === 'v2') {
          judge('v2 as captured', await post(delivery.raw, headers), request.token, 'same');
          judge('v2 new delivery id', await post(delivery.raw, newId), request.token, 'refused');
          const old = signedHeaders(delivery, stack.webhook.secret, Math.floor(Date.now() / 1000) - 600);
          judge('v2 10 min old', await post(delivery.raw, old), request.token, 'refused');
        } else {
          judge('hub as captured', await post(delivery.raw, headers), request.token, 'same');
          judge('hub new delivery id', await post(delivery.raw, newId), request.token, 'same');
        }
      });
      const settled = await stack.settle();
      const { counts } = stack.wire;
      return {
        settled,
        observation: stack.observe(
          originals.map((o) => o.request),
          { replaysAnsweredAsNew: answeredAsNew },
        ),
        notes: [
          `replays: ${reasonLine(verdicts)} ((!) = not the expected answer)`,
          `answers ${statusLine(counts)}; ${stack.events.answersNote()}`,
        ],
      };
    } finally {
      await stack.close();
    }
  },
};
