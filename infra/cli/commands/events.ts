/** `mirrorflow events [--follow]`: the completion events on the local bus, as they arrive. */
import type { Command } from 'commander';
import type { StoredEvent } from '../../local/eventbridge/bus.js';
import { DEFAULT_ENDPOINTS_FILE, readEndpoints } from '../endpoints.js';
import { type CliIo, EXIT } from '../io.js';
import { untilSignal } from '../signals.js';
import { styler } from '../style.js';

/** Reads the bus from index `since`, long-polling, until `stopWhen` matches an event, the time is up, or `signal` aborts. */
export async function followEvents(
  busUrl: string,
  options: {
    since: number;
    until: number;
    stopWhen?: (e: StoredEvent) => boolean;
    onEvent?: (e: StoredEvent) => void;
    signal?: AbortSignal;
  },
): Promise<StoredEvent | undefined> {
  let since = options.since;
  while (Date.now() < options.until && !options.signal?.aborted) {
    const wait = Math.max(1, Math.min(20, Math.ceil((options.until - Date.now()) / 1000)));
    let events: StoredEvent[];
    try {
      const response = await fetch(
        `${busUrl}/events?since=${since}&wait=${wait}`,
        options.signal ? { signal: options.signal } : {},
      );
      events = (await response.json()) as StoredEvent[];
      // The bus says where to go on from (it drops its oldest events on a long run).
      const next = Number(response.headers.get('x-mirrorflow-next'));
      since = Number.isInteger(next) && next >= since ? next - events.length : since;
    } catch (error) {
      if (options.signal?.aborted) return undefined; // Ctrl-C: stop at once, not after the long poll
      throw error;
    }
    since += events.length;
    for (const event of events) {
      options.onEvent?.(event);
      if (options.stopWhen?.(event)) return event;
    }
  }
  return undefined;
}

interface EventsOptions {
  follow?: boolean;
  all?: boolean;
  endpoints: string;
  json?: boolean;
  type?: string;
  ticket?: string;
  token?: string;
}

/** Whether an event passes the --type, --ticket and --token filters. */
export function matchesFilters(
  e: StoredEvent,
  filters: Pick<EventsOptions, 'type' | 'ticket' | 'token'>,
): boolean {
  const type = String(e.type);
  if (filters.type && type !== filters.type && !type.endsWith(`:${filters.type}`)) return false;
  const data = (e.data ?? {}) as { clientToken?: string; correlation?: Record<string, string> };
  if (filters.token && data.clientToken !== filters.token) return false;
  if (filters.ticket && !Object.values(data.correlation ?? {}).includes(filters.ticket)) return false;
  return true;
}

export function registerEvents(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('events')
    .description('print the completion events on the local bus; --follow keeps printing them as they arrive')
    .option('--follow', 'keep waiting for new events until Ctrl-C')
    .option('--all', 'every event on the bus, not only completion events')
    .option('--endpoints <file>', 'the endpoints `mirrorflow up` wrote', DEFAULT_ENDPOINTS_FILE)
    .option('--json', 'one CloudEvent per line, as JSON')
    .option('--type <type>', 'only events of this type (the full type, or its last part: Ready, Failed)')
    .option(
      '--ticket <value>',
      'only events whose correlation carries this value (a ticket id, a requester…)',
    )
    .option('--token <clientToken>', 'only the events of this request')
    .action(async (options: EventsOptions) => {
      const endpoints = readEndpoints(options.endpoints);
      const s = styler(Boolean(process.stdout.isTTY));
      const show = (e: StoredEvent) => {
        const completion = String(e.type).startsWith('mirrorflow:TrafficMirrorSession:');
        if (!completion && !options.all) return;
        if (!matchesFilters(e, options)) return;
        if (options.json) return io.out(JSON.stringify(e));
        const data = (e.data ?? {}) as {
          outcome?: string;
          reason?: string;
          correlation?: Record<string, string>;
          trigger?: string;
        };
        const outcome =
          data.outcome === 'Ready' || data.outcome === 'Deleted'
            ? s.green(data.outcome.padEnd(7))
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
        const stop = new AbortController();
        void untilSignal().then(() => stop.abort());
        await followEvents(endpoints.eventbridge, {
          since: existing.length,
          until: Number.POSITIVE_INFINITY,
          onEvent: show,
          signal: stop.signal,
        });
      }
      setExit(EXIT.ok);
    });
}
