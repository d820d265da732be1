/** `mirrorflow build`: bundles every function for FC (what `npm run build` runs), and ships the desired state. */
import { basename, join } from 'node:path';
import type { Command } from 'commander';
import { type DesiredState, DesiredStateError } from '../../../functions/lib/contract/desiredState.js';
import { bundleFunctions } from '../../build/bundleFunctions.js';
import {
  checkDesiredStateFile,
  desiredStateMismatch,
  shipDesiredState,
} from '../../build/desiredStateFile.js';
import { type CliIo, EXIT } from '../io.js';

export function registerBuild(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('build')
    .description(
      "bundle each functions/<name>/index.ts into dist/<name>/index.bundle.js, loaded by dist/<name>/index.js through the function's code cache when it has one (and a server.ts beside it, a custom runtime's entry, into server.bundle.js and server.js; CommonJS, Node 20) with esbuild, and the packages loaded on demand into dist/<name>/on-demand/",
    )
    .option('--functions <dir>', 'where the function folders are', 'functions')
    .option('--out <dir>', 'where the bundles go', 'dist')
    .option(
      '--desired-state <file>',
      "check a desired-state document (YAML or JSON) and ship it as JSON in reconcile's folder (<out>/reconcile/desired-state.json)",
    )
    .option('--json', 'machine-readable output')
    .action(async (options: { functions: string; out: string; desiredState?: string; json?: boolean }) => {
      // The desired state first: a document that would fail the deploy stops it before anything is written.
      let desired: DesiredState | undefined;
      if (options.desiredState !== undefined) {
        const mismatch = desiredStateMismatch(process.env.MIRRORFLOW_DESIRED_STATE);
        if (mismatch) {
          io.err(`error: ${mismatch}`);
          setExit(EXIT.usage);
          return;
        }
        try {
          desired = checkDesiredStateFile(options.desiredState);
        } catch (error) {
          const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
          if (!(error instanceof DesiredStateError) && !missing) throw error;
          io.err(
            missing
              ? `error: ${options.desiredState} does not exist`
              : [
                  `error: ${(error as DesiredStateError).summary}`,
                  ...(error as DesiredStateError).problems.map((p) => `  ${p.path}: ${p.rule}`),
                ].join('\n'),
          );
          setExit(EXIT.usage);
          return;
        }
      }
      const results = await bundleFunctions({ functionsDir: options.functions, outDir: options.out });
      const shipped = desired && shipDesiredState(desired, join(options.out, 'reconcile'));
      if (options.json) io.out(JSON.stringify({ functions: results, desiredState: shipped ?? null }));
      else if (results.length === 0) io.out(`no functions in ${options.functions}/ to bundle`);
      else
        for (const r of results)
          io.out(
            [
              `${r.name.padEnd(16)} ${kib(r.bytes)}  ${r.bundleFile} (loaded by ${basename(r.file)})`,
              ...r.onDemand.map((f) => `${''.padEnd(16)} ${kib(f.bytes)}  ${f.file} (loaded on demand)`),
              ...r.entries.flatMap((e) =>
                e.codeCacheBytes !== undefined
                  ? [`${''.padEnd(16)} ${kib(e.codeCacheBytes)}  ${e.bundleFile}.v8cache (code cache, kept)`]
                  : e.codeCacheDropped
                    ? [
                        `${''.padEnd(16)} code cache of ${basename(e.bundleFile)} removed: the bundle changed (\`mirrorflow code-cache\` after deploying makes a new one)`,
                      ]
                    : [],
              ),
            ].join('\n'),
          );
      if (shipped && !options.json)
        io.out(`desired state    ${shipped.entries} entries checked, shipped as ${shipped.file}`);
      setExit(EXIT.ok);
    });
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1).padStart(8)} KiB`;
