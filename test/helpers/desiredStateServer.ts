/**
 * Serves a desired state over HTTP for end-to-end reconcile tests, so each invocation's read of it is a step
 * the test can hold (what runs when is decided by the test, never by how fast this machine is) — or fail.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll } from 'vitest';
import { stringify } from 'yaml';
import { benchInventory, request } from '../../infra/bench/benchStack.js';
import type { LocalCloud } from '../../infra/local/cloud.js';
import { fileCloud, startTestCloud } from './localCloud.js';

export class DesiredStateServer {
  reads = 0;
  /** Every read from now on is answered 500, as a desired state that has become unreadable. */
  failing = false;
  private held: (() => void)[] = [];
  private holding = false;
  private arrived: (() => void)[] = [];
  readonly server: Server;

  constructor(text: () => string) {
    this.server = createServer((_, response) => {
      this.reads += 1;
      for (const wake of this.arrived.splice(0)) wake();
      const answer = () => {
        if (this.failing) {
          response.statusCode = 500;
          response.end('unavailable');
        } else response.end(text());
      };
      if (this.holding) this.held.push(answer);
      else answer();
    });
  }

  listen(): Promise<void> {
    return new Promise((resolve) => this.server.listen(0, '127.0.0.1', resolve));
  }
  url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/desired-state.yaml`;
  }
  hold(): void {
    this.holding = true;
  }
  release(): void {
    this.holding = false;
    for (const answer of this.held.splice(0)) answer();
  }
  /** Resolves once `count` reads in all have arrived. */
  async readsReach(count: number): Promise<void> {
    while (this.reads < count) await new Promise<void>((r) => this.arrived.push(r));
  }
}

/** A desired state of `entries` bench requests, `fleet-<i>`, as YAML. */
export function fleetDesiredState(entries: number): string {
  return stringify({
    version: 1,
    sessions: Array.from({ length: entries }, (_, i) => ({ name: `fleet-${i}`, request: request(i) })),
  });
}

/**
 * A local cloud whose reconcile reads its desired state from `desired`, one chunk an invocation: 5 entries a
 * chunk at 2 creates/s take at least 2 virtual s, paced on the cloud's clock, and an invocation applies one
 * chunk at least and stops at the next boundary once 1 s has gone — exactly one chunk, however fast this
 * machine is (15 entries take three invocations).
 */
export async function startSlicedReconcileCloud(
  desired: DesiredStateServer,
  entries: number,
): Promise<LocalCloud> {
  await desired.listen();
  return startTestCloud({
    desiredState: undefined,
    inventory: benchInventory(entries, { min: 5, max: 20 }),
    env: {
      MIRRORFLOW_DESIRED_STATE: desired.url(),
      MIRRORFLOW_RECONCILE_CREATES_PER_SECOND: '2',
      MIRRORFLOW_RECONCILE_BATCH_SIZE: '5',
      MIRRORFLOW_RECONCILE_SLICE_SECONDS: '1',
    },
  });
}

/**
 * For a test file: a desired state of `entries` served over HTTP, and the sliced-reconcile cloud reading it,
 * started before the file's tests and closed after them.
 */
export function slicedReconcileFile(entries: number): {
  desired: DesiredStateServer;
  cloud: () => LocalCloud;
} {
  const desired = new DesiredStateServer(() => fleetDesiredState(entries));
  const cloud = fileCloud(() => startSlicedReconcileCloud(desired, entries));
  afterAll(() => desired.server.close());
  return { desired, cloud };
}
