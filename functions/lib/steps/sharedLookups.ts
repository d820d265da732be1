/**
 * Looks at sessions by id for every invocation an instance runs at once. The look-ups of one region that
 * arrive within a short window share ListTrafficMirrorSessions calls of up to 100 ids: on a custom runtime
 * with instance concurrency, the flows whose looks fall on the same tick (steps/pollSchedule.ts) are answered
 * by one call instead of one each. On a runtime without concurrency each look-up is simply its own call, a
 * window later.
 */
import { CloudApiError } from '../cloud/cloudError.js';
import type { TrafficMirrorSession } from '../cloud/vpcClient.js';

/** Ids per List call (the API's MaxResults). */
export const IDS_PER_LIST = 100;
/** How long the first look-up of a region waits for others before the call goes out (cloud time). */
export const SHARED_LOOK_WINDOW_MS = 150;

/** One List call by ids; resolves with the sessions found. */
export type ListByIds = (regionId: string, ids: string[]) => Promise<TrafficMirrorSession[]>;

interface Call {
  ids: string[];
  sessions: Promise<TrafficMirrorSession[]>;
}

interface Batch {
  ids: Set<string>;
  /** Resolves, once the window closes, with each id's call. */
  calls: Promise<Map<string, Call>>;
}

export class SharedLookups {
  private readonly open = new Map<string, Batch>();
  /** List calls made, for the logs. */
  calls = 0;

  constructor(private readonly windowMs = SHARED_LOOK_WINDOW_MS) {}

  /**
   * The sessions among `ids` that exist, by id. The first look-up of a region opens a window (`sleep` is the
   * caller's clock) that later ones join; a failed call fails only the look-ups whose ids it carried (and a
   * refusal for good only once each has asked again for its own ids: it may have been for another's).
   * `windowMs` 0 (a look no other flow is known to share) is a call of its own, sent at once: its plan kept no
   * time for a window, not even one already open.
   */
  async lookUp(
    regionId: string,
    ids: readonly string[],
    list: ListByIds,
    sleep: (ms: number) => Promise<void>,
    windowMs = this.windowMs,
  ): Promise<Map<string, TrafficMirrorSession>> {
    const shared = windowMs > 0;
    let batch = shared ? this.open.get(regionId) : undefined;
    if (!batch) {
      const opened: Batch = { ids: new Set(), calls: Promise.resolve(new Map()) };
      const closes = shared ? sleep(windowMs) : Promise.resolve();
      opened.calls = closes.then(() => this.send(regionId, opened, list));
      if (shared) this.open.set(regionId, opened);
      batch = opened;
    }
    for (const id of ids) batch.ids.add(id);
    const calls = await batch.calls;
    const wanted = new Set(ids);
    const mine = [...new Set(ids.map((id) => calls.get(id)!))];
    const pages = await Promise.all(
      mine.map((call) =>
        call.sessions.catch((error: unknown) => {
          const others = call.ids.some((id) => !wanted.has(id));
          if (!others || !(error instanceof CloudApiError) || error.retryable) throw error;
          this.calls++;
          return list(
            regionId,
            call.ids.filter((id) => wanted.has(id)),
          );
        }),
      ),
    );
    return new Map(
      pages
        .flat()
        .filter((s) => wanted.has(s.TrafficMirrorSessionId))
        .map((s) => [s.TrafficMirrorSessionId, s]),
    );
  }

  /** Closes the window: the batch's ids in calls of up to IDS_PER_LIST. */
  private send(regionId: string, batch: Batch, list: ListByIds): Map<string, Call> {
    if (this.open.get(regionId) === batch) this.open.delete(regionId);
    const all = [...batch.ids];
    const byId = new Map<string, Call>();
    for (let start = 0; start < all.length; start += IDS_PER_LIST) {
      const ids = all.slice(start, start + IDS_PER_LIST);
      this.calls++;
      const call: Call = { ids, sessions: list(regionId, ids) };
      // Each call is awaited by the look-ups that carry its ids; this keeps a failure from going unhandled
      // in the moment before they do.
      call.sessions.catch(() => undefined);
      for (const id of ids) byId.set(id, call);
    }
    return byId;
  }
}
