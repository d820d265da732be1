/**
 * Row 3, the same request through two triggers at once: for each of N requests, an EventBridge event and a
 * webhook delivery with identical sources, target and filter, sent together. One session per logical request;
 * each trigger answered once (one Created, the other AlreadyExists — both Ready events); never a Failed after
 * a Ready for the same logical request.
 */
import type { Scenario } from '../scenario.js';
import { reasonLine, statusLine } from '../scenario.js';
import { startRowStack } from '../stack.js';
import type { SentRequest } from '../tally.js';
import {
  cloudEvent,
  deliverWebhook,
  eventToken,
  inPool,
  putEvent,
  type WebhookDelivery,
  webhookToken,
} from '../wire.js';
import { mirrorRequest, sourceOf } from '../world.js';

const SOURCE = 'chaos.twins';

export const twoTriggers: Scenario = {
  id: 'twins',
  title: 'same request, bus + webhook at once',
  run: async (ctx) => {
    const stack = await startRowStack(ctx, ctx.requests, 3);
    try {
      const ids = Array.from({ length: ctx.requests }, (_, i) => i);
      const webhookOutcomes: Record<string, number> = {};
      const pairs = await inPool(ids, 8, async (i): Promise<SentRequest[]> => {
        const id = `twin-${i}`;
        const delivery: WebhookDelivery = {
          raw: JSON.stringify({ request: mirrorRequest(i) }),
          deliveryId: id,
          scheme: 'v2',
        };
        const [event, hook] = await Promise.all([
          putEvent(
            stack.wire,
            stack.cloud.stack.bus.url,
            cloudEvent({ source: SOURCE, id, data: mirrorRequest(i) }),
          ),
          deliverWebhook(stack.wire, stack.webhook, delivery, stack.sender),
        ]);
        const outcome = String(
          (hook.last.body as { outcome?: unknown } | undefined)?.outcome ?? hook.last.status,
        );
        webhookOutcomes[outcome] = (webhookOutcomes[outcome] ?? 0) + 1;
        return [
          { token: eventToken(SOURCE, id), group: sourceOf(i), accepted: event.status === 200 },
          { token: webhookToken(delivery), group: sourceOf(i), accepted: hook.accepted },
        ];
      });
      const settled = await stack.settle();
      const provisioning: Record<string, number> = {};
      for (const e of stack.cloud.stack.bus.events) {
        if (e.type !== 'mirrorflow:TrafficMirrorSession:Ready') continue;
        const p = String((e.data as { provisioning?: unknown }).provisioning);
        provisioning[p] = (provisioning[p] ?? 0) + 1;
      }
      const { counts } = stack.wire;
      return {
        settled,
        observation: stack.observe(pairs.flat()),
        notes: [
          `answers ${statusLine(counts)}; webhook outcomes ${reasonLine(webhookOutcomes)}; Ready events by provisioning: ${reasonLine(provisioning)}`,
          stack.events.answersNote(),
        ],
      };
    } finally {
      await stack.close();
    }
  },
};
