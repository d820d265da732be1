/** Where `mirrorflow up` leaves its endpoints for `provision` and `events` (and people) to find. */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { UsageError } from './io.js';

export const DEFAULT_ENDPOINTS_FILE = '.state/endpoints.json';

export interface Endpoints {
  vpc: string;
  fnf: string;
  fc: string;
  eventbridge: string;
  /** The custom bus mirror requests go on (s.yaml's vars.eventBus). */
  eventBus?: string;
  webhook: string;
  admin: string;
  regionId: string;
  accessKeyId: string;
  accessKeySecret: string;
  webhookSecret: string;
}

/** The process that wrote an endpoints file, if it is still running (a second `up` must not take its file). */
function liveOwner(file: string): number | undefined {
  try {
    const { pid } = JSON.parse(readFileSync(file, 'utf8')) as { pid?: unknown };
    if (typeof pid !== 'number' || pid === process.pid) return undefined;
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

/**
 * Writes the endpoints (with this process's pid) and answers where: the file asked for, or — when another
 * running `up` owns it — `<file>.<pid>`, so two stacks from one checkout keep their own.
 */
export function writeEndpoints(file: string, endpoints: Endpoints): string {
  const target = liveOwner(file) === undefined ? file : `${file}.${process.pid}`;
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, `${JSON.stringify({ ...endpoints, pid: process.pid }, null, 2)}\n`, { mode: 0o600 });
  return target;
}

/** Removes the endpoints file, unless another running process wrote it since. */
export function removeEndpoints(file: string): void {
  if (liveOwner(file) === undefined) rmSync(file, { force: true });
}

export function readEndpoints(file: string): Endpoints {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Endpoints;
  } catch {
    throw new UsageError(
      `no running local cloud found (${file} is missing): start one with \`npx mirrorflow up\` (or \`npm start\`), or pass --endpoints`,
    );
  }
}
