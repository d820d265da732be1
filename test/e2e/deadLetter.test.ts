/**
 * No silent ends: a request intake-event can never take — the cloud throttles every attempt, through all of
 * FC's async retries — goes to intake-event's failure destination, the dead-letter function, and is answered
 * with one Failed event `Mirror.Undeliverable` naming the cause. A request that did get through is not
 * answered twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalCloud } from '../../infra/local/cloud.js';
import {
  completionEvents,
  putRequestEvent,
  settle,
  startTestCloud,
  waitForCompletion,
} from '../helpers/localCloud.js';
import { demoRequest, faultRule } from '../helpers/requests.js';

let cloud: LocalCloud;
beforeAll(async () => {
  // A short retry budget: each intake-event attempt gives up quickly, so FC's retries run out soon.
  cloud = await startTestCloud({ env: { MIRRORFLOW_RETRY_MAX_ATTEMPTS: '2' } });
}, 120_000);
afterAll(() => cloud?.close());

describe('a request intake-event can never take', () => {
  it('is answered once, Failed with Mirror.Undeliverable and the cause, with what could be read of it', async () => {
    cloud.vpc.faults.set({ rules: [faultRule({ throttleRate: 1 })] });
    const token = await putRequestEvent(cloud, {
      source: 'acs.test.tickets',
      id: 'storm-1',
      type: 'Submitted',
      data: demoRequest('eni-bp1web01', { Correlation: { ticket: 'SEC-500' } }),
    });
    const [failed] = await waitForCompletion(cloud, token);
    cloud.vpc.faults.set({ rules: [] });
    await settle(cloud);
    expect(failed).toMatchObject({
      type: 'mirrorflow:TrafficMirrorSession:Failed',
      data: {
        reason: 'Mirror.Undeliverable',
        operation: 'create',
        trigger: 'event',
        correlation: { ticket: 'SEC-500' },
        request: { TrafficMirrorSourceIds: ['eni-bp1web01'] },
        error: { code: 'Mirror.Undeliverable', message: expect.stringMatching(/Throttling/) },
      },
    });
    expect(completionEvents(cloud, token)).toHaveLength(1);
    // Every attempt was intake-event's: 1 + FC's 3 retries, then the destination once.
    const attempts = cloud.stack.fc.invocations.filter((i) => i.function === 'intake-event');
    expect(attempts.length).toBeGreaterThanOrEqual(4);
    expect(cloud.stack.fc.invocations.filter((i) => i.function === 'dead-letter')).toHaveLength(1);
    expect(cloud.vpc.model.liveSessions().filter((s) => s.sourceIds.includes('eni-bp1web01'))).toEqual([]);
  });
});
