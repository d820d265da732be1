/**
 * `mirrorflow up`: the whole product on the embedded local cloud — builds the bundles when missing or stale,
 * deploys s.yaml, infra/ram and infra/eventbridge onto the VPC emulator, CloudFlow, FC and EventBridge (RAM
 * judging every call, timers firing on their cron in virtual time), prints the endpoints, and serves until
 * SIGINT/SIGTERM. A deployment the cloud would refuse stops it with the cloud's message.
 */
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import type { Command } from 'commander';
import { bundleFunctions } from '../../build/bundleFunctions.js';
import { bundlesAreStale } from '../../build/staleness.js';
import { type LocalCloud, startLocalCloud } from '../../local/cloud.js';
import { SpecError } from '../../local/deploy/variables.js';
import { StateDirError } from '../../local/durable/stateDir.js';
import { DefinitionError } from '../../local/flow/errors.js';
import { KEPT_EXECUTIONS } from '../../local/fnf/model.js';
import { AssumeRoleError } from '../../local/ram/authority.js';
import { PolicyError } from '../../local/ram/policy.js';
import { seededRandom } from '../../local/random.js';
import { runDemo } from '../demo.js';
import { DEFAULT_ENDPOINTS_FILE, type Endpoints, removeEndpoints, writeEndpoints } from '../endpoints.js';
import { type CliIo, EXIT, UsageError } from '../io.js';
import { untilSignal } from '../signals.js';
import { styler } from '../style.js';
import { parseNumberOption } from './emulator.js';

/**
 * What a long-running `up` keeps of the bus's events by default: a window that is full after a few thousand
 * requests, so its memory stops growing early (`npm run bench -- --scenario memory`). Tests keep more.
 */
const UP_KEPT_EVENTS = 5_000;
/** The same for each service's call log, FC's invocation records and the functions' log lines. */
const UP_KEPT_RECORDS = 2_000;
/**
 * `up` holds the local cloud and every function instance (a V8 heap each, up to 20 per function) in one
 * process that runs for days. Under steady load V8 lets each heap grow to several times its live data between
 * full collections; held to 1.5×, the process after 20,000 requests takes ~800 MB instead of ~1,000 MB, and no
 * more than after 2,000, at the same throughput (`npm run bench -- --scenario memory`). Set before the first
 * instance starts; the flag is read at every collection, so the main heap follows it too.
 */
const HEAP_GROWING_PERCENT = 50;

interface UpOptions {
  portBase: string;
  timeScale: string;
  state?: string;
  keepEvents: string;
  keepExecutions: string;
  keepRecords: string;
  seed?: string;
  demo?: boolean;
  json?: boolean;
  timers: boolean;
  template: string;
  env?: string;
  desiredState: string;
  functions: string;
  endpoints: string;
}

export function registerUp(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('up')
    .description(
      'run mirrorflow on its embedded local cloud (VPC emulator, CloudFlow, FC, EventBridge) until Ctrl-C',
    )
    .option(
      '--port-base <n>',
      'first of four ports: VPC, CloudFlow, FC (and the webhook), EventBridge; 0 picks free ports',
      '9100',
    )
    .option('--time-scale <x>', 'virtual seconds per real second; 1 is real time', '20')
    .option(
      '--state <dir>',
      "keep what the cloud keeps (sessions, flow executions, the bus's events and owed deliveries, FC's async queue) in this directory: a stack killed and started again carries on",
    )
    .option(
      '--keep-events <n>',
      'events the local bus keeps for reading (the newest; GET /events?since=N counts over all of them)',
      String(UP_KEPT_EVENTS),
    )
    .option(
      '--keep-executions <n>',
      'finished flow executions kept whole, with history, input and output (older ones keep name and status)',
      String(KEPT_EXECUTIONS),
    )
    .option(
      '--keep-records <n>',
      "call records, invocation records and function log lines each local service keeps (the newest); the functions' log file has them all",
      String(UP_KEPT_RECORDS),
    )
    .option('--seed <n>', "seed of the local cloud's draws (creation times): runs that can be repeated")
    .option('--demo', 'send sample requests through every trigger and show their progress')
    .option('--json', 'print one JSON line with the endpoints and local credentials when ready')
    .option('--template <file>', 'the Serverless Devs spec to deploy', 's.yaml')
    .option('--no-timers', "do not fire timer triggers (s.yaml's cron, in virtual time)")
    .option(
      '--env <file>',
      'KEY=VALUE lines added to the environment s.yaml is rendered with (e.g. MIRRORFLOW_WEBHOOK_MAPPING=jira)',
    )
    .option('--desired-state <file>', 'what reconcile keeps in place', 'infra/examples/desired-state.yaml')
    .option('--functions <dir>', 'the bundled functions (built when missing or stale)', 'dist')
    .option(
      '--endpoints <file>',
      'where to write the endpoints for `provision` and `events`',
      DEFAULT_ENDPOINTS_FILE,
    )
    .addHelpText(
      'after',
      '\nExamples:\n  npm start                              # = mirrorflow up --demo\n  npx mirrorflow up --port-base 0 --json   # free ports, machine-readable',
    )
    .action(async (options: UpOptions) => {
      setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
      const portBase = parseNumberOption('--port-base', options.portBase, 0, 65532);
      const timeScale = parseNumberOption('--time-scale', options.timeScale, 0.01, 10_000);
      const keptEvents = parseNumberOption('--keep-events', options.keepEvents, 100, 10_000_000);
      const keptExecutions = parseNumberOption('--keep-executions', options.keepExecutions, 10, 1_000_000);
      const keptRecords = parseNumberOption('--keep-records', options.keepRecords, 100, 10_000_000);
      const envFile = options.env === undefined ? {} : readEnvFile(options.env);
      const say = (text: string) => (options.json ? io.err(text) : io.out(text));
      const s = styler(Boolean(process.stdout.isTTY) && !options.json);

      if (bundlesAreStale('functions', options.functions)) {
        io.err('building the functions (esbuild)…');
        await bundleFunctions({ functionsDir: 'functions', outDir: options.functions });
      }
      mkdirSync('.state', { recursive: true });
      const logFile = '.state/functions.log';
      let cloud: LocalCloud;
      try {
        cloud = await startLocalCloud({
          portBase,
          timeScale,
          functionsDir: options.functions,
          sYaml: options.template,
          desiredState: options.desiredState,
          // s.yaml is rendered with this shell's environment, as `s deploy` would render it.
          env: { ...process.env, ...envFile },
          runTimers: options.timers,
          ...(options.state ? { stateDir: options.state } : {}),
          keptEvents,
          keptExecutions,
          keptRecords,
          ...(options.seed === undefined
            ? {}
            : { random: seededRandom(parseNumberOption('--seed', options.seed, 0, 2 ** 31)) }),
          onLog: (fn, line) => appendFileSync(logFile, `${fn} ${line}\n`),
        });
      } catch (error) {
        if (!isDeploymentError(error)) throw error;
        io.err(`deploy failed: ${(error as Error).message}`);
        setExit(EXIT.failed);
        return;
      }
      const endpoints = cloud.endpoints() as unknown as Endpoints;
      const endpointsFile = writeEndpoints(options.endpoints, endpoints);
      if (endpointsFile !== options.endpoints)
        io.err(
          `another mirrorflow up owns ${options.endpoints}: this one's endpoints are in ${endpointsFile} (pass --endpoints ${endpointsFile} to provision and events)`,
        );
      const timers = cloud.deployment.functions.flatMap((fn) =>
        fn.triggers.flatMap((t) =>
          t.triggerType === 'timer'
            ? [`${fn.name}/${t.triggerName} '${t.triggerConfig.cronExpression}'`]
            : [],
        ),
      );

      if (options.json) io.out(JSON.stringify(endpoints));
      else {
        say(`${s.bold('mirrorflow is up')} on its local cloud (time runs ${timeScale}× real time)`);
        say(
          `  EventBridge       ${endpoints.eventbridge}/events   (bus ${endpoints.eventBus}: POST CloudEvents; GET to read them)`,
        );
        say(`  webhook           ${endpoints.webhook}   (secret ${endpoints.webhookSecret})`);
        say(`  VPC API           ${endpoints.vpc}   admin ${endpoints.admin}/`);
        say(`  CloudFlow API     ${endpoints.fnf}`);
        say(`  Function Compute  ${endpoints.fc}`);
        say(
          `  credentials       ${endpoints.accessKeyId} / ${endpoints.accessKeySecret}   region ${endpoints.regionId}`,
        );
        say(
          `  timers            ${options.timers && timers.length ? `${timers.join(', ')} in virtual time (${options.desiredState})` : 'off'}`,
        );
        say(`  function logs     ${logFile}      endpoints ${endpointsFile}`);
        say('');
      }

      // Listen for Ctrl-C from here on, so a stop during the demo still shuts everything down cleanly.
      const stopped = untilSignal();
      let demoOk = true;
      if (options.demo) {
        try {
          demoOk = await runDemo(cloud, {
            write: (text) => (options.json ? process.stderr.write(text) : process.stdout.write(text)),
            isTty: options.json ? Boolean(process.stderr.isTTY) : Boolean(process.stdout.isTTY),
          });
        } catch (error) {
          demoOk = false;
          io.err(
            `the demo failed: ${(error as Error).message} (see ${logFile}); the local cloud keeps serving`,
          );
        }
      } else if (!options.json) {
        say('Ctrl-C to stop.');
      }

      const signal = await stopped;
      await cloud.close();
      removeEndpoints(endpointsFile);
      io.err(`stopped (${signal})`);
      setExit(demoOk ? EXIT.ok : EXIT.failed);
    });
}

/** A dotenv-style file (KEY=VALUE lines, # comments), as Node parses it. */
function readEnvFile(file: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new UsageError(`--env: cannot read ${file}`);
  }
  return parseEnv(text) as Record<string, string>;
}

/** What a deploy would refuse: the spec, a flow definition, a policy, a role the service cannot assume. */
function isDeploymentError(error: unknown): boolean {
  return (
    error instanceof SpecError ||
    error instanceof DefinitionError ||
    error instanceof PolicyError ||
    error instanceof AssumeRoleError ||
    error instanceof StateDirError
  );
}
