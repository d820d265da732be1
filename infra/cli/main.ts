/**
 * The `mirrorflow` command line: one CLI for people and tests. Every command has --help, machine-readable
 * output with --json, and the exit codes 0 (success), 1 (the operation failed), 2 (bad usage or input).
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { registerBench } from './commands/bench.js';
import { registerBuild } from './commands/build.js';
import { registerCodeCache } from './commands/codeCache.js';
import { registerEmulator } from './commands/emulator.js';
import { registerEvents } from './commands/events.js';
import { registerFlow } from './commands/flow.js';
import { registerPreflight } from './commands/preflight.js';
import { registerProvision } from './commands/provision.js';
import { registerSessions } from './commands/sessions.js';
import { registerStatus } from './commands/status.js';
import { registerStop } from './commands/stop.js';
import { registerUp } from './commands/up.js';
import { registerValidate } from './commands/validate.js';
import { type CliIo, EXIT, processIo, UsageError } from './io.js';

/** The version in the package's own package.json (bin/mirrorflow.js runs from the package root). */
function packageVersion(): string {
  const file = new URL('../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

export function buildProgram(io: CliIo, setExit: (code: number) => void): Command {
  const program = new Command('mirrorflow')
    .description(
      'Provision Alibaba Cloud VPC traffic mirror sessions reliably — and run it all on a local cloud.',
    )
    .version(packageVersion(), '-V, --version', 'print the version of mirrorflow')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .exitOverride();
  registerUp(program, io, setExit);
  registerValidate(program, io, setExit);
  registerProvision(program, io, setExit);
  registerEvents(program, io, setExit);
  registerSessions(program, io, setExit);
  registerStatus(program, io, setExit);
  registerStop(program, io, setExit);
  registerPreflight(program, io, setExit);
  registerCodeCache(program, io, setExit);
  registerBuild(program, io, setExit);
  registerEmulator(program, io, setExit);
  registerFlow(program, io, setExit);
  registerBench(program, io, setExit);
  for (const command of program.commands) {
    command
      .exitOverride()
      .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
      .showHelpAfterError('(run with --help for usage)');
  }
  return program;
}

export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = buildProgram(io, (code) => {
    exitCode = code;
  });
  if (argv.length === 0) {
    program.outputHelp({ error: true });
    return EXIT.usage;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version exit 0; every other commander error is a usage error.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (error instanceof UsageError) {
      io.err(`error: ${error.message}\n(run with --help for usage)`);
      return EXIT.usage;
    }
    // The operation failed: one line, no stack trace (set MIRRORFLOW_DEBUG=1 for the stack).
    io.err(`error: ${error instanceof Error ? error.message : String(error)}`);
    if (process.env.MIRRORFLOW_DEBUG) io.err(String((error as Error)?.stack));
    return EXIT.failed;
  }
}
