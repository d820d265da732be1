/**
 * Rows 4–6, fault storms: a share of every call to every action of the services that inject faults (the VPC
 * API and CloudFlow's fnf API) is throttled (Throttling / Throttling.User / Throttling.Api), answered 5xx
 * (ServiceUnavailable / InternalError) or run with its answer lost (InternalError after the action ran) — one
 * third each of the faulted share, seeded. N distinct requests, half as events, half as webhook deliveries.
 *
 * Requests may end Failed (with a reason); each accepted one must get exactly one completion event. A webhook
 * answered 503 with Retry-After was not accepted: its sender sends the same delivery again after Retry-After
 * (virtual seconds), up to the sender's cap; one still refused then is counted as not accepted (a note says
 * how many). The bus path's last resort is FC's failure destination (dead-letter → Failed Mirror.Undeliverable);
 * a record dead-letter itself could not answer goes to the dead-letter queue, outside the bus: its request
 * shows as lost.
 */
import { parseFaults } from '../../local/faults.js';
import type { Scenario } from '../scenario.js';
import { statusLine } from '../scenario.js';
import { startRowStack } from '../stack.js';
import { type SentRequest, unanswered } from '../tally.js';
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

const SOURCE = 'chaos.faults';
/**
 * The fault rows run at most this fast. Every retry budget is in virtual time (30 s per cloud call, FC's and
 * EventBridge's intervals), while each call's real latency (tens of ms on a busy machine) is stretched by the
 * scale: at ×250 a call costs the budget seconds, and a request gives up after two or three tries, which no
 * cloud does. At ×25 a row takes ~45 s; its answers no longer depend on how busy the machine is.
 */
export const FAULT_TIME_SCALE = 25;

/** The rule that faults `rate` of all calls: each of the three kinds drawn independently at the same rate. */
export function stormRule(rate: number) {
  const each = 1 - Math.cbrt(1 - rate);
  return { throttleRate: each, serverErrorRate: each, lostResponseRate: each };
}

/** How many accepted requests of each trigger got no completion event. */
function lostLine(requests: SentRequest[], events: Parameters<typeof unanswered>[1]): string {
  const lost = unanswered(requests, events);
  const viaBus = lost.filter((r) => r.token.startsWith('mf-ev-')).length;
  return `event ${viaBus}, webhook ${lost.length - viaBus}`;
}

export function faultStorm(rate: number, salt: number): Scenario {
  const percent = Math.round(rate * 100);
  return {
    id: `faults-${percent}`,
    title: `fault storm ${percent} % (VPC + fnf), both triggers`,
    run: async (suite) => {
      const ctx = { ...suite, timeScale: Math.min(suite.timeScale, FAULT_TIME_SCALE) };
      const stack = await startRowStack(ctx, ctx.requests, salt);
      try {
        const seed = (ctx.seed * 1009 + salt) >>> 0;
        stack.cloud.vpc.faults.set(parseFaults({ seed, rules: [stormRule(rate)] }));
        stack.cloud.fnf.faults.set(parseFaults({ seed: (seed + 1) >>> 0, rules: [stormRule(rate)] }));
        let gaveUp = 0;
        const ids = Array.from({ length: ctx.requests }, (_, i) => i);
        const requests = await inPool(ids, 16, async (i): Promise<SentRequest> => {
          const id = `storm-${i}`;
          if (i % 2 === 0) {
            const answer = await putEvent(
              stack.wire,
              stack.cloud.stack.bus.url,
              cloudEvent({ source: SOURCE, id, data: mirrorRequest(i) }),
            );
            return { token: eventToken(SOURCE, id), group: sourceOf(i), accepted: answer.status === 200 };
          }
          const delivery: WebhookDelivery = {
            raw: JSON.stringify({ request: mirrorRequest(i) }),
            deliveryId: id,
            scheme: 'v2',
          };
          const sent = await deliverWebhook(stack.wire, stack.webhook, delivery, stack.sender);
          if (!sent.accepted) gaveUp++;
          return { token: webhookToken(delivery), group: sourceOf(i), accepted: sent.accepted };
        });
        const settled = await stack.settle();
        const faulted = (calls: readonly { code?: string; status?: number }[]) =>
          calls.filter((c) => /^(Throttling|ServiceUnavailable|InternalError)/.test(String(c.code ?? '')))
            .length;
        const { counts } = stack.wire;
        const { fc, bus } = stack.cloud.stack;
        return {
          settled,
          observation: stack.observe(requests),
          notes: [
            `virtual time ×${ctx.timeScale} (retry budgets are virtual: a faster clock would spend them on real latency)`,
            `answers ${statusLine(counts)}: ${counts.busy} busy 503s (Retry-After) sent again, ${gaveUp} webhook deliveries still refused after ${ctx.senderAttempts} attempts (not accepted)`,
            `faulted calls: VPC ${faulted(stack.cloud.vpc.calls)}/${stack.cloud.vpc.calls.length}, fnf ${faulted(stack.cloud.fnf.calls)}/${stack.cloud.fnf.calls.length}; FC failure destination used ${fc.invocations.filter((x) => x.function === 'dead-letter').length}×, dead-letter queue records ${fc.deadLetters.length}, bus deliveries given up ${bus.undelivered.length}`,
            `${stack.events.answersNote()}; accepted but unanswered: ${lostLine(requests, stack.events.events)}`,
          ],
        };
      } finally {
        await stack.close();
      }
    },
  };
}
