/** `mirrorflow build`: bundles every function for FC (what `npm run build` runs). */
import type { Command } from 'commander';
import { bundleFunctions } from '../../build/bundleFunctions.js';
import { type CliIo, EXIT } from '../io.js';

export function registerBuild(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('build')
    .description(
      "bundle each functions/<name>/index.ts into dist/<name>/index.js (and a server.ts beside it, a custom runtime's entry, into server.js; CommonJS, Node 20) with esbuild, and the packages loaded on demand into dist/<name>/on-demand/",
    )
    .option('--functions <dir>', 'where the function folders are', 'functions')
    .option('--out <dir>', 'where the bundles go', 'dist')
    .option('--json', 'machine-readable output')
    .action(async (options: { functions: string; out: string; json?: boolean }) => {
      const results = await bundleFunctions({ functionsDir: options.functions, outDir: options.out });
      if (options.json) io.out(JSON.stringify(results));
      else if (results.length === 0) io.out(`no functions in ${options.functions}/ to bundle`);
      else
        for (const r of results)
          io.out(
            `${r.name.padEnd(16)} ${(r.bytes / 1024).toFixed(1).padStart(8)} KiB  ${r.file}${r.onDemand
              .map(
                (f) =>
                  `\n${''.padEnd(16)} ${(f.bytes / 1024).toFixed(1).padStart(8)} KiB  ${f.file} (loaded on demand)`,
              )
              .join('')}`,
          );
      setExit(EXIT.ok);
    });
}
