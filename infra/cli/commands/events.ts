/** `mirrorflow events [--follow]`: the completion events on the local bus, as they arrive. */
import type { Command } from 'commander';
import type { StoredEvent } from '../../local/eventbridge/bus.js';
import { DEFAULT_ENDPOINTS_FILE, readEndpoints } from '../endpoints.js';
import { type CliIo, EXIT } from '../io.js';
import { untilSignal } from '../signals.js';
import { styler } from '../style.js';

/** Reads the bus from index `since`, long-polling, until `stopWhen` matches an event or the time is up. */
export async function followEvents(
  busUrl: string,
  options: {
    since: number;
    until: number;
    stopWhen?: (e: StoredEvent) => boolean;
    onEvent?: (e: StoredEvent) => void;
    stopped?: () => boolean;
  },
): Promise<StoredEvent | undefined> {
  let since = options.since;
  while (Date.now() < options.until && !options.stopped?.()) {
    const wait = Math.max(1, Math.min(20, Math.ceil((options.until - Date.now()) / 1000)));
    const events = (await (
      await fetch(`${busUrl}/events?since=${since}&wait=${wait}`)
    ).json()) as StoredEvent[];
    since += events.length;
    for (const event of events) {
      options.onEvent?.(event);
      if (options.stopWhen?.(event)) return event;
    }
  }
  return undefined;
}

export function registerEvents(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('events')
    .description('print the completion events on the local bus; --follow keeps printing them as they arrive')
    .option('--follow', 'keep waiting for new events until Ctrl-C')
    .option('--all', 'every event on the bus, not only completion events')
    .option('--endpoints <file>', 'the endpoints `mirrorflow up` wrote', DEFAULT_ENDPOINTS_FILE)
    .option('--json', 'one CloudEvent per line, as JSON')
    .action(async (options: { follow?: boolean; all?: boolean; endpoints: string; json?: boolean }) => {
      const endpoints = readEndpoints(options.endpoints);
      const s = styler(Boolean(process.stdout.isTTY));
      const show = (e: StoredEvent) => {
        const completion = String(e.type).startsWith('mirrorflow:TrafficMirrorSession:');
        if (!completion && !options.all) return;
        if (options.json) return io.out(JSON.stringify(e));
        const data = (e.data ?? {}) as {
          outcome?: string;
          reason?: string;
          correlation?: Record<string, string>;
          trigger?: string;
        };
        const outcome =
          data.outcome === 'Ready'
            ? s.green('Ready ')
            : data.outcome === 'Failed'
              ? s.red('Failed')
              : s.dim(String(e.type));
        const correlation = Object.entries(data.correlation ?? {})
          .map(([k, v]) => `${k}=${v}`)
          .join(' ');
        io.out(
          `${String(e.time ?? '')}  ${outcome}  ${String(e.subject ?? '')}  ${data.reason ?? ''}  ${data.trigger ?? ''}  ${correlation}`.trimEnd(),
        );
      };
      const existing = (await (await fetch(`${endpoints.eventbridge}/events`)).json()) as StoredEvent[];
      existing.forEach(show);
      if (options.follow) {
        let stop = false;
        void untilSignal().then(() => {
          stop = true;
        });
        await followEvents(endpoints.eventbridge, {
          since: existing.length,
          until: Number.POSITIVE_INFINITY,
          onEvent: show,
          stopped: () => stop,
        });
      }
      setExit(EXIT.ok);
    });
}
