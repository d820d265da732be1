import type { Command } from 'commander';
import { DEFAULT_ENDPOINTS_FILE, readEndpoints } from '../endpoints.js';
import { type CliIo, EXIT } from '../io.js';
import { putCliRequest } from '../requestEvent.js';
import { parseNumberOption } from './emulator.js';
import { followEvents } from './events.js';

export function registerStop(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('stop')
    .description(
      'withdraw a session mirrorflow created: by the ClientToken of its request, or by its id (tms-…)',
    )
    .argument('<key>', 'the ClientToken of the request that created the session, or the session id')
    .option('--wait', 'wait for the Deleted (or Failed) event')
    .option('--timeout <seconds>', 'how long --wait waits (real seconds)', '120')
    .option('--endpoints <file>', 'the endpoints `mirrorflow up` wrote', DEFAULT_ENDPOINTS_FILE)
    .option('--json', 'the answer as JSON')
    .action(
      async (
        key: string,
        options: { wait?: boolean; timeout: string; endpoints: string; json?: boolean },
      ) => {
        const timeout = parseNumberOption('--timeout', options.timeout, 1, 3600);
        const endpoints = readEndpoints(options.endpoints);
        const named = key.startsWith('tms-') ? { TrafficMirrorSessionId: key } : { ClientToken: key };
        const since = ((await (await fetch(`${endpoints.eventbridge}/events`)).json()) as unknown[]).length;
        const { token } = await putCliRequest(endpoints, 'Withdrawn', {
          RegionId: endpoints.regionId,
          ...named,
        });
        if (!options.wait) {
          if (options.json) io.out(JSON.stringify({ state: 'sent', clientToken: token }));
          else
            io.out(
              `withdraw sent (client token ${token}); \`mirrorflow status ${token}\` shows where it stands`,
            );
          return setExit(EXIT.ok);
        }
        const event = await followEvents(endpoints.eventbridge, {
          since,
          until: Date.now() + timeout * 1000,
          stopWhen: (e) =>
            String(e.type).startsWith('mirrorflow:TrafficMirrorSession:') &&
            (e.data as { clientToken?: string })?.clientToken === token,
        });
        if (!event) {
          io.err(`no answer within ${timeout} s (client token ${token})`);
          return setExit(EXIT.failed);
        }
        const data = event.data as { outcome: string; reason?: string; sessionId?: string };
        if (options.json) io.out(JSON.stringify(event));
        else io.out(`${data.outcome}  ${data.reason ?? ''}  ${data.sessionId ?? ''}`.trimEnd());
        setExit(data.outcome === 'Deleted' ? EXIT.ok : EXIT.failed);
      },
    );
}
