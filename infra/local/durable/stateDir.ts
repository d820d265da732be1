/**
 * `mirrorflow up --state DIR`: what the real services keep, kept by the local cloud in DIR, so a stack killed
 * with `kill -9` and started again carries on — the VPC's sessions and tokens (`vpc.json`), CloudFlow's
 * executions (`executions.jsonl`, resumed from their last completed state), EventBridge's events and owed
 * deliveries (`bus.jsonl`), FC's async queue (`fc-async.jsonl`), and the virtual time (`clock.json`). The
 * deployment itself (functions, roles, rules) is s.yaml's and is deployed again at each start.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../clock.js';
import type { BusRecord } from '../eventbridge/router.js';
import type { AsyncRecord } from '../fc/asyncInvoker.js';
import type { ExecutionRecord } from '../fnf/executionJournal.js';
import { Journal } from './journal.js';

/** How often the virtual time is written (real ms): a restart goes on from at most this long before. */
const CLOCK_EVERY_MS = 200;

export interface Journaled<R> {
  journal: Journal<R>;
  records: R[];
}

export interface LocalState {
  dir: string;
  /** The virtual time the stopped stack had reached (undefined: a new directory). */
  resumeAt: number | undefined;
  vpcFile: string;
  executions: Journaled<ExecutionRecord>;
  fcAsync: Journaled<AsyncRecord>;
  bus: Journaled<BusRecord>;
  /** Writes the clock's time now and then, and once more on stop (the returned function). */
  keepClock(clock: Clock): () => void;
}

export class StateDirError extends Error {}

export function openStateDir(dir: string): LocalState {
  if (existsSync(dir) && !statSync(dir).isDirectory())
    throw new StateDirError(`--state ${dir} is a file; it takes a directory (the stack keeps several files)`);
  mkdirSync(dir, { recursive: true });
  const clockFile = join(dir, 'clock.json');
  const savedClock = existsSync(clockFile)
    ? (JSON.parse(readFileSync(clockFile, 'utf8')) as { now?: unknown }).now
    : undefined;
  const bus = Journal.open<BusRecord>(dir, 'bus');
  const lastEvent = bus.records.reduce((t, r) => (r.op === 'event' ? Math.max(t, r.at) : t), 0);
  const resumeAt = typeof savedClock === 'number' ? Math.max(savedClock, lastEvent) : undefined;
  return {
    dir,
    resumeAt,
    vpcFile: join(dir, 'vpc.json'),
    executions: Journal.open<ExecutionRecord>(dir, 'executions'),
    fcAsync: Journal.open<AsyncRecord>(dir, 'fc-async'),
    bus,
    keepClock: (clock) => {
      const write = () => {
        writeFileSync(`${clockFile}.tmp`, JSON.stringify({ now: clock.now() }));
        renameSync(`${clockFile}.tmp`, clockFile);
      };
      write();
      const timer = setInterval(write, CLOCK_EVERY_MS);
      timer.unref();
      return () => {
        clearInterval(timer);
        write();
      };
    },
  };
}
