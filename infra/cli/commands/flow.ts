/** `mirrorflow flow run <flow.yaml>`: executes a CloudFlow flow locally and prints the execution. */
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { SimulatedClock, VirtualClock } from '../../local/clock.js';
import { SpecError } from '../../local/deploy/variables.js';
import { parseDefinition } from '../../local/flow/definition/check.js';
import { DefinitionError } from '../../local/flow/errors.js';
import { startExecution } from '../../local/flow/executor.js';
import { LOCAL_ACCOUNT_ID, startFlowStack } from '../../local/flowStack.js';
import { renderFlowText } from '../../local/fnf/flows.js';
import { type CliIo, EXIT, UsageError } from '../io.js';
import { parseNumberOption } from './emulator.js';

function readInput(text: string): Record<string, unknown> {
  let raw = text;
  if (text.startsWith('@')) {
    try {
      raw = readFileSync(text.slice(1), 'utf8');
    } catch {
      throw new UsageError(`cannot read the input file ${text.slice(1)}`);
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw new UsageError(`--input is not valid JSON: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new UsageError('--input must be a JSON object');
  return parsed as Record<string, unknown>;
}

function parseEnv(pairs: string[]): Record<string, string> {
  return Object.fromEntries(
    pairs.map((pair) => {
      const eq = pair.indexOf('=');
      if (eq <= 0) throw new UsageError(`--env takes KEY=VALUE (got "${pair}")`);
      return [pair.slice(0, eq), pair.slice(eq + 1)];
    }),
  );
}

export function registerFlow(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const flow = program.command('flow').description('CloudFlow flows on the local runner');
  flow
    .command('run')
    .description(
      'execute a flow file locally; FC:InvokeFunction runs DIR/<name>/index.js for the last segment of the ARN',
    )
    .argument('<flow.yaml>', 'the flow definition (new FDL: Type StateMachine, SpecVersion v1)')
    .requiredOption('--input <json|@file>', 'the execution input, a JSON object, inline or @path')
    .option('--functions <dir>', 'where the bundled functions are', 'dist')
    .option(
      '--time-scale <x>',
      'pace virtual time at X virtual seconds per real second; without it, virtual time jumps to the next Wait or retry as soon as the flow waits, so durations are exact',
    )
    .option('--region <id>', 'region the functions see', 'cn-hangzhou')
    .option('--env <KEY=VALUE...>', 'environment variables for every function', [])
    .option('--json', 'print the execution with its history as JSON')
    .action(
      async (
        file: string,
        options: {
          input: string;
          functions: string;
          timeScale?: string;
          region: string;
          env: string[];
          json?: boolean;
        },
      ) => {
        const input = readInput(options.input);
        const timeScale =
          options.timeScale === undefined
            ? undefined
            : parseNumberOption('--time-scale', options.timeScale, 0.001, 1_000_000);
        let text: string;
        try {
          text = readFileSync(file, 'utf8');
        } catch {
          throw new UsageError(`cannot read ${file}`);
        }
        let definition: ReturnType<typeof parseDefinition>;
        try {
          const values = { region: options.region, accountId: LOCAL_ACCOUNT_ID };
          definition = parseDefinition(renderFlowText(text, values, dirname(file)));
        } catch (error) {
          if (error instanceof DefinitionError || error instanceof SpecError) {
            io.err(`${file}: ${error.message}`);
            return setExit(EXIT.usage);
          }
          throw error;
        }
        // Without --time-scale the run is measured on the simulated clock: virtual time moves only from one
        // pending Wait/retry/timeout to the next, so the reported duration does not depend on machine load.
        const clock = timeScale === undefined ? new SimulatedClock() : new VirtualClock(timeScale);
        const env = parseEnv(options.env);
        const stack = await startFlowStack({
          clock,
          region: options.region,
          functionsDir: options.functions,
          configure: () => ({ env }),
        });
        try {
          const execution = startExecution(definition, {
            name: `local-${Date.now()}`,
            input,
            clock,
            integrations: stack.integrations,
          });
          while (execution.status === 'Running') await execution.waitForEnd(60_000);
          const result = {
            name: execution.name,
            status: execution.status,
            output: execution.output ?? null,
            errorCode: execution.errorCode ?? null,
            errorDetail: execution.errorDetail ?? null,
            virtualSeconds: ((execution.stoppedAt ?? execution.startedAt) - execution.startedAt) / 1000,
          };
          if (options.json) io.out(JSON.stringify({ ...result, history: execution.events }));
          else {
            io.out(
              `${definition.Name}: ${execution.status} after ${result.virtualSeconds} virtual seconds (${execution.events.length} events)`,
            );
            if (execution.output !== undefined)
              io.out(`output: ${JSON.stringify(execution.output, null, 2)}`);
            if (execution.errorCode !== undefined)
              io.out(`error: ${execution.errorCode}: ${execution.errorDetail ?? ''}`);
          }
          setExit(execution.status === 'Succeeded' ? EXIT.ok : EXIT.failed);
        } finally {
          await stack.close();
        }
      },
    );
}
