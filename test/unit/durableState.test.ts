/**
 * The pieces of `--state DIR`: the journal (torn last line, rewrite), the folds that rebuild executions and
 * FC's async queue from it, a flow resumed from its checkpoint, and the bus's owed deliveries made again.
 */
import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../infra/local/clock.js';
import { Journal } from '../../infra/local/durable/journal.js';
import { openStateDir, StateDirError } from '../../infra/local/durable/stateDir.js';
import { EventBridgeModel, type StoredEvent } from '../../infra/local/eventbridge/model.js';
import { type BusRecord, EventRouter } from '../../infra/local/eventbridge/router.js';
import { AsyncInvoker, type AsyncRecord, pendingInvocations } from '../../infra/local/fc/asyncInvoker.js';
import type { InstancePool } from '../../infra/local/fc/pool.js';
import type { Checkpoint, Integrations } from '../../infra/local/flow/execution.js';
import { resumeExecution, startExecution } from '../../infra/local/flow/executor.js';
import { type ExecutionRecord, foldExecutions } from '../../infra/local/fnf/executionJournal.js';
import { ExecutionStore } from '../../infra/local/fnf/model.js';
import { flowOf, noIntegrations } from '../helpers/flows.js';

const dir = () => mkdtempSync(join(tmpdir(), 'mf-state-'));

describe('the journal', () => {
  it('reads back what was appended and drops a torn last line (never acknowledged)', () => {
    const d = dir();
    const { journal } = Journal.open<{ n: number }>(d, 'j');
    journal.append({ n: 1 });
    journal.append({ n: 2 });
    journal.close();
    appendFileSync(join(d, 'j.jsonl'), '{"n":3');
    expect(Journal.open<{ n: number }>(d, 'j').records).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it('is rewritten as the folded state, and appends go on after it', () => {
    const d = dir();
    const { journal } = Journal.open<{ n: number }>(d, 'j');
    for (let n = 0; n < 5; n++) journal.append({ n });
    journal.rewrite([{ n: 9 }]);
    journal.append({ n: 10 });
    journal.close();
    journal.append({ n: 11 }); // after close: the process is gone, nothing is kept
    expect(readFileSync(join(d, 'j.jsonl'), 'utf8')).toBe('{"n":9}\n{"n":10}\n');
  });

  it('a state path that is a file is refused with what --state takes', () => {
    const d = dir();
    appendFileSync(join(d, 'file'), 'x');
    expect(() => openStateDir(join(d, 'file'))).toThrow(StateDirError);
    expect(openStateDir(join(d, 'new')).resumeAt).toBeUndefined();
  });
});

describe('folding the journals', () => {
  it('executions: the last checkpoint of an unfinished one, the end of a finished one', () => {
    const records: ExecutionRecord[] = [
      { op: 'started', flow: 'f', name: 'a', input: { x: 1 }, startedAt: 1 },
      { op: 'started', flow: 'f', name: 'demo', input: {}, startedAt: 2 },
      { op: 'checkpoint', flow: 'f', name: 'a', state: 'S2', data: { y: 1 }, global: {} },
      { op: 'checkpoint', flow: 'f', name: 'a', state: 'S3', data: { y: 2 }, global: { g: 1 } },
      { op: 'finished', flow: 'f', name: 'demo', status: 'Succeeded', output: { ok: true }, stoppedAt: 5 },
      { op: 'checkpoint', flow: 'f', name: 'ghost', state: 'S2', data: {}, global: {} },
    ];
    const [a, b, ...rest] = foldExecutions(records);
    expect(rest).toEqual([]);
    expect(a!.checkpoint).toEqual({ state: 'S3', data: { y: 2 }, global: { g: 1 } });
    expect(a!.finished).toBeUndefined();
    expect(b!.finished?.output).toEqual({ ok: true });
  });

  it("FC's async queue: the invocations not ended, at the attempt they were on", () => {
    const records: AsyncRecord[] = [
      { op: 'queued', id: 'r1#1', fn: 'f', body: 'e30=', requestId: 'r1', type: 'Async' },
      { op: 'queued', id: 'r2#2', fn: 'f', body: 'e30=', requestId: 'r2', type: 'Async' },
      { op: 'attempt', id: 'r2#2', attempt: 3 },
      { op: 'done', id: 'r1#1' },
    ];
    expect(pendingInvocations(records)).toEqual([
      { id: 'r2#2', fn: 'f', body: 'e30=', requestId: 'r2', type: 'Async', attempt: 3 },
    ]);
  });
});

describe('a journal rewritten at every line', () => {
  it("keeps the bus's event whose own line set the rewrite off", () => {
    const d = dir();
    const model = busModel();
    const first = Journal.open<BusRecord>(d, 'bus', 1);
    const bus = new EventRouter(model, new ManualClock(), async () => {}, 100, first.journal);
    bus.restore(first.records);
    // No rule matches source `x`: only the events' own lines are written, each one setting off a rewrite.
    for (let i = 0; i < 5; i++) bus.accept([{ ...event(`e-${i}`), source: 'x' }], () => 'demo');
    first.journal.close();
    const second = Journal.open<BusRecord>(d, 'bus', 1);
    const restarted = new EventRouter(model, new ManualClock(), async () => {}, 100, second.journal);
    restarted.restore(second.records);
    expect(restarted.events.map((e) => e.id)).toEqual(['e-0', 'e-1', 'e-2', 'e-3', 'e-4']);
  });

  it("keeps FC's queued invocation whose own line set the rewrite off", async () => {
    const d = dir();
    const { journal } = Journal.open<AsyncRecord>(d, 'fc-async', 1);
    // An invocation that never ends: it is still owed after the "crash".
    const invoker = new AsyncInvoker(
      new ManualClock(),
      () => new Promise(() => undefined),
      undefined,
      journal,
    );
    const pool = { config: { name: 'intake-event' } } as InstancePool;
    invoker.start(pool, Buffer.from('{}'), 'req-1', 'Async');
    journal.close();
    expect(pendingInvocations(Journal.open<AsyncRecord>(d, 'fc-async').records)).toEqual([
      expect.objectContaining({ fn: 'intake-event', requestId: 'req-1', attempt: 1 }),
    ]);
  });
});

describe('a stopping service (its journal closed)', () => {
  it('refuses with 503 what it would otherwise acknowledge and not keep', () => {
    const d = dir();
    const bus = Journal.open<BusRecord>(d, 'bus');
    const router = new EventRouter(busModel(), new ManualClock(), async () => {}, 100, bus.journal);
    bus.journal.close();
    expect(() => router.accept([event('late')], () => 'demo')).toThrow(
      expect.objectContaining({ status: 503, code: 'ServiceUnavailable' }),
    );
    const flow = flowOf([{ Type: 'Pass', Name: 'A', End: true }]);
    const executions = Journal.open<ExecutionRecord>(d, 'executions');
    const store = new ExecutionStore({
      flows: new Map([[flow.Name, flow]]),
      integrations: noIntegrations,
      clock: new ManualClock(),
      journal: executions.journal,
    });
    executions.journal.close();
    expect(() => store.start({ FlowName: flow.Name, ExecutionName: 'late', Input: '{}' })).toThrow(
      expect.objectContaining({ httpStatus: 503, code: 'ServiceUnavailable' }),
    );
    expect(readFileSync(join(d, 'bus.jsonl'), 'utf8')).toBe('');
  });
});

describe("CloudFlow's journal, rewritten as it grows", () => {
  it('keeps every execution: the finished with their status, the unfinished with their checkpoint', async () => {
    const d = dir();
    const flow = flowOf([
      { Type: 'Pass', Name: 'A', Next: 'B' },
      { Type: 'Pass', Name: 'B', Next: 'Pause' },
      { Type: 'Wait', Name: 'Pause', Seconds: 10, Next: 'C' },
      { Type: 'Pass', Name: 'C', End: true },
    ]);
    const clock = new ManualClock();
    const { journal } = Journal.open<ExecutionRecord>(d, 'executions', 3_000);
    const store = new ExecutionStore({
      flows: new Map([[flow.Name, flow]]),
      integrations: noIntegrations,
      clock,
      journal,
    });
    const start = (name: string) =>
      store.start({ FlowName: flow.Name, ExecutionName: name, Input: '{"n":1}' });
    for (let i = 0; i < 12; i++) {
      const execution = start(`x-${i}`);
      while (execution.status === 'Running') {
        await new Promise((r) => setTimeout(r, 5));
        clock.advance(10_000);
        await execution.waitForEnd(20);
      }
    }
    start('running');
    await new Promise((r) => setTimeout(r, 20)); // it waits in Pause on a clock nobody advances now
    journal.close();
    // Rewritten as the folded state: the first execution is down to its start and its end.
    const lines = readFileSync(join(d, 'executions.jsonl'), 'utf8').trim().split('\n');
    const first = lines.map((l) => JSON.parse(l) as ExecutionRecord).filter((r) => r.name === 'x-0');
    expect(first.map((r) => r.op)).toEqual(['started', 'finished']);
    const folded = foldExecutions(Journal.open<ExecutionRecord>(d, 'executions').records);
    expect(folded.map((e) => [e.started.name, e.finished?.status ?? e.checkpoint?.state])).toEqual([
      ...Array.from({ length: 12 }, (_, i) => [`x-${i}`, 'Succeeded']),
      ['running', 'Pause'],
    ]);
  });
});

describe('a flow resumed from its checkpoint', () => {
  const flow = flowOf([
    { Type: 'Pass', Name: 'First', Next: 'Pause', OutputConstructor: { step: 1, 'seen.$': '$Input.seen' } },
    { Type: 'Wait', Name: 'Pause', Seconds: 60, Next: 'Last' },
    { Type: 'Pass', Name: 'Last', End: true, OutputConstructor: { step: 2, 'seen.$': '$Input.seen' } },
  ]);

  it('runs the state it had not finished and what follows, not what it had', async () => {
    const checkpoints: Checkpoint[] = [];
    const killed = startExecution(flow, {
      name: 'e',
      input: { seen: 'in' },
      clock: new ManualClock(),
      integrations: noIntegrations,
    });
    killed.onCheckpoint = (c) => checkpoints.push(c);
    await new Promise((r) => setTimeout(r, 20)); // First runs; Pause waits on a clock nobody advances
    expect(killed.status).toBe('Running');
    expect(checkpoints).toEqual([{ state: 'Pause', data: { step: 1, seen: 'in' }, global: {} }]);

    const clock = new ManualClock();
    const resumed = resumeExecution(flow, {
      name: 'e',
      input: { seen: 'in' },
      clock,
      integrations: noIntegrations as Integrations,
      startedAt: killed.startedAt,
      checkpoint: checkpoints.at(-1),
    });
    await new Promise((r) => setTimeout(r, 20));
    clock.advance(60_000);
    await resumed.waitForEnd(5_000);
    expect(resumed.status).toBe('Succeeded');
    expect(resumed.output).toEqual({ step: 2, seen: 'in' });
    expect(resumed.events.filter((e) => e.Type === 'StateEntered').map((e) => e.StepName)).toEqual([
      'Pause',
      'Last',
    ]);
  });
});

/** A bus `demo` with one rule whose target is a function. */
function busModel(): EventBridgeModel {
  const model = new EventBridgeModel();
  model.createEventBus({ EventBusName: 'demo' });
  model.createRule({
    EventBusName: 'demo',
    RuleName: 'redeliver',
    FilterPattern: '{"source":["s"]}',
    EventTargets: JSON.stringify([
      {
        Id: 't',
        Type: 'acs.fc.function',
        Endpoint: 'acs:fc:cn-hangzhou:1234567890123456:services/default.LATEST/functions/f',
        ParamList: [
          { ResourceKey: 'serviceName', Form: 'CONSTANT', Value: 'default' },
          { ResourceKey: 'functionName', Form: 'CONSTANT', Value: 'f' },
          { ResourceKey: 'Qualifier', Form: 'CONSTANT', Value: 'LATEST' },
          { ResourceKey: 'InvocationType', Form: 'CONSTANT', Value: 'Async' },
          { ResourceKey: 'DataFormat', Form: 'CONSTANT', Value: 'Object' },
          { ResourceKey: 'Body', Form: 'ORIGINAL' },
        ],
      },
    ]),
  });
  return model;
}

const event = (id: string): StoredEvent =>
  ({ id, source: 's', type: 't', specversion: '1.0', aliyuneventbusname: 'demo' }) as StoredEvent;

/**
 * A bus that keeps its newest 3 events, its journal rewritten from the live state every ~2 KB: event `stuck`
 * is delivered for ever (the process is "killed" while delivering), then 40 more whose deliveries end.
 */
async function stuckDeliveryThenForty(d: string, model: EventBridgeModel): Promise<void> {
  const first = Journal.open<BusRecord>(d, 'bus', 2_000);
  const hanging = new EventRouter(
    model,
    new ManualClock(),
    async (_t, e) => {
      if (e.id === 'stuck') await new Promise(() => undefined);
    },
    3,
    first.journal,
  );
  hanging.restore(first.records);
  hanging.accept([event('stuck')], () => 'demo');
  for (let i = 0; i < 40; i++) {
    hanging.accept([event(`later-${i}`)], () => 'demo');
    await new Promise((r) => setImmediate(r)); // its delivery ends
  }
  await new Promise((r) => setTimeout(r, 20));
  first.journal.close();
}

describe("the bus's owed deliveries", () => {
  it('are made again after a restart; those that ended are not', async () => {
    const d = dir();
    const model = busModel();
    const first = Journal.open<BusRecord>(d, 'bus');
    const hanging = new EventRouter(
      model,
      new ManualClock(),
      async (_t, e) => {
        if (e.id === 'stuck') await new Promise(() => undefined); // killed while delivering
      },
      100,
      first.journal,
    );
    hanging.restore(first.records);
    hanging.accept([event('done'), event('stuck')], () => 'demo');
    await new Promise((r) => setTimeout(r, 20));
    first.journal.close();

    const again: string[] = [];
    const second = Journal.open<BusRecord>(d, 'bus');
    const restarted = new EventRouter(
      model,
      new ManualClock(),
      async (_t, e) => {
        again.push(e.id);
      },
      100,
      second.journal,
    );
    restarted.restore(second.records);
    await restarted.idle();
    expect(again).toEqual(['stuck']);
    expect(restarted.events.map((e) => e.id)).toEqual(['done', 'stuck']);
    expect(restarted.accepted).toBe(2);
  });

  it('survive the journal being rewritten as it grows: an owed delivery of an event no longer kept is kept', async () => {
    const d = dir();
    const model = busModel();
    await stuckDeliveryThenForty(d, model);
    expect(readFileSync(join(d, 'bus.jsonl'), 'utf8').length).toBeLessThan(4_000);

    const again: string[] = [];
    const second = Journal.open<BusRecord>(d, 'bus', 2_000);
    const restarted = new EventRouter(
      model,
      new ManualClock(),
      async (_t, e) => {
        again.push(e.id);
      },
      3,
      second.journal,
    );
    restarted.restore(second.records);
    await restarted.idle();
    expect(again).toEqual(['stuck']);
    expect(restarted.events.map((e) => e.id)).toEqual(['later-37', 'later-38', 'later-39']);
    expect(restarted.accepted).toBe(41);
  });

  it('keep their numbers when the restarted bus keeps more events than the compacted journal holds', async () => {
    const d = dir();
    const model = busModel();
    await stuckDeliveryThenForty(d, model);

    // `--keep-events` raised from 3 to 100: the journal holds the newest events (those of its last rewrite and
    // the lines appended since) and, for its owed delivery, event 0.
    const second = Journal.open<BusRecord>(d, 'bus', 2_000);
    const restarted = new EventRouter(model, new ManualClock(), async () => {}, 100, second.journal);
    restarted.restore(second.records);
    await restarted.idle();
    const kept = restarted.events.map((e) => e.id);
    expect(kept.length).toBeGreaterThanOrEqual(3);
    expect(kept.length).toBeLessThan(40);
    // Event n (from 0, `stuck`) is `later-${n - 1}`: each kept event keeps its number.
    expect(kept).toEqual(kept.map((_, i) => `later-${restarted.dropped + i - 1}`));
    expect(restarted.accepted).toBe(41);
    expect(restarted.eventsSince(40).map((e) => e.id)).toEqual(['later-39']);
    restarted.accept([event('next')], () => 'demo');
    expect(restarted.eventsSince(41).map((e) => e.id)).toEqual(['next']);
  });

  it('wait for the journal: a bus with one refuses events and reads with 503 until it is restored', () => {
    const d = dir();
    const model = busModel();
    const first = Journal.open<BusRecord>(d, 'bus');
    const before = new EventRouter(model, new ManualClock(), async () => {}, 100, first.journal);
    before.restore(first.records);
    before.accept([event('a'), event('b')], () => 'demo');
    first.journal.close();

    const second = Journal.open<BusRecord>(d, 'bus');
    const restarting = new EventRouter(model, new ManualClock(), async () => {}, 100, second.journal);
    const starting = expect.objectContaining({ status: 503, code: 'ServiceUnavailable' });
    expect(() => restarting.accept([event('early')], () => 'demo')).toThrow(starting);
    expect(() => restarting.assertServing()).toThrow(starting);
    restarting.restore(second.records);
    restarting.accept([event('c')], () => 'demo');
    expect(restarting.events.map((e) => e.id)).toEqual(['a', 'b', 'c']);
    expect(restarting.eventsSince(2).map((e) => e.id)).toEqual(['c']);
  });
});
