/** Runs small flows to completion for the workflow tests. */
import type { Clock } from '../../infra/local/clock.js';
import { checkDefinition } from '../../infra/local/flow/definition/check.js';
import type { Execution, Integrations } from '../../infra/local/flow/execution.js';
import { startExecution } from '../../infra/local/flow/executor.js';
import { seededRandom } from '../../infra/local/flow/random.js';

export const noIntegrations: Integrations = {
  invokeFunction: async () => {
    throw new Error('this flow should not call FC');
  },
  putEvents: async () => {
    throw new Error('this flow should not put events');
  },
};

let counter = 0;

/** A flow definition object around some states (not yet checked), starting at the first. */
export function rawFlow(states: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    Type: 'StateMachine',
    Name: 'test-flow',
    SpecVersion: 'v1',
    StartAt: (states[0] as { Name: string }).Name,
    States: states,
    ...extra,
  };
}

export function flowOf(states: unknown[], extra: Record<string, unknown> = {}) {
  return checkDefinition(rawFlow(states, extra));
}

/** Runs a flow to its end; every run draws randomInt()/uuid() from a seeded source (seed 1 unless given). */
export async function runToEnd(
  flow: ReturnType<typeof flowOf>,
  input: Record<string, unknown>,
  clock: Clock,
  integrations: Integrations = noIntegrations,
  seed = 1,
): Promise<Execution> {
  const execution = startExecution(flow, {
    name: `t-${++counter}`,
    input,
    clock,
    integrations,
    random: seededRandom(seed),
  });
  while (execution.status === 'Running') await execution.waitForEnd(30_000);
  return execution;
}

/** Virtual seconds from the first event of a type for a state to the first event of another type for it. */
export function secondsBetween(e: Execution, state: string, from: string, to: string): number {
  const a = e.events.find((ev) => ev.StepName === state && ev.Type === from);
  const b = e.events.find((ev) => ev.StepName === state && ev.Type === to);
  if (!a || !b) throw new Error(`no ${from}/${to} events for ${state}`);
  return (b.ElapsedMs - a.ElapsedMs) / 1000;
}
