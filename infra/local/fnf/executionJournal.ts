/**
 * What the local CloudFlow keeps of its executions with `--state DIR` (`executions.jsonl`): each start, each
 * checkpoint between top-level states, each end. Folded back at start: a finished execution keeps its name,
 * status, input and output (StartExecution still refuses the name, DescribeExecution still answers); an
 * unfinished one is resumed from its last checkpoint.
 */
import type { Checkpoint, Execution, ExecutionStatus } from '../flow/execution.js';

export type ExecutionRecord =
  | { op: 'started'; flow: string; name: string; input: Record<string, unknown>; startedAt: number }
  | ({ op: 'checkpoint'; flow: string; name: string } & Checkpoint)
  | {
      op: 'finished';
      flow: string;
      name: string;
      status: Exclude<ExecutionStatus, 'Running'>;
      output?: Record<string, unknown>;
      errorCode?: string;
      errorDetail?: string;
      stoppedAt: number;
    };

/** One execution as the journal last saw it. */
export interface JournaledExecution {
  started: Extract<ExecutionRecord, { op: 'started' }>;
  checkpoint?: Checkpoint;
  finished?: Extract<ExecutionRecord, { op: 'finished' }>;
}

const key = (flow: string, name: string) => `${flow}\u0000${name}`;

/** Folds the journal's records into executions, in the order they started. */
export function foldExecutions(records: Iterable<ExecutionRecord>): JournaledExecution[] {
  const byKey = new Map<string, JournaledExecution>();
  for (const record of records) {
    const k = key(record.flow, record.name);
    if (record.op === 'started') {
      byKey.set(k, { started: record });
      continue;
    }
    const execution = byKey.get(k);
    if (!execution) continue;
    if (record.op === 'checkpoint')
      execution.checkpoint = { state: record.state, data: record.data, global: record.global };
    else execution.finished = record;
  }
  return [...byKey.values()];
}

/** The records that rebuild one live execution (how the journal is rewritten from the live state). */
export function recordsOf(e: Execution): ExecutionRecord[] {
  const flow = e.flow.Name;
  const records: ExecutionRecord[] = [
    { op: 'started', flow, name: e.name, input: e.input, startedAt: e.startedAt },
  ];
  if (e.status !== 'Running') records.push(finishedRecord(e));
  else if (e.checkpoint) records.push({ op: 'checkpoint', flow, name: e.name, ...e.checkpoint });
  return records;
}

export function finishedRecord(e: Execution): Extract<ExecutionRecord, { op: 'finished' }> {
  return {
    op: 'finished',
    flow: e.flow.Name,
    name: e.name,
    status: e.status as Exclude<ExecutionStatus, 'Running'>,
    ...(e.output !== undefined ? { output: e.output } : {}),
    ...(e.errorCode !== undefined ? { errorCode: e.errorCode } : {}),
    ...(e.errorDetail !== undefined ? { errorDetail: e.errorDetail } : {}),
    stoppedAt: e.stoppedAt ?? e.startedAt,
  };
}
