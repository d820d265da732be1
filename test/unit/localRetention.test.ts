/**
 * The local cloud stays within memory on a long run: the bus keeps its newest events (readers still count
 * over all of them), and CloudFlow drops the history, input and output of its oldest finished executions but never their names.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../infra/local/clock.js';
import type { EventBridgeModel, StoredEvent } from '../../infra/local/eventbridge/model.js';
import { EventRouter } from '../../infra/local/eventbridge/router.js';
import { loadFlowFile } from '../../infra/local/fnf/flows.js';
import { ExecutionStore } from '../../infra/local/fnf/model.js';
import { NonceMemory } from '../../infra/local/signing.js';

const event = (i: number) => ({ id: `e-${i}`, source: 'test', type: 't', specversion: '1.0' }) as StoredEvent;

describe('the local bus keeps its newest events', () => {
  it('drops the oldest beyond the cap, and reads from a position counted over every event', () => {
    const model = { refusal: () => undefined, matching: () => [] } as unknown as EventBridgeModel;
    const router = new EventRouter(model, new ManualClock(), async () => {}, 5);
    router.accept(
      Array.from({ length: 12 }, (_, i) => event(i)),
      () => 'mirrorflow',
    );
    expect(router.events.map((e) => e.id)).toEqual(['e-7', 'e-8', 'e-9', 'e-10', 'e-11']);
    expect(router.arrivals).toHaveLength(5);
    expect(router.accepted).toBe(12);
    expect(router.eventsSince(10).map((e) => e.id)).toEqual(['e-10', 'e-11']);
    expect(router.eventsSince(0).map((e) => e.id)).toEqual(['e-7', 'e-8', 'e-9', 'e-10', 'e-11']);
  });
});

describe('the local CloudFlow keeps the history of its newest finished executions', () => {
  it('drops older histories, never an execution: a finished name is still refused', async () => {
    const flow = { ...loadFlowFile('workflows/session-ready.yaml'), Name: 'tiny' };
    const clock = new ManualClock();
    // A flow whose first Task fails at once: each execution ends quickly, with some history.
    const integrations = {
      invokeFunction: async () => {
        throw new Error('no function here');
      },
      putEvents: async () => ({}),
    };
    const store = new ExecutionStore({ flows: new Map([['tiny', flow]]), integrations, clock } as never, 2);
    const names = ['x-1', 'x-2', 'x-3', 'x-4'];
    for (const name of names) {
      const execution = store.start({
        FlowName: 'tiny',
        ExecutionName: name,
        Input: '{"job":{"items":[],"notices":[]}}',
      });
      while (execution.status === 'Running') {
        clock.advance(600_000);
        await execution.waitForEnd(50);
      }
    }
    const kept = names.map((n) => store.find({ FlowName: 'tiny', ExecutionName: n }).events.length > 0);
    expect(kept).toEqual([false, false, true, true]);
    // The older ones keep their status, not their input.
    const oldest = store.find({ FlowName: 'tiny', ExecutionName: 'x-1' });
    expect(oldest.status).toBe('Failed');
    expect(oldest.input).toEqual({});
    expect(store.find({ FlowName: 'tiny', ExecutionName: 'x-4' }).input).toEqual({
      job: { items: [], notices: [] },
    });
    expect(() => store.start({ FlowName: 'tiny', ExecutionName: 'x-1', Input: '{}' })).toThrow(
      /already exists/,
    );
  });
});

describe('the signature nonces of the local APIs', () => {
  it('refuses a nonce used within the window, keeps it at least one window and at most two', () => {
    const nonces = new NonceMemory(1_000);
    expect(nonces.remember('n-1', 0)).toBe(true);
    expect(nonces.remember('n-1', 999)).toBe(false);
    expect(nonces.remember('n-2', 500)).toBe(true);
    // A window later a new generation starts; the last one's nonces are still refused.
    expect(nonces.remember('n-3', 1_000)).toBe(true);
    expect(nonces.remember('n-1', 1_500)).toBe(false);
    expect(nonces.remember('n-2', 1_999)).toBe(false);
    expect(nonces.size).toBe(3);
    // Two windows on, the first generation is gone: only what came since is kept.
    expect(nonces.remember('n-4', 2_000)).toBe(true);
    expect(nonces.size).toBe(2);
    expect(nonces.remember('n-1', 2_100)).toBe(true);
    expect(nonces.remember('n-3', 2_200)).toBe(false);
    // After a long quiet spell nothing old is kept.
    expect(nonces.remember('n-5', 10_000)).toBe(true);
    expect(nonces.size).toBe(1);
  });
});
