/** The reconcile run's Completed event: built once, valid against its published schema, cut to fit the flow. */
import { describe, expect, it } from 'vitest';
import { EMIT_CHUNK_BYTES } from '../../functions/lib/contract/flowJob.js';
import {
  buildReconcileCompletedEvent,
  reconcileCounts,
  runAbandonment,
} from '../../functions/lib/contract/reconcileEvent.js';
import { emptyLists } from '../../functions/lib/steps/reconcileReport.js';
import { assertReconcileEvent } from '../helpers/eventSchema.js';

const run = (lists = emptyLists()) => ({
  triggerTime: '2026-11-22T03:00:00Z',
  mode: 'apply' as const,
  owner: 'mirrorflow',
  regions: ['cn-hangzhou'],
  prune: true,
  lists,
});
const target = { eventBusName: 'mirrorflow', executionName: 'mfc-0123abcd' };
const asCloudEvent = (params: ReturnType<typeof buildReconcileCompletedEvent>) => {
  const { eventBusName: _bus, ...rest } = params;
  return { specversion: '1.0', ...rest };
};

describe('runAbandonment: why the flow gave up on a run, fit for an event', () => {
  it("keeps the function's message, never its stack trace or a secret, whichever form the detail has", () => {
    const presigned =
      'https://u:p@b.oss-cn-hangzhou.aliyuncs.com/d.yaml?OSSAccessKeyId=STS.k&Signature=s%3D&security-token=t#f';
    expect(
      runAbandonment({
        code: 'Error',
        detail: `fetching the desired state from ${presigned} answered HTTP 500`,
      }),
    ).toEqual({
      code: 'Error',
      message:
        'fetching the desired state from https://b.oss-cn-hangzhou.aliyuncs.com/d.yaml answered HTTP 500',
    });
    const stack =
      'Error: boom\n    at loadDesiredState (/code/index.js:1:2)\n    at run (/code/index.js:3:4)';
    // FC's error body as JSON, stack trace included; a secret given is redacted.
    const body = JSON.stringify({
      errorMessage: 'boom sk-LONGSECRET',
      errorType: 'Error',
      stackTrace: [stack],
    });
    expect(runAbandonment({ code: 'Error', detail: body }, ['sk-LONGSECRET'])).toEqual({
      code: 'Error',
      message: 'boom [redacted]',
    });
    // A body without a message gives none of itself; a message with its stack (or an escaped one) the first line.
    expect(runAbandonment({ code: 'E', detail: JSON.stringify({ stackTrace: [stack] }) }).message).toBe('E');
    expect(runAbandonment({ code: 'FC.Timeout', detail: stack }).message).toBe('Error: boom');
    expect(runAbandonment({ code: 'E', detail: 'Error: boom\\n    at x (/code/index.js:1:2)' }).message).toBe(
      'Error: boom',
    );
    expect(runAbandonment({ code: 'E', detail: 'x'.repeat(2000) }).message).toHaveLength(501);
    expect(runAbandonment({})).toEqual({ code: 'FnF.Unknown', message: 'FnF.Unknown' });
  });

  it('makes the run event Abandoned, with the error, and still valid against the schema', () => {
    const built = buildReconcileCompletedEvent(
      { ...run(), abandoned: { code: 'Error', message: 'boom' } },
      reconcileCounts(emptyLists(), 3),
      target,
    );
    expect(built.data).toMatchObject({ outcome: 'Abandoned', error: { code: 'Error', message: 'boom' } });
    assertReconcileEvent(asCloudEvent(built));
  });
});

describe('mirrorflow:Reconcile:Completed', () => {
  it('carries counts and lists, and passes the published schema', () => {
    const lists = emptyLists();
    lists.created.push({ name: 'a', sessionId: 'tms-a', regionId: 'cn-hangzhou' });
    lists.updated.push({ name: 'b', sessionId: 'tms-b', regionId: 'cn-hangzhou', changed: ['Enabled'] });
    lists.deleted.push({ sessionId: 'tms-c', regionId: 'cn-hangzhou', reason: 'pruned', entry: 'c' });
    lists.failed.push({
      name: 'd',
      error: { code: 'ResourceNotFound.NetworkInterface', message: 'm', hint: 'h', retryable: false },
      announced: 'earlier',
    });
    lists.invalid.push({
      name: 'e',
      problems: [{ path: 'Priority', rule: 'must be 1–32766' }],
      announced: 'now',
    });
    const event = buildReconcileCompletedEvent(run(lists), reconcileCounts(lists, 5), target);
    expect(event).toMatchObject({
      id: 'mfc-0123abcd:Completed',
      type: 'mirrorflow:Reconcile:Completed',
      subject: 'mirrorflow:reconcile/2026-11-22T03:00:00Z',
      data: {
        counts: { desired: 5, created: 1, updated: 1, deleted: 1, failed: 1, invalid: 1, unchanged: 0 },
      },
    });
    assertReconcileEvent(asCloudEvent(event));
    expect(() =>
      assertReconcileEvent({ ...asCloudEvent(event), data: { ...event.data, counts: {} } }),
    ).toThrow(/counts/);
  });

  it('cuts the longest lists to fit the flow, keeps the counts whole and says what it cut', () => {
    const lists = emptyLists();
    for (let i = 0; i < 5000; i++) lists.unchanged.push(`entry-${i}`);
    for (let i = 0; i < 300; i++)
      lists.created.push({ name: `n${i}`, sessionId: `tms-${i}`, regionId: 'cn-hangzhou' });
    const event = buildReconcileCompletedEvent(run(lists), reconcileCounts(lists, 5300), target);
    const data = event.data as { counts: Record<string, number>; unchanged: string[]; truncated: string[] };
    expect(Buffer.byteLength(JSON.stringify(event))).toBeLessThanOrEqual(EMIT_CHUNK_BYTES);
    expect(data.counts.unchanged).toBe(5000);
    expect(data.counts.created).toBe(300);
    expect(data.unchanged.length).toBeLessThan(5000);
    expect(data.truncated).toContain('unchanged');
    assertReconcileEvent(asCloudEvent(event));
  });
});
