/**
 * `mirrorflow code-cache`: fetches from each deployed function the V8 code cache of its bundle, made by FC's
 * own runtime, into the build's folder; the next `s deploy` ships them (see the README, "Deploy").
 */
import { relative } from 'node:path';
import type { Command } from 'commander';
import { MissingCredentialsError, resolveCredentials } from '../../../functions/lib/cloud/credentials.js';
import { builtFunctions, type CodeCacheOutcome, fetchCodeCaches } from '../codeCaches.js';
import { readEndpoints } from '../endpoints.js';
import { fc3Endpoint, fc3Invoker } from '../fc3Invoker.js';
import { type CliIo, EXIT, UsageError } from '../io.js';
import { styler } from '../style.js';

const LOADED: Record<string, string> = {
  none: 'it had loaded without a cache',
  used: 'it had loaded from its cache already',
  refused: "V8 had refused its cache (FC's runtime changed since it was made)",
  stale: 'its cache was for another bundle',
  corrupt: 'its cache was damaged',
};

function describe(o: CodeCacheOutcome): string {
  if (o.error) return o.error;
  return `wrote ${relative(process.cwd(), o.file!)} (${Math.round(o.bytes! / 1000)} KB); ${LOADED[o.loaded!] ?? o.loaded}`;
}

export function registerCodeCache(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('code-cache')
    .description(
      "fetch from each deployed function the V8 code cache FC's runtime makes of its bundle, into the build's folder: the next deploy ships them, and a cold start compiles from its cache",
    )
    .option('--region <id>', 'the region the functions are deployed to; default MIRRORFLOW_REGION')
    .option(
      '--account-id <id>',
      'the Alibaba Cloud account (its FC endpoint); default ALIBABA_CLOUD_ACCOUNT_ID',
    )
    .option('--dist <dir>', 'the build folder that was deployed', 'dist')
    .option('--functions <names>', 'only these functions (comma-separated); default every function in --dist')
    .option('--local [endpoints-file]', 'the running local cloud instead (its endpoints file)')
    .option('--json', 'machine-readable outcome')
    .addHelpText(
      'after',
      '\nCredentials: ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET (and ALIBABA_CLOUD_SECURITY_TOKEN for STS), allowed fc:InvokeFunction.\nThen deploy again (`s deploy`): the caches ship with the code.',
    )
    .action(
      async (o: {
        region?: string;
        accountId?: string;
        dist: string;
        functions?: string;
        local?: string | boolean;
        json?: boolean;
      }) => {
        const built = builtFunctions(o.dist);
        if (built.length === 0)
          throw new UsageError(`${o.dist} holds no built function: run \`npm run build\``);
        const names = o.functions ? o.functions.split(',').map((n) => n.trim()) : built;
        const unknown = names.filter((n) => !built.includes(n));
        if (unknown.length > 0) throw new UsageError(`not built in ${o.dist}: ${unknown.join(', ')}`);
        let invoke: ReturnType<typeof fc3Invoker>;
        if (o.local) {
          const endpoints = readEndpoints(typeof o.local === 'string' ? o.local : '.state/endpoints.json');
          invoke = fc3Invoker({
            ...fc3Endpoint({ url: endpoints.fc }),
            region: endpoints.regionId,
            credentials: { accessKeyId: endpoints.accessKeyId, accessKeySecret: endpoints.accessKeySecret },
          });
        } else {
          const accountId = o.accountId ?? process.env.ALIBABA_CLOUD_ACCOUNT_ID;
          const region = o.region ?? process.env.MIRRORFLOW_REGION;
          if (!region) throw new UsageError('--region (or MIRRORFLOW_REGION) is required, or --local');
          if (!accountId) throw new UsageError('--account-id (or ALIBABA_CLOUD_ACCOUNT_ID) is required');
          let credentials: ReturnType<typeof resolveCredentials>;
          try {
            credentials = resolveCredentials(undefined);
          } catch (error) {
            if (error instanceof MissingCredentialsError) throw new UsageError(error.message);
            throw error;
          }
          invoke = fc3Invoker({
            ...fc3Endpoint({ accountId, region }),
            region,
            credentials,
          });
        }
        const outcomes = await fetchCodeCaches({ dist: o.dist, names, invoke });
        const failed = outcomes.some((x) => x.error !== undefined);
        if (o.json) io.out(JSON.stringify({ ok: !failed, functions: outcomes }));
        else {
          const s = styler(Boolean(process.stdout.isTTY));
          for (const x of outcomes)
            io.out(
              `${x.error ? s.red('✗') : s.green('✓')} ${x.function}${x.entry ? ` (${x.entry})` : ''}: ${describe(x)}`,
            );
          if (outcomes.some((x) => x.file))
            io.out(
              s.dim('deploy again (`s deploy`) to ship them: each function then compiles from its own cache'),
            );
        }
        setExit(failed ? EXIT.failed : EXIT.ok);
      },
    );
}
