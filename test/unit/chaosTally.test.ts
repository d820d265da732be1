/**
 * The chaos suite's counting (infra/chaos/tally.ts), held to the definitions printed under its table:
 * answered once, duplicates, lost, 5xx, VPC calls from invalid input, and the goals a row misses.
 */
import { describe, expect, it } from 'vitest';
import {
  missedGoals,
  type RowObservation,
  type SeenEvent,
  seenEvents,
  sessionsPerGroup,
  tally,
} from '../../infra/chaos/tally.js';

const T = 'mirrorflow:TrafficMirrorSession:';
const ev = (id: string, outcome: string, token: string | undefined): SeenEvent => ({
  id,
  type: `${T}${outcome}`,
  token,
});
const observe = (partial: Partial<RowObservation>): RowObservation => ({
  requests: [],
  events: [],
  sessions: {},
  serverErrors: 0,
  dropped: 0,
  vpcCallsFromInvalid: null,
  ...partial,
});
const req = (token: string, accepted = true, group = token) => ({ token, group, accepted });

describe('tally', () => {
  it('one event per accepted request and one session each: every goal met', () => {
    const counts = tally(
      observe({
        requests: [req('a'), req('b')],
        events: [ev('e1', 'Ready', 'a'), ev('e2', 'Failed', 'b')],
        sessions: { a: 1 },
      }),
    );
    expect(counts).toMatchObject({ sent: 2, accepted: 2, answeredOnce: 2, duplicates: 0, lost: 0 });
    expect(counts.detail.outcomes).toEqual({ Ready: 1, Failed: 1 });
    expect(missedGoals(counts)).toEqual([]);
  });

  it('a redelivery of the same event id counts once; a second distinct id is a duplicate', () => {
    const counts = tally(
      observe({
        requests: [req('a'), req('b')],
        events: [
          ev('e1', 'Ready', 'a'),
          ev('e1', 'Ready', 'a'),
          ev('e2', 'Ready', 'b'),
          ev('e3', 'Ready', 'b'),
        ],
      }),
    );
    expect(counts).toMatchObject({ answeredOnce: 1, duplicates: 1, lost: 0 });
    expect(counts.detail.extraEvents).toBe(1);
    expect(missedGoals(counts)).toEqual(['answeredOnce', 'duplicates']);
  });

  it('an accepted request with no event is lost; one not accepted is neither lost nor expected', () => {
    const counts = tally(observe({ requests: [req('a'), req('b', false)], events: [] }));
    expect(counts).toMatchObject({ sent: 2, accepted: 1, answeredOnce: 0, lost: 1 });
    expect(missedGoals(counts)).toEqual(['answeredOnce', 'lost']);
  });

  it('a request not accepted but answered anyway is noted, not counted as answered', () => {
    const counts = tally(observe({ requests: [req('a', false)], events: [ev('e1', 'Ready', 'a')] }));
    expect(counts).toMatchObject({ accepted: 0, answeredOnce: 0, lost: 0, duplicates: 0 });
    expect(counts.detail.answeredUnaccepted).toBe(1);
    expect(missedGoals(counts)).toEqual([]);
  });

  it('extra sessions for one logical request are duplicates, whichever trigger made them', () => {
    const counts = tally(
      observe({
        requests: [req('ev', true, 'eni-1'), req('wh', true, 'eni-1'), req('x', true, 'eni-2')],
        events: [ev('1', 'Ready', 'ev'), ev('2', 'Ready', 'wh'), ev('3', 'Ready', 'x')],
        sessions: { 'eni-1': 2, 'eni-2': 1 },
      }),
    );
    expect(counts).toMatchObject({ answeredOnce: 3, duplicates: 1 });
    expect(counts.detail.extraSessions).toBe(1);
  });

  it('a Failed after a Ready for the same logical request is not a final answer', () => {
    // The twins: the event got Ready first, then the webhook's twin was answered Failed.
    const twins = tally(
      observe({
        requests: [req('ev', true, 'g'), req('wh', true, 'g')],
        events: [ev('1', 'Ready', 'ev'), ev('2', 'Failed', 'wh')],
        sessions: { g: 1 },
      }),
    );
    expect(twins).toMatchObject({ accepted: 2, answeredOnce: 1, duplicates: 0 });
    expect(twins.detail.failedAfterReady).toBe(1);
    // One request answered Ready, then Failed: a second event and not final.
    const one = tally(
      observe({ requests: [req('a')], events: [ev('1', 'Ready', 'a'), ev('2', 'Failed', 'a')] }),
    );
    expect(one).toMatchObject({ answeredOnce: 0, duplicates: 1 });
    expect(one.detail.failedAfterReady).toBe(1);
    // A Failed before the twin's Ready is a final answer of its own.
    const before = tally(
      observe({
        requests: [req('ev', true, 'g'), req('wh', true, 'g')],
        events: [ev('2', 'Failed', 'wh'), ev('1', 'Ready', 'ev')],
      }),
    );
    expect(before.answeredOnce).toBe(2);
  });

  it('counts only the expected outcome when the row expects one (the fuzz rows: Failed)', () => {
    const counts = tally(
      observe({
        requests: [
          { token: 'a', group: 'a', accepted: true, expect: 'Failed' },
          { token: 'b', group: 'b', accepted: true, expect: 'Failed' },
        ],
        events: [ev('1', 'Failed', 'a'), ev('2', 'Ready', 'b')],
        vpcCallsFromInvalid: 3,
      }),
    );
    expect(counts).toMatchObject({ answeredOnce: 1, lost: 0, vpcCallsFromInvalid: 3 });
    expect(counts.detail.wrongOutcome).toBe(1);
    expect(missedGoals(counts)).toEqual(['answeredOnce', 'vpcCallsFromInvalid']);
  });

  it('events naming no request sent, and replays answered as another request, are duplicates', () => {
    const counts = tally(
      observe({
        requests: [req('a')],
        events: [ev('1', 'Ready', 'a'), ev('2', 'Ready', 'zzz'), ev('3', 'Failed', undefined)],
        replaysAnsweredAsNew: 2,
      }),
    );
    expect(counts).toMatchObject({ answeredOnce: 1, duplicates: 4 });
    expect(counts.detail).toMatchObject({ strayEvents: 2, replaysAnsweredAsNew: 2 });
  });

  it('5xx answers and dropped connections add up in one column', () => {
    const counts = tally(observe({ serverErrors: 2, dropped: 1 }));
    expect(counts.serverErrors).toBe(3);
    expect(missedGoals(counts)).toEqual(['serverErrors']);
  });

  it('a token listed twice is one request', () => {
    const counts = tally(observe({ requests: [req('a'), req('a')], events: [ev('1', 'Ready', 'a')] }));
    expect(counts).toMatchObject({ sent: 1, accepted: 1, answeredOnce: 1 });
  });

  it('VPC calls from invalid input: null (not a fuzz row) is no miss, 0 is met', () => {
    expect(missedGoals(tally(observe({ vpcCallsFromInvalid: null })))).toEqual([]);
    expect(missedGoals(tally(observe({ vpcCallsFromInvalid: 0 })))).toEqual([]);
  });
});

describe('reading the bus and the sessions', () => {
  it('keeps only completion events, with their ClientToken', () => {
    expect(
      seenEvents([
        { id: 'r', type: 'mirrorflow:MirrorRequest:Submitted', data: {} },
        { id: 'c', type: 'mirrorflow:Reconcile:Completed', data: {} },
        { id: '1', type: `${T}Ready`, data: { clientToken: 'mf-ev-1' } },
        { id: '2', type: `${T}Failed`, data: null },
      ]),
    ).toEqual([
      { id: '1', type: `${T}Ready`, token: 'mf-ev-1' },
      { id: '2', type: `${T}Failed`, token: undefined },
    ]);
  });

  it('counts sessions per logical request by source ENI (a session with two of one group counts once)', () => {
    const group = (s: string) => (s.startsWith('eni-chaos') ? s : undefined);
    expect(
      sessionsPerGroup(
        [
          { sourceIds: ['eni-chaos1'] },
          { sourceIds: ['eni-chaos1', 'eni-other'] },
          { sourceIds: ['eni-chaos2', 'eni-chaos2'] },
          { sourceIds: ['eni-other'] },
        ],
        group,
      ),
    ).toEqual({ 'eni-chaos1': 2, 'eni-chaos2': 1 });
  });
});
