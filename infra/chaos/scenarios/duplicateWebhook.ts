/**
 * Row 2, duplicate storm through the webhook: N distinct requests, each POSTed five times at once with the
 * same delivery id (signed v2, so the delivery id names the request). Every 2xx answer to one delivery must
 * name the same request; one naming another counts as a duplicate.
 */
import type { Scenario } from '../scenario.js';
import { statusLine } from '../scenario.js';
import { startRowStack } from '../stack.js';
import type { SentRequest } from '../tally.js';
import { deliverWebhook, inPool, type WebhookDelivery, webhookToken } from '../wire.js';
import { mirrorRequest, sourceOf } from '../world.js';
import { DELIVERIES } from './duplicateBus.js';

export const duplicateWebhook: Scenario = {
  id: 'dup-webhook',
  title: `duplicate storm, webhook (${DELIVERIES}×)`,
  run: async (ctx) => {
    const stack = await startRowStack(ctx, ctx.requests, 2);
    try {
      let answeredAsNew = 0;
      let otherBodies = 0;
      const ids = Array.from({ length: ctx.requests }, (_, i) => i);
      const requests = await inPool(ids, 8, async (i): Promise<SentRequest> => {
        const delivery: WebhookDelivery = {
          raw: JSON.stringify({ request: mirrorRequest(i), correlation: { ticket: `CHAOS-${i}` } }),
          deliveryId: `dup-${i}`,
          scheme: 'v2',
        };
        const token = webhookToken(delivery);
        const copies = await Promise.all(
          Array.from({ length: DELIVERIES }, () =>
            deliverWebhook(stack.wire, stack.webhook, delivery, stack.sender),
          ),
        );
        const accepted = copies.filter((c) => c.accepted);
        answeredAsNew += accepted.filter((c) => c.answeredToken !== token).length;
        otherBodies += new Set(accepted.map((c) => JSON.stringify(c.last.body))).size > 1 ? 1 : 0;
        return { token, group: sourceOf(i), accepted: accepted.length > 0 };
      });
      const settled = await stack.settle();
      const { counts } = stack.wire;
      return {
        settled,
        observation: stack.observe(requests, { replaysAnsweredAsNew: answeredAsNew }),
        notes: [
          `webhook answers ${statusLine(counts)} (${counts.busy} busy 503s sent again after Retry-After); ${otherBodies} deliveries got differing 2xx bodies, ${answeredAsNew} copies answered as another request`,
          stack.events.answersNote(),
        ],
      };
    } finally {
      await stack.close();
    }
  },
};
