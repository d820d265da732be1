/**
 * What the chaos rows send, over real HTTP to the local servers, and what came back: every answer's status
 * is counted, a 5xx or a dropped connection is kept apart, and a webhook sender behaves as a real one does —
 * a 503 with Retry-After (the cloud still throttling after mirrorflow's retries) is sent again, the same
 * delivery freshly signed, after that many virtual seconds, up to a cap.
 */
import { clientToken, eventKey, webhookKey } from '../../functions/lib/contract/clientToken.js';
import { signHub, signMirrorflow } from '../../functions/lib/triggers/webhookSignature.js';

export interface WireCounts {
  /** Answers by HTTP status (`"dropped"`: no answer at all). */
  statuses: Record<string, number>;
  /** 5xx answers other than a 503 with Retry-After. */
  serverErrors: number;
  /** 503 answers with Retry-After: the documented "busy, send the same delivery again later". */
  busy: number;
  /** Connections closed or reset without an answer. */
  dropped: number;
  /** The `code` of each 5xx answer's body (e.g. the cloud's code behind a webhook's 503), by code. */
  serverErrorCodes: Record<string, number>;
}

export interface Answer {
  /** null: the connection was dropped. */
  status: number | null;
  retryAfter: string | null;
  body: unknown;
}

export class Wire {
  readonly counts: WireCounts = { statuses: {}, serverErrors: 0, busy: 0, dropped: 0, serverErrorCodes: {} };

  async send(url: string, init: RequestInit): Promise<Answer> {
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, init);
      text = await response.text();
    } catch {
      this.count('dropped');
      this.counts.dropped++;
      return { status: null, retryAfter: null, body: undefined };
    }
    const retryAfter = response.headers.get('retry-after');
    this.count(String(response.status));
    if (response.status === 503 && retryAfter !== null) this.counts.busy++;
    else if (response.status >= 500) this.counts.serverErrors++;
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: kept as text
    }
    if (response.status >= 500) {
      const code = String((body as { code?: unknown } | null)?.code ?? `HTTP ${response.status}`);
      this.counts.serverErrorCodes[code] = (this.counts.serverErrorCodes[code] ?? 0) + 1;
    }
    return { status: response.status, retryAfter, body };
  }

  private count(key: string): void {
    this.counts.statuses[key] = (this.counts.statuses[key] ?? 0) + 1;
  }
}

/** A mirror request as a CloudEvent on the `mirrorflow` bus (the rule feeding intake-event matches it). */
export interface RequestEvent {
  source: string;
  id: string;
  type?: 'Submitted' | 'Modified' | 'Withdrawn';
  data: unknown;
}

export const eventToken = (source: string, id: string) => clientToken('event', eventKey(source, id));

export function cloudEvent(event: RequestEvent): Record<string, unknown> {
  return {
    specversion: '1.0',
    aliyuneventbusname: 'mirrorflow',
    id: event.id,
    source: event.source,
    type: `mirrorflow:MirrorRequest:${event.type ?? 'Submitted'}`,
    datacontenttype: 'application/json',
    data: event.data,
  };
}

/** `POST <bus>/events`: the local stand-in for PutEvents. Accepted: 200. */
export async function putEvent(wire: Wire, busUrl: string, body: unknown): Promise<Answer> {
  return wire.send(`${busUrl}/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/cloudevents+json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

export interface WebhookTarget {
  url: string;
  secret: string;
}

/** One signed webhook delivery as a sender holds it: the raw body, its delivery id and signing scheme. */
export interface WebhookDelivery {
  raw: string;
  deliveryId: string;
  /** v2 signs the delivery id (it names the request); hub signs the body only (the body names it). */
  scheme: 'v2' | 'hub';
}

/** The ClientToken the webhook derives for a delivery (README: which delivery id names the request). */
export function webhookToken(delivery: WebhookDelivery): string {
  return clientToken(
    'webhook',
    webhookKey(delivery.scheme === 'v2' ? delivery.deliveryId : undefined, delivery.raw),
  );
}

/** The headers of a delivery signed now (v2: at `unixSeconds`, real time, as a sender's clock reads). */
export function signedHeaders(
  delivery: WebhookDelivery,
  secret: string,
  unixSeconds = Math.floor(Date.now() / 1000),
): Record<string, string> {
  return {
    'content-type': 'application/json',
    'x-mirrorflow-delivery': delivery.deliveryId,
    ...(delivery.scheme === 'v2'
      ? { 'x-mirrorflow-signature': signMirrorflow(secret, delivery.raw, unixSeconds, delivery.deliveryId) }
      : { 'x-hub-signature': signHub(secret, delivery.raw) }),
  };
}

export interface SenderPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** Sleeps in the cloud's virtual time. */
  sleep: (virtualMs: number) => Promise<void>;
}

export interface Delivered {
  accepted: boolean;
  /** The last answer. */
  last: Answer;
  attempts: number;
  /** The ClientToken of the 2xx answer, when there was one. */
  answeredToken: string | undefined;
  /** The exact headers of the accepted attempt (what a capture on the way would hold). */
  acceptedHeaders: Record<string, string> | undefined;
}

/**
 * Sends one delivery as a ticketing system would: signed afresh on each attempt, sent again after a 503's
 * Retry-After (virtual seconds), after another 5xx or a dropped connection (5, 10, 20… virtual seconds), until
 * a 2xx or a 4xx, or the cap.
 */
export async function deliverWebhook(
  wire: Wire,
  target: WebhookTarget,
  delivery: WebhookDelivery,
  policy: SenderPolicy,
): Promise<Delivered> {
  let last: Answer = { status: null, retryAfter: null, body: undefined };
  let attempts = 0;
  for (let attempt = 1; attempt <= policy.maxAttempts; attempt++) {
    attempts = attempt;
    const headers = signedHeaders(delivery, target.secret);
    last = await wire.send(target.url, { method: 'POST', headers, body: delivery.raw });
    if (last.status !== null && last.status >= 200 && last.status < 300) {
      const token = (last.body as { clientToken?: unknown } | undefined)?.clientToken;
      return {
        accepted: true,
        last,
        attempts: attempt,
        answeredToken: typeof token === 'string' ? token : undefined,
        acceptedHeaders: headers,
      };
    }
    if (last.status !== null && last.status < 500) break;
    if (attempt === policy.maxAttempts) break;
    const retryAfterSeconds = Number(last.retryAfter);
    await policy.sleep(
      last.retryAfter !== null && retryAfterSeconds > 0
        ? retryAfterSeconds * 1000
        : 5_000 * 2 ** (attempt - 1),
    );
  }
  return {
    accepted: false,
    last,
    attempts,
    answeredToken: undefined,
    acceptedHeaders: undefined,
  };
}

/** Runs `task` over `items`, at most `limit` at a time, and answers the results in order. */
export async function inPool<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await task(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
