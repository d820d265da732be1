/** `mirrorflow sessions`: the sessions mirrorflow owns in a region, with where they came from and how they ended. */
import type { Command } from 'commander';
import { DEFAULT_ENDPOINTS_FILE, readEndpoints } from '../endpoints.js';
import { type CliIo, EXIT } from '../io.js';
import { ownedSessions } from '../lookup/localStack.js';
import { styler } from '../style.js';

export function registerSessions(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('sessions')
    .description(
      'list the traffic mirror sessions mirrorflow owns (its ownership tag), with origin and correlation',
    )
    .option('--region <id>', 'the region (default: the running stack’s)')
    .option('--endpoints <file>', 'the endpoints `mirrorflow up` wrote', DEFAULT_ENDPOINTS_FILE)
    .option('--json', 'one JSON array')
    .action(async (options: { region?: string; endpoints: string; json?: boolean }) => {
      const endpoints = readEndpoints(options.endpoints);
      const sessions = await ownedSessions(endpoints, options.region ?? endpoints.regionId);
      if (options.json) {
        io.out(JSON.stringify(sessions));
        return setExit(EXIT.ok);
      }
      const s = styler(Boolean(process.stdout.isTTY));
      if (sessions.length === 0) io.out('no sessions owned by mirrorflow in this region');
      for (const x of sessions) {
        const correlation = Object.entries(x.correlation)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ');
        io.out(
          [
            x.id,
            x.status === 'Created' ? s.green(x.status) : x.status,
            x.enabled ? 'enabled' : s.dim('disabled'),
            x.entry ? `${x.origin}:${x.entry}` : x.origin,
            x.ticket ? `ticket ${x.ticket}` : '',
            `${x.sources.join(',')} → ${x.target}`,
            x.filter,
            `priority ${x.priority}`,
            x.name ?? '',
            x.expiresAt ? `expires ${x.expiresAt}` : '',
            correlation,
          ]
            .join('  ')
            .trimEnd(),
        );
      }
      setExit(EXIT.ok);
    });
}
