/** `mirrorflow preflight --region R`: a checklist of what would make a deployment fail. */
import type { Command } from 'commander';
import { MissingCredentialsError, resolveCredentials } from '../../../functions/lib/cloud/credentials.js';
import { readEndpoints } from '../endpoints.js';
import { type CliIo, EXIT, UsageError } from '../io.js';
import { preflight } from '../preflight.js';
import { styler } from '../style.js';

export function registerPreflight(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('preflight')
    .description('check, with real credentials, what would make a deployment fail; prints a checklist')
    .requiredOption('--region <id>', 'the region to deploy to')
    .option('--filter <tmf-id>', 'a traffic mirror filter to dry-run a create with')
    .option('--source <eni-id>', 'a source ENI to dry-run a create with')
    .option('--target <id>', 'a target ENI or SLB to dry-run a create with')
    .option('--flow <name>', 'the session-ready flow name', 'session-ready')
    .option('--reconcile-flow <name>', 'the reconcile-run flow name', 'reconcile-run')
    .option('--local [endpoints-file]', 'check the running local cloud instead (its endpoints file)')
    .option('--json', 'machine-readable checklist')
    .addHelpText(
      'after',
      '\nCredentials: ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET (and ALIBABA_CLOUD_SECURITY_TOKEN for STS).',
    )
    .action(
      async (o: {
        region: string;
        filter?: string;
        source?: string;
        target?: string;
        flow: string;
        reconcileFlow: string;
        local?: string | boolean;
        json?: boolean;
      }) => {
        let target: {
          credentials: ReturnType<typeof resolveCredentials>;
          vpcEndpoint?: string;
          fnfEndpoint?: string;
        };
        if (o.local) {
          const endpoints = readEndpoints(typeof o.local === 'string' ? o.local : '.state/endpoints.json');
          target = {
            credentials: { accessKeyId: endpoints.accessKeyId, accessKeySecret: endpoints.accessKeySecret },
            vpcEndpoint: endpoints.vpc,
            fnfEndpoint: endpoints.fnf,
          };
        } else {
          try {
            target = { credentials: resolveCredentials(undefined) };
          } catch (error) {
            if (error instanceof MissingCredentialsError) throw new UsageError(error.message);
            throw error;
          }
        }
        const checks = await preflight({
          region: o.region,
          flowNames: [o.flow, o.reconcileFlow],
          ...target,
          ...(o.filter ? { filter: o.filter } : {}),
          ...(o.source ? { source: o.source } : {}),
          ...(o.target ? { target: o.target } : {}),
        });
        const s = styler(Boolean(process.stdout.isTTY));
        if (o.json)
          io.out(JSON.stringify({ region: o.region, ok: checks.every((c) => c.ok !== false), checks }));
        else {
          for (const c of checks) {
            const mark = c.ok === true ? s.green('✓') : c.ok === false ? s.red('✗') : s.yellow('–');
            io.out(`${mark} ${c.name}\n    ${s.dim(c.detail)}`);
          }
        }
        setExit(checks.some((c) => c.ok === false) ? EXIT.failed : EXIT.ok);
      },
    );
}
