/**
 * Row 1, duplicate storm through EventBridge: N distinct requests, each put on the bus once and delivered to
 * intake-event five times at once (the bus's duplicate deliveries set to 4).
 */
import type { Scenario } from '../scenario.js';
import { statusLine } from '../scenario.js';
import { startRowStack } from '../stack.js';
import type { SentRequest } from '../tally.js';
import { cloudEvent, eventToken, inPool, putEvent } from '../wire.js';
import { mirrorRequest, sourceOf } from '../world.js';

export const DELIVERIES = 5;
const SOURCE = 'chaos.duplicates';

export const duplicateBus: Scenario = {
  id: 'dup-bus',
  title: `duplicate storm, EventBridge (${DELIVERIES}×)`,
  run: async (ctx) => {
    const stack = await startRowStack(ctx, ctx.requests, 1);
    try {
      stack.cloud.stack.bus.setDuplicates(DELIVERIES - 1);
      const ids = Array.from({ length: ctx.requests }, (_, i) => i);
      const requests = await inPool(ids, 16, async (i): Promise<SentRequest> => {
        const id = `dup-${i}`;
        const answer = await putEvent(
          stack.wire,
          stack.cloud.stack.bus.url,
          cloudEvent({ source: SOURCE, id, data: mirrorRequest(i) }),
        );
        return { token: eventToken(SOURCE, id), group: sourceOf(i), accepted: answer.status === 200 };
      });
      const settled = await stack.settle();
      const deliveries = stack.cloud.stack.fc.invocations.filter((x) => x.function === 'intake-event').length;
      return {
        settled,
        observation: stack.observe(requests, { busyIsError: true }),
        notes: [
          `bus answers ${statusLine(stack.wire.counts)}; intake-event invoked ${deliveries} times for ${requests.length} events`,
          stack.events.answersNote(),
        ],
      };
    } finally {
      await stack.close();
    }
  },
};
