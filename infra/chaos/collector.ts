/**
 * Follows a bus's completion events through its public read API (`GET /events?since=N&wait=S`, counted over
 * every event ever accepted), so a row sees all of them even when the bus keeps only its newest 20,000 — and
 * the crash row sees those of a stack that is then killed (the long poll answers as each event arrives).
 */
import { completionEventProblems } from './schema.js';
import { COMPLETION_PREFIX, type SeenEvent, seenEvents } from './tally.js';

export class EventCollector {
  readonly events: SeenEvent[] = [];
  /** Failure reasons of the Failed events (distinct ids), by `data.reason`. */
  readonly reasons: Record<string, number> = {};
  /** Completion events (distinct ids) that break the published schema, with their problems. */
  readonly schemaViolations: { id: string; problems: string }[] = [];
  private since = 0;
  private readonly checked = new Set<string>();
  private readonly reasoned = new Set<string>();
  private following: AbortController | undefined;
  private loop: Promise<void> | undefined;

  constructor(private busUrl: string) {}

  /** Follows another bus from its first event (a restarted stack's). */
  switchTo(busUrl: string): void {
    this.busUrl = busUrl;
    this.since = 0;
  }

  /** Reads every event since the last read (waiting up to `waitSeconds` for the next one). */
  async poll(waitSeconds = 0, signal?: AbortSignal): Promise<void> {
    const response = await fetch(`${this.busUrl}/events?since=${this.since}&wait=${waitSeconds}`, {
      ...(signal ? { signal } : {}),
    });
    const next = Number(response.headers.get('x-mirrorflow-next'));
    const all = (await response.json()) as { id: string; type: string; data?: unknown }[];
    const completions = all.filter((e) => typeof e.type === 'string' && e.type.startsWith(COMPLETION_PREFIX));
    this.events.push(...seenEvents(completions));
    for (const e of completions) {
      if (this.checked.has(e.id)) continue;
      this.checked.add(e.id);
      const problems = completionEventProblems(e);
      if (problems !== undefined) this.schemaViolations.push({ id: e.id, problems });
    }
    for (const e of completions) {
      if (!e.type.endsWith(':Failed') || this.reasoned.has(e.id)) continue;
      this.reasoned.add(e.id);
      const data = (e.data ?? {}) as { reason?: unknown; attempts?: unknown; session?: unknown };
      // A timeout decided at the flow's first round never listed the session (check-status skips the List
      // of a session it has just created): told apart, since the session may well be Created by then.
      const unlooked = data.reason === 'Mirror.Timeout' && data.attempts === 1 && data.session == null;
      const reason = unlooked
        ? 'Mirror.Timeout at the first round, never listed'
        : String(data.reason ?? 'unknown');
      this.reasons[reason] = (this.reasons[reason] ?? 0) + 1;
    }
    if (Number.isInteger(next) && next >= this.since) this.since = next;
    else this.since += all.length;
  }

  /** The Failed reasons and the schema check, as one line of a row's notes. */
  answersNote(): string {
    const reasons = Object.entries(this.reasons)
      .sort(([, a], [, b]) => b - a)
      .map(([r, n]) => `${r} ${n}`)
      .join(', ');
    const broken = this.schemaViolations;
    return `Failed reasons: ${reasons || 'none'}; completion events breaking the published schema: ${broken.length}${broken.length ? ` (first: ${broken[0]!.id}: ${broken[0]!.problems})` : ''}`;
  }

  /** Long-polls until stopped; a failed read (a stack going down) is tried again shortly. */
  follow(): void {
    if (this.following) return;
    const control = new AbortController();
    this.following = control;
    this.loop = (async () => {
      while (!control.signal.aborted) {
        try {
          await this.poll(1, control.signal);
        } catch {
          if (!control.signal.aborted) await new Promise((r) => setTimeout(r, 100));
        }
      }
    })();
  }

  /** Stops following (the read in flight is abandoned: call poll() for a last complete read). */
  async stop(): Promise<void> {
    this.following?.abort();
    this.following = undefined;
    await this.loop;
    this.loop = undefined;
  }
}
