/**
 * Row 8, fuzz through EventBridge: malformed and invalid request events (seeded; fuzz.ts). Each event the bus
 * accepts must be answered by exactly one Failed completion event, and none may reach the VPC API. Envelopes
 * that are no valid CloudEvent must be refused by the bus (they are sent, not accepted).
 */
import { fuzzEvents } from '../fuzz.js';
import type { Scenario } from '../scenario.js';
import { reasonLine, statusLine } from '../scenario.js';
import { startRowStack } from '../stack.js';
import type { SentRequest } from '../tally.js';
import { eventToken, inPool, putEvent } from '../wire.js';

export const fuzzBus: Scenario = {
  id: 'fuzz-bus',
  title: 'fuzz, EventBridge (invalid requests)',
  run: async (ctx) => {
    const stack = await startRowStack(ctx, 1, 8);
    try {
      const corpus = fuzzEvents(ctx.fuzzCount, (ctx.seed * 8 + 1) >>> 0);
      let badEnvelopesAccepted = 0;
      // A small corpus is sent a few at a time, so a smoke run starts few function instances.
      const concurrency = Math.min(24, Math.max(2, Math.ceil(corpus.length / 40)));
      const requests = await inPool(corpus, concurrency, async (event, i): Promise<SentRequest> => {
        const answer = await putEvent(stack.wire, stack.cloud.stack.bus.url, event.body);
        const accepted = answer.status === 200;
        if (accepted && event.envelope === 'bad') badEnvelopesAccepted++;
        return { token: eventToken(event.source, event.id), group: `fuzz-${i}`, accepted, expect: 'Failed' };
      });
      const settled = await stack.settle();
      const { counts } = stack.wire;
      const types: Record<string, number> = {};
      for (const e of corpus) {
        const key = e.envelope === 'bad' ? 'bad envelope' : String(e.body.type).split(':').pop()!;
        types[key] = (types[key] ?? 0) + 1;
      }
      return {
        settled,
        observation: stack.observe(requests, { invalid: true }),
        notes: [
          `${corpus.length} events (${reasonLine(types)}); bus answers ${statusLine(counts)}; bad envelopes accepted ${badEnvelopesAccepted}`,
          stack.events.answersNote(),
        ],
      };
    } finally {
      await stack.close();
    }
  },
};
