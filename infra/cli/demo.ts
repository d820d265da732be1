/**
 * `mirrorflow up --demo`: sends a request through each trigger (an EventBridge event, a signed ticket webhook,
 * a reconcile of the example desired state) and one that fails on purpose, shows each one's progress live
 * (sent → created → Creating → Created → Ready event), then a summary and where to look next.
 */

import { readFileSync } from 'node:fs';
import { clientToken, eventKey, reconcileKey } from '../../functions/lib/contract/clientToken.js';
import { signHub, signMirrorflow } from '../../functions/lib/triggers/webhookSignature.js';
import type { LocalCloud } from '../local/cloud.js';
import type { StoredEvent } from '../local/eventbridge/bus.js';
import { putEvents } from '../local/eventbridge/signature.js';
import { styler } from './style.js';

interface Tracked {
  label: string;
  trigger: 'event' | 'webhook' | 'reconcile';
  token: string;
  stage: string;
  sessionId?: string;
  outcome?: 'Ready' | 'Failed';
  reason?: string;
  elapsed?: number;
}

export interface DemoOutput {
  write(text: string): void;
  isTty: boolean;
}

const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;

function completion(cloud: LocalCloud, token: string): StoredEvent | undefined {
  return cloud.stack.bus.events.find(
    (e) =>
      String(e.type).startsWith('mirrorflow:TrafficMirrorSession:') &&
      (e.data as { clientToken?: string }).clientToken === token,
  );
}

function update(cloud: LocalCloud, t: Tracked): void {
  const event = completion(cloud, t.token);
  const session = cloud.vpc.model
    .liveSessions()
    .find((s) => s.clientToken === t.token || (t.sessionId && s.id === t.sessionId));
  if (session) {
    t.sessionId = session.id;
    t.stage = cloud.vpc.model.statusOf(session);
  }
  if (event) {
    const data = event.data as {
      outcome: 'Ready' | 'Failed';
      reason?: string;
      elapsedSeconds?: number;
      sessionId?: string | null;
    };
    t.outcome = data.outcome;
    t.reason = data.reason ?? '';
    t.elapsed = data.elapsedSeconds;
    t.sessionId = data.sessionId ?? t.sessionId;
    t.stage = `${data.outcome} event`;
  }
}

const STAGES = ['sent', 'Creating', 'Created', 'Ready event'];

function line(t: Tracked, s: ReturnType<typeof styler>): string {
  const path = STAGES.map((stage) => {
    const reached = STAGES.indexOf(t.stage) >= STAGES.indexOf(stage) || t.outcome === 'Ready';
    return reached ? s.green(stage) : s.dim(stage);
  }).join(' → ');
  const status = t.outcome === 'Failed' ? `${s.red('Failed event')} (${t.reason})` : path;
  return `  ${s.bold(t.trigger.padEnd(9))} ${t.label.padEnd(26)} ${status}`;
}

export async function runDemo(
  cloud: LocalCloud,
  out: DemoOutput,
  options: { timeoutMs?: number } = {},
): Promise<boolean> {
  const s = styler(out.isTty);
  const tracked: Tracked[] = [];
  const eventRequest = readJson('infra/examples/request-eni.json');
  const webhookRequest = readJson('infra/examples/request-slb.json');
  const broken = {
    ...eventRequest,
    TrafficMirrorSourceIds: ['eni-bp1nope01'],
    TrafficMirrorSessionName: 'missing-eni-on-purpose',
  };
  const endpoints = cloud.endpoints();
  const postEvent = async (id: string, data: unknown) => {
    // PutEvents as a user's application sends it: signed, on the custom bus.
    await putEvents(
      cloud.stack.bus.url,
      { accessKeyId: endpoints.accessKeyId!, accessKeySecret: endpoints.accessKeySecret! },
      cloud.regionId,
      [
        {
          specversion: '1.0',
          aliyuneventbusname: endpoints.eventBus ?? 'mirrorflow',
          id,
          source: 'mirrorflow.demo',
          type: 'mirrorflow:MirrorRequest:Submitted',
          datacontenttype: 'application/json',
          data,
        },
      ],
    );
    return clientToken('event', eventKey('mirrorflow.demo', id));
  };

  out.write(
    `${s.bold('mirrorflow demo')}: one request through each trigger, and one that fails on purpose\n`,
  );
  const run = Date.now().toString(36);
  tracked.push({
    label: 'web01 → IDS sensor (ENI)',
    trigger: 'event',
    token: await postEvent(`demo-${run}-1`, eventRequest),
    stage: 'sent',
  });
  tracked.push({
    label: 'missing ENI (fails)',
    trigger: 'event',
    token: await postEvent(`demo-${run}-2`, broken),
    stage: 'sent',
  });

  const body = JSON.stringify({ request: webhookRequest, correlation: { ticket: 'DEMO-1' } });
  const reply = await fetch(cloud.webhookUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-mirrorflow-delivery': `demo-${run}`,
      'x-mirrorflow-signature': signMirrorflow(
        cloud.webhookSecret,
        body,
        Math.floor(Date.now() / 1000),
        `demo-${run}`,
      ),
    },
    body,
  });
  const answer = (await reply.json()) as {
    clientToken?: string;
    trafficMirrorSessionId?: string;
    error?: string;
  };
  tracked.push({
    label: 'db tier → NDR (SLB)',
    trigger: 'webhook',
    token: answer.clientToken ?? '',
    stage: 'sent',
    ...(answer.trafficMirrorSessionId ? { sessionId: answer.trafficMirrorSessionId } : {}),
  });

  const triggerTime = new Date(cloud.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const report = (await cloud.reconcile(triggerTime)) as {
    entries: { name: string; status: string; sessionId: string | null }[];
  };
  for (const entry of report.entries.filter((e) => e.status === 'create')) {
    tracked.push({
      label: entry.name,
      trigger: 'reconcile',
      token: clientToken('reconcile', reconcileKey(entry.name, triggerTime)),
      stage: 'sent',
      ...(entry.sessionId ? { sessionId: entry.sessionId } : {}),
    });
  }

  // Live progress: redrawn in place on a terminal, one line per change otherwise.
  const printed = new Map<Tracked, string>();
  let drawn = 0;
  const until = Date.now() + (options.timeoutMs ?? 120_000);
  for (;;) {
    for (const t of tracked) update(cloud, t);
    if (out.isTty) {
      if (drawn) out.write(`\u001b[${drawn}A`);
      out.write(tracked.map((t) => `\u001b[2K${line(t, s)}\n`).join(''));
      drawn = tracked.length;
    } else {
      for (const t of tracked) {
        const text = line(t, s);
        if (printed.get(t) !== text) out.write(`${text}\n`);
        printed.set(t, text);
      }
    }
    if (tracked.every((t) => t.outcome) || Date.now() > until) break;
    await new Promise((r) => setTimeout(r, 150));
  }

  out.write(`\n${s.bold('summary')}\n`);
  out.write(
    `  ${'trigger'.padEnd(9)} ${'request'.padEnd(26)} ${'session'.padEnd(26)} ${'outcome'.padEnd(8)} ${'virtual s'.padStart(9)}  reason\n`,
  );
  for (const t of tracked) {
    const outcome = t.outcome ?? 'pending';
    const colour = t.outcome === 'Ready' ? s.green : t.outcome === 'Failed' ? s.red : s.yellow;
    out.write(
      `  ${t.trigger.padEnd(9)} ${t.label.padEnd(26)} ${(t.sessionId ?? '—').padEnd(26)} ${colour(outcome.padEnd(8))} ${String(t.elapsed ?? '').padStart(9)}  ${t.reason ?? ''}\n`,
    );
  }
  const sample = JSON.stringify({
    request: {
      ...eventRequest,
      TrafficMirrorSourceIds: ['eni-bp1app02'],
      TrafficMirrorSessionName: 'from-curl',
      Correlation: undefined,
    },
    correlation: { ticket: 'CURL-1' },
  });
  out.write(`\n${s.bold('where to look next')}\n`);
  out.write(`  completion events   npx mirrorflow events --follow\n`);
  out.write(
    `  send a request      npx mirrorflow provision infra/examples/request-dry-run.json --via webhook\n`,
  );
  out.write(`  the emulator        curl -s ${cloud.vpc.adminUrl}/sessions\n`);
  out.write(`  the webhook         curl -s ${cloud.webhookUrl} \\\n`);
  out.write(`                        -H 'X-Mirrorflow-Delivery: curl-1' \\\n`);
  out.write(`                        -H 'X-Hub-Signature: ${signHub(cloud.webhookSecret, sample)}' \\\n`);
  out.write(`                        -d '${sample}'\n`);
  const expected = tracked.every((t) =>
    t.label === 'missing ENI (fails)' ? t.outcome === 'Failed' : t.outcome === 'Ready',
  );
  out.write(
    `\n${expected ? s.green('every request ended as expected') : s.red('some requests did not end as expected')}. Ctrl-C to stop.\n`,
  );
  return expected;
}
