/** The published completion-event schema: every event mirrorflow builds passes; broken ones do not. */
import { describe, expect, it } from 'vitest';
import { buildCompletionEvent } from '../../functions/lib/contract/completionEvent.js';
import { jobItem, newJob } from '../../functions/lib/contract/flowJob.js';
import { assertCompletionEvent } from '../helpers/eventSchema.js';
import { validRequest } from '../helpers/requests.js';

const now = Date.parse('2026-11-29T10:00:00Z');
const request = { ...validRequest(), Enabled: true };
const asCloudEvent = (params: ReturnType<typeof buildCompletionEvent>) => {
  const { eventBusName: _bus, ...rest } = params;
  return { specversion: '1.0', ...rest };
};

describe('the completion-event schema', () => {
  const job = newJob({
    executionName: 'mf-ev-1',
    eventBusName: 'mirrorflow',
    accountId: '123',
    now,
    deadlineSeconds: 900,
    items: [],
  });

  it('takes every outcome mirrorflow builds', () => {
    const ready = jobItem(
      { outcome: 'Created', clientToken: 'mf-ev-1', request, sessionId: 'tms-abc', priority: 5 },
      'event',
      '123',
    );
    ready.state = 'ready';
    const failed = jobItem(
      {
        outcome: 'Rejected',
        clientToken: 'mf-ev-1',
        request,
        error: { code: 'X', message: 'm', hint: 'h', retryable: false },
      },
      'event',
      '123',
    );
    failed.state = 'failed';
    failed.error = failed.failure;
    for (const item of [ready, failed])
      assertCompletionEvent(asCloudEvent(buildCompletionEvent(job, item, now)));
  });

  it('refuses a Failed event without its error, an outcome that contradicts the type, and an unknown type', () => {
    const item = jobItem(
      { outcome: 'Created', clientToken: 'mf-ev-1', request, sessionId: 'tms-abc', priority: 5 },
      'event',
      '123',
    );
    item.state = 'ready';
    const good = asCloudEvent(buildCompletionEvent(job, item, now));
    const broken = [
      { ...good, type: 'mirrorflow:TrafficMirrorSession:Failed', data: { ...good.data, outcome: 'Failed' } },
      { ...good, type: 'mirrorflow:TrafficMirrorSession:Deleted' },
      { ...good, type: 'mirrorflow:TrafficMirrorSession:Gone' },
      { ...good, data: { ...good.data, correlation: { ticket: 42 } } },
    ];
    for (const event of broken)
      expect(() => assertCompletionEvent(event)).toThrow(/breaks the completion-event schema/);
  });
});
