/** The webhook with a custom JMESPath mapping file (MIRRORFLOW_WEBHOOK_MAPPING=<path>), end to end. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signHub } from '../../functions/lib/triggers/webhookSignature.js';
import type { LocalCloud } from '../../infra/local/cloud.js';
import { startTestCloud, waitForCompletion } from '../helpers/localCloud.js';

let cloud: LocalCloud;
const mapping = join(mkdtempSync(join(tmpdir(), 'mf-mapping-')), 'mapping.json');

beforeAll(async () => {
  writeFileSync(
    mapping,
    JSON.stringify({
      description:
        'An in-house ticket tool: fields under ticket.mirror, the ticket id as correlation and delivery id.',
      request:
        "{RegionId: body.ticket.mirror.region, TrafficMirrorSourceIds: body.ticket.mirror.sources, TrafficMirrorTargetId: body.ticket.mirror.target, TrafficMirrorTargetType: 'NetworkInterface', TrafficMirrorFilterId: body.ticket.mirror.filter}",
      correlation: '{ticket: body.ticket.id, team: body.ticket.team}',
      deliveryId: 'headers."x-ticket-delivery"',
    }),
  );
  cloud = await startTestCloud({ env: { MIRRORFLOW_WEBHOOK_MAPPING: mapping } });
}, 120_000);
afterAll(() => cloud?.close());

const send = (body: unknown, delivery: string) => {
  const raw = JSON.stringify(body);
  return fetch(cloud.webhookUrl, {
    method: 'POST',
    headers: { 'x-ticket-delivery': delivery, 'x-hub-signature': signHub(cloud.webhookSecret, raw) },
    body: raw,
  });
};

describe('a custom webhook mapping', () => {
  it('maps an in-house payload to a request and correlation, and provisions it', async () => {
    const response = await send(
      {
        ticket: {
          id: 'T-77',
          team: 'blue',
          mirror: {
            region: 'cn-hangzhou',
            sources: ['eni-bp1web03'],
            target: 'eni-bp1ids01',
            filter: 'tmf-bp1all01',
          },
        },
      },
      'd-77',
    );
    expect(response.status).toBe(202);
    const answer = (await response.json()) as { clientToken: string };
    const [ready] = await waitForCompletion(cloud, answer.clientToken);
    expect(ready!.data).toMatchObject({ outcome: 'Ready', correlation: { ticket: 'T-77', team: 'blue' } });
  });

  it('answers 422 naming the missing or wrong fields, and names a broken expression', async () => {
    const none = await send({ something: 'else' }, 'd-78');
    expect(none.status).toBe(422);
    expect(await none.json()).toMatchObject({
      problems: expect.arrayContaining([{ path: 'RegionId', rule: 'is required' }]),
    });
    const bad = await send(
      {
        ticket: {
          id: 'T-79',
          mirror: {
            region: 'cn-hangzhou',
            sources: 'eni-bp1web03',
            target: 'eni-bp1ids01',
            filter: 'tmf-bp1all01',
          },
        },
      },
      'd-79',
    );
    expect(bad.status).toBe(422);
    expect(await bad.json()).toMatchObject({
      problems: [{ path: 'TrafficMirrorSourceIds', rule: expect.any(String) }],
    });
  });
});
