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

export function writeEndpoints(file: string, endpoints: Endpoints): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(endpoints, null, 2)}\n`, { mode: 0o600 });
}

export function removeEndpoints(file: string): void {
  rmSync(file, { force: true });
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
