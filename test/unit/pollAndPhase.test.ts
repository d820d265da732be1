import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TrafficMirrorSession } from '../../functions/lib/cloud/vpcClient.js';
import { buildCompletionEvent, completionEventId } from '../../functions/lib/contract/completionEvent.js';
import {
  JOB_BYTES_LIMIT,
  type JobItem,
  jobBytes,
  jobItem,
  newJob,
} from '../../functions/lib/contract/flowJob.js';
import { validateMirrorRequest } from '../../functions/lib/contract/request.js';
import { LAG_SHARE, nextDelaySeconds } from '../../functions/lib/steps/pollSchedule.js';
import type { ProvisionResult } from '../../functions/lib/steps/provision.js';
import { jobsFor } from '../../functions/lib/steps/reconcileApply.js';
import { classifySession } from '../../functions/lib/steps/sessionPhase.js';
import { jobFor } from '../../functions/lib/steps/startJob.js';
import { validRequest } from '../helpers/requests.js';

describe('nextDelaySeconds', () => {
  it('is a whole number in CloudFlow Wait range 1–300, never past the deadline', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 5000, noNaN: true }),
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 1, max: 300 }),
        fc.double({ min: 0, max: 5000, noNaN: true }),
        fc.boolean(),
        fc.double({ min: 0, max: 0.999999, noNaN: true }),
        (elapsed, first, max, remaining, throttled, r) => {
          const d = nextDelaySeconds({
            elapsedSeconds: elapsed,
            firstDelaySeconds: first,
            maxDelaySeconds: max,
            remainingSeconds: remaining,
            throttled,
            random: () => r,
          });
          expect(Number.isInteger(d)).toBe(true);
          expect(d).toBeGreaterThanOrEqual(1);
          expect(d).toBeLessThanOrEqual(300);
          if (remaining >= 1) expect(d).toBeLessThanOrEqual(Math.floor(remaining));
        },
      ),
    );
  });

  it('looks first when a session Created at the shortest creation time is due, then within 0.15 × elapsed + 2 s', () => {
    fc.assert(
      fc.property(fc.double({ min: 5, max: 2000, noNaN: true }), (elapsed) => {
        const d = nextDelaySeconds({
          elapsedSeconds: elapsed,
          firstDelaySeconds: 5,
          maxDelaySeconds: 300,
          remainingSeconds: 10_000,
        });
        // A session Created just after this look is seen at the next one: its lag is at most the wait.
        expect(d).toBeLessThanOrEqual(LAG_SHARE * elapsed + 2);
        expect(d).toBeGreaterThanOrEqual(LAG_SHARE * elapsed);
      }),
    );
    const from = (elapsed: number) =>
      nextDelaySeconds({
        elapsedSeconds: elapsed,
        firstDelaySeconds: 5,
        maxDelaySeconds: 20,
        remainingSeconds: 900,
      });
    // Before the shortest creation time (5 s) the first look is due when a session Created at 5 s would be:
    // by 5 + 0.15 × 5 + 2 s, in whole seconds with one of them for rounding (7 s from the start).
    expect([0, 0.4, 3, 5, 10, 20, 40, 60, 200].map(from)).toEqual([7, 7, 4, 2, 3, 4, 7, 10, 20]);
  });

  it('backs off harder after throttling, with equal jitter', () => {
    const look = (throttled: boolean, r: number) =>
      nextDelaySeconds({
        elapsedSeconds: 10,
        firstDelaySeconds: 5,
        maxDelaySeconds: 30,
        remainingSeconds: 1000,
        throttled,
        random: () => r,
      });
    expect(look(false, 0.99)).toBe(3);
    expect(look(true, 0)).toBe(5);
    expect(look(true, 0.999999)).toBe(10);
  });
});

const session = (overrides: Partial<TrafficMirrorSession> = {}): TrafficMirrorSession => ({
  TrafficMirrorSessionId: 'tms-1',
  TrafficMirrorSessionStatus: 'Created',
  TrafficMirrorSessionBusinessStatus: 'Normal',
  Enabled: true,
  Priority: 1,
  TrafficMirrorFilterId: 'tmf-1',
  TrafficMirrorSourceIds: ['eni-1'],
  TrafficMirrorTargetId: 'eni-2',
  TrafficMirrorTargetType: 'NetworkInterface',
  Tags: [],
  ...overrides,
});

describe('classifySession', () => {
  it.each([
    [session(), true, 'ready', 'Created'],
    [session({ TrafficMirrorSessionStatus: 'Creating' }), true, 'pending', 'Creating'],
    [session({ TrafficMirrorSessionStatus: 'Modifying' }), true, 'pending', 'Modifying'],
    [session({ TrafficMirrorSessionStatus: 'Deleting' }), true, 'failed', 'Mirror.SessionDeleting'],
    [undefined, true, 'failed', 'Mirror.SessionVanished'],
    [
      session({ TrafficMirrorSessionBusinessStatus: 'FinancialLocked' }),
      true,
      'failed',
      'Mirror.FinancialLocked',
    ],
    [session({ Enabled: false }), true, 'failed', 'Mirror.EnabledMismatch'],
    [session({ Enabled: false }), false, 'ready', 'Created'],
    [session({ TrafficMirrorSessionStatus: 'Weird' }), true, 'failed', 'Mirror.UnknownStatus'],
  ])('%# → %s', (s, wantEnabled, state, reason) => {
    const verdict = classifySession(s, wantEnabled);
    expect(verdict).toMatchObject({ state, reason });
    if (state === 'failed')
      expect(verdict.error).toMatchObject({ code: reason, retryable: false, hint: expect.any(String) });
  });
});

describe('the job and its completion events', () => {
  const request = (() => {
    const v = validateMirrorRequest(
      validRequest({ Correlation: { ticket: 'SEC-1' }, ClientToken: 'tok-1', DryRun: false }),
    );
    if (!v.ok) throw new Error('fixture');
    return v.value;
  })();
  const created: ProvisionResult = {
    outcome: 'Created',
    sessionId: 'tms-9',
    priority: 20000,
    clientToken: 'tok-1',
    request,
  };

  it('says a Wait of the shortest creation time before the first look only for sessions the trigger just created', () => {
    const runtime = {
      config: { eventBusName: 'mirrorflow', pollDeadlineSeconds: 900, pollFirstDelaySeconds: 7 },
      accountId: '1234567890123456',
      now: () => Date.parse('2026-11-30T00:00:00Z'),
    } as Parameters<typeof jobFor>[2];
    const fresh = jobItem(created, 'event', '1234567890123456');
    const existing = jobItem({ ...created, outcome: 'AlreadyExists' }, 'event', '1234567890123456');
    expect(jobFor('exec-1', [fresh], runtime).nextDelaySeconds).toBe(7);
    // Anything else is looked at (or answered) at once.
    expect(jobFor('exec-2', [fresh, existing], runtime).nextDelaySeconds).toBe(1);
    expect(jobFor('exec-3', [existing], runtime).nextDelaySeconds).toBe(1);
    // A reconcile chunk's sessions were created over the chunk, before its hand-off.
    const chunk = jobItem(created, 'reconcile', '1234567890123456');
    expect(jobFor('exec-4', [chunk], runtime).nextDelaySeconds).toBe(1);
    // A redelivery's session was created by the delivery before it: the item says so, and it is looked at.
    const redelivered = jobItem({ ...created, createdEarlier: true }, 'event', '1234567890123456');
    expect(redelivered).toMatchObject({ provisioning: 'Created', createdEarlier: true });
    expect(fresh).not.toHaveProperty('createdEarlier');
    expect(jobFor('exec-5', [redelivered], runtime).nextDelaySeconds).toBe(1);
  });

  it('keeps the request without Correlation, ClientToken and DryRun, and the correlation beside it', () => {
    const item = jobItem(created, 'event', '1234567890123456');
    expect(item.request).not.toHaveProperty('Correlation');
    expect(item.request).not.toHaveProperty('ClientToken');
    expect(item.correlation).toEqual({ ticket: 'SEC-1' });
    expect(item.subject).toBe('acs:vpc:cn-hangzhou:1234567890123456:trafficmirrorsession/tms-9');
  });

  it('derives the event id from the execution, the token and the outcome', () => {
    const job = newJob({
      executionName: 'exec-1',
      eventBusName: 'bus',
      accountId: '1',
      now: 0,
      deadlineSeconds: 60,
      items: [],
    });
    const item: JobItem = { ...jobItem(created, 'event', '1'), state: 'ready', reason: 'Created' };
    const event = buildCompletionEvent(job, item, 42_000);
    expect(event).toMatchObject({
      id: completionEventId('exec-1', 'tok-1', 'Ready'),
      type: 'mirrorflow:TrafficMirrorSession:Ready',
      eventBusName: 'bus',
    });
    expect(event.data).toMatchObject({
      outcome: 'Ready',
      elapsedSeconds: 42,
      clientToken: 'tok-1',
      executionName: 'exec-1',
    });
    expect(event.data).not.toHaveProperty('error');
    const failed = buildCompletionEvent(
      job,
      {
        ...item,
        state: 'failed',
        reason: 'Mirror.Timeout',
        error: { code: 'Mirror.Timeout', message: 'm', hint: 'h', retryable: false },
      },
      0,
    );
    expect(failed.id).toBe('exec-1:tok-1:Failed');
    expect(failed.data.error).toMatchObject({ code: 'Mirror.Timeout' });
  });

  it('an invalid request becomes an item that has already failed, with the problems as the message', () => {
    const item = jobItem(
      {
        outcome: 'Invalid',
        clientToken: 'tok-x',
        problems: [{ path: 'Priority', rule: 'must be…' }],
        raw: { Priority: 0, Correlation: { ticket: 'SEC-7', '1bad': 'x', long: 'y'.repeat(300), n: 5 } },
      },
      'event',
      '1',
    );
    // It still carries what could be read: the request as received and its valid correlation entries.
    expect(item).toMatchObject({
      sessionId: null,
      request: { Priority: 0 },
      correlation: { ticket: 'SEC-7' },
      failure: { code: 'Mirror.InvalidRequest', message: 'Priority: must be…' },
    });
    expect(Object.keys(item.correlation)).toEqual(['ticket']);
  });

  it('an invalid item stays small: a big raw request is left out, and at most 20 problems are named', () => {
    const problems = Array.from({ length: 1500 }, (_, i) => ({ path: `k${i}`, rule: 'is not a field' }));
    const raw = Object.fromEntries(problems.map((p) => [p.path, 'v'.repeat(10)]));
    const item = jobItem({ outcome: 'Invalid', clientToken: 'tok-y', problems, raw }, 'event', '1');
    expect(item.request).toBeNull();
    expect(item.failure!.message).toMatch(/^k0: is not a field; .*k19: is not a field; and 1480 more/);
    expect(Buffer.byteLength(JSON.stringify(item))).toBeLessThan(4096);
    expect(
      jobItem({ outcome: 'Invalid', clientToken: 't', problems, raw: 'not json' }, 'event', '1'),
    ).toMatchObject({ request: null, correlation: {} });
  });

  it('a 100-request reconcile batch is split, deterministically, into jobs that fit the state limit', () => {
    const items = Array.from({ length: 100 }, (_, i) =>
      jobItem(
        {
          ...created,
          sessionId: `tms-${'x'.repeat(20)}${i}`,
          clientToken: `mf-rc-${'0'.repeat(40)}`,
          request: {
            ...request,
            Correlation: { reconcileEntry: `entry-${i}`, reconcileRun: '2026-11-22T03:00:00Z' },
          },
        },
        'reconcile',
        '1234567890123456',
      ),
    );
    const make = (executionName: string, part: JobItem[]) =>
      newJob({
        executionName,
        eventBusName: 'mirrorflow',
        accountId: '1234567890123456',
        now: 0,
        deadlineSeconds: 900,
        items: part,
      });
    expect(jobBytes(make('whole', items))).toBeGreaterThan(JOB_BYTES_LIMIT); // one job would not fit
    const jobs = jobsFor(items, () => 'mfb-x', make);
    expect(jobs.length).toBeGreaterThan(1);
    expect(jobs.flatMap((j) => j.items)).toEqual(items);
    for (const job of jobs) expect(jobBytes(job)).toBeLessThanOrEqual(JOB_BYTES_LIMIT);
    expect(jobsFor(items, () => 'mfb-x', make).map((j) => j.executionName)).toEqual(
      jobs.map((j) => j.executionName),
    );
    expect(new Set(jobs.map((j) => j.executionName)).size).toBe(jobs.length);
  });
});
