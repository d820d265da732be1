/**
 * `mirrorflow provision <request.json>`: sends a request through a running local stack (`mirrorflow up`),
 * via the EventBridge bus or the signed webhook, and follows it to its completion event. Progress goes to
 * stderr, the completion event to stdout; exit 0 Ready, 1 Failed (or no answer in time), 2 invalid input.
 */

import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { validateMirrorRequest } from '../../../functions/lib/contract/request.js';
import { signMirrorflow } from '../../../functions/lib/triggers/webhookSignature.js';
import { DEFAULT_ENDPOINTS_FILE, readEndpoints } from '../endpoints.js';
import { type CliIo, EXIT, UsageError } from '../io.js';
import { InputError, readJsonDocument } from '../readJson.js';
import { putCliRequest } from '../requestEvent.js';
import { styler } from '../style.js';
import { parseNumberOption } from './emulator.js';
import { followEvents } from './events.js';

export function registerProvision(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('provision')
    .description(
      'send a mirror request through the running local stack and follow it to its completion event',
    )
    .argument('<request.json>', 'the mirror request ("-" reads standard input)')
    .option('--via <trigger>', 'event (EventBridge) or webhook (signed HTTP)', 'event')
    .option('--endpoints <file>', 'the endpoints `mirrorflow up` wrote', DEFAULT_ENDPOINTS_FILE)
    .option('--timeout <seconds>', 'how long to wait for the completion event (real seconds)', '120')
    .option('--json', 'print the completion event as JSON')
    .action(
      async (file: string, options: { via: string; endpoints: string; timeout: string; json?: boolean }) => {
        if (options.via !== 'event' && options.via !== 'webhook')
          throw new UsageError('--via must be "event" or "webhook"');
        const timeout = parseNumberOption('--timeout', options.timeout, 1, 3600);
        let request: unknown;
        try {
          request = await readJsonDocument(file, io);
        } catch (error) {
          if (error instanceof InputError) {
            io.err(`error: ${error.message}`);
            return setExit(EXIT.usage);
          }
          throw error;
        }
        const checked = validateMirrorRequest(request);
        if (!checked.ok) {
          // --json: the problems as JSON on stdout, like every other answer of this command.
          if (options.json) io.out(JSON.stringify({ valid: false, file, problems: checked.problems }));
          else
            io.err(`invalid: ${file}\n${checked.problems.map((p) => `  ${p.path}: ${p.rule}`).join('\n')}`);
          return setExit(EXIT.usage);
        }
        const endpoints = readEndpoints(options.endpoints);
        const s = styler(Boolean(process.stderr.isTTY));
        const since = ((await (await fetch(`${endpoints.eventbridge}/events`)).json()) as unknown[]).length;
        let token: string;
        if (options.via === 'event') {
          const sent = await putCliRequest(endpoints, 'Submitted', request);
          token = sent.token;
          io.err(`${s.dim('sent')} as EventBridge event ${sent.id} (client token ${token})`);
        } else {
          const body = JSON.stringify({ request });
          // v2 signs the delivery id, so each `provision` is a request of its own.
          const delivery = randomUUID();
          const response = await fetch(endpoints.webhook, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              'x-mirrorflow-delivery': delivery,
              'x-mirrorflow-signature': signMirrorflow(
                endpoints.webhookSecret,
                body,
                Math.floor(Date.now() / 1000),
                delivery,
              ),
            },
            body,
          });
          const answer = (await response.json()) as {
            clientToken?: string;
            outcome?: string;
            trafficMirrorSessionId?: string;
            error?: unknown;
          };
          io.err(`${s.dim('sent')} to the webhook: HTTP ${response.status} ${JSON.stringify(answer)}`);
          if (!answer.clientToken) return setExit(response.status >= 500 ? EXIT.failed : EXIT.usage);
          token = answer.clientToken;
        }
        io.err(`${s.dim('waiting')} for its completion event…`);
        const event = await followEvents(endpoints.eventbridge, {
          since,
          until: Date.now() + timeout * 1000,
          stopWhen: (e) =>
            String(e.type).startsWith('mirrorflow:TrafficMirrorSession:') &&
            (e.data as { clientToken?: string })?.clientToken === token,
        });
        if (!event) {
          io.err(`no completion event within ${timeout} s`);
          return setExit(EXIT.failed);
        }
        const data = event.data as {
          outcome: string;
          reason?: string;
          sessionId?: string;
          elapsedSeconds?: number;
          error?: { hint?: string };
        };
        io.err(
          data.outcome === 'Ready'
            ? s.green(`Ready: ${data.sessionId ?? '(dry run)'} after ${data.elapsedSeconds} virtual s`)
            : s.red(`Failed: ${data.reason}${data.error?.hint ? ` — ${data.error.hint}` : ''}`),
        );
        io.out(options.json ? JSON.stringify(event) : JSON.stringify(event, null, 2));
        setExit(data.outcome === 'Ready' ? EXIT.ok : EXIT.failed);
      },
    );
}
