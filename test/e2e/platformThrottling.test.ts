/**
 * FC's invoke API and EventBridge's PutEvents throttled as the platform throttles them: FC answers 429
 * ResourceThrottled (CloudFlow's FC.ResourceThrottled), EventBridge 429 TooManyRequests. mirrorflow's flows
 * retry both, and EventBridge retries its deliveries to intake-event, so every request still ends in exactly
 * one completion event.
 */
import { describe, expect, it } from 'vitest';
import { LOCAL_ACCOUNT_ID } from '../../infra/local/cloud.js';
import { LOCAL_ACCESS_KEY } from '../../infra/local/credentials.js';
import { putEvents } from '../../infra/local/eventbridge/signature.js';
import { parseFaults } from '../../infra/local/faults.js';
import { createFcInvoker } from '../../infra/local/flow/integrations/fc.js';
import {
  completionEvents,
  fileCloud,
  putRequestEvent,
  settle,
  waitForCompletion,
} from '../helpers/localCloud.js';
import { demoRequest } from '../helpers/requests.js';

const cloudOf = fileCloud();

const throttling = (action: string, throttleRate: number) =>
  parseFaults({ seed: 7, rules: [{ action, throttleRate }] });

describe('the platform throttling FC invokes and PutEvents', () => {
  it('FC answers a throttled invoke ResourceThrottled; EventBridge a throttled PutEvents TooManyRequests', async () => {
    const cloud = cloudOf();
    cloud.stack.fc.faults.set(throttling('InvokeFunction', 1));
    const invoke = createFcInvoker({
      endpoint: cloud.stack.fc.url,
      accountId: LOCAL_ACCOUNT_ID,
      region: cloud.regionId,
      credentials: LOCAL_ACCESS_KEY,
    });
    await expect(invoke({ resourceArn: 'acs:fc:::functions/dead-letter', body: '{}' })).rejects.toMatchObject(
      {
        code: 'FC.ResourceThrottled',
      },
    );
    cloud.stack.fc.faults.set({ rules: [] });

    cloud.stack.bus.faults.set(throttling('PutEvents', 1));
    const event = {
      specversion: '1.0',
      id: 't-1',
      source: 'test',
      type: 'test',
      aliyuneventbusname: 'mirrorflow',
    };
    await expect(
      putEvents(cloud.stack.bus.url, LOCAL_ACCESS_KEY, cloud.regionId, [event]),
    ).rejects.toMatchObject({ code: 'TooManyRequests' });
    cloud.stack.bus.faults.set({ rules: [] });
    expect(cloud.stack.bus.events.some((e) => e.id === 't-1')).toBe(false);
  });

  it('with a third of invokes and puts throttled, every request still ends in exactly one completion event', async () => {
    const cloud = cloudOf();
    cloud.stack.fc.faults.set(throttling('InvokeFunction', 0.3));
    cloud.stack.bus.faults.set(throttling('PutEvents', 0.3));
    const sources = ['eni-bp1web01', 'eni-bp1web02', 'eni-bp1db01', 'eni-bp1db02'];
    const tokens: string[] = [];
    for (const [i, source] of sources.entries())
      tokens.push(
        await putRequestEvent(cloud, {
          source: 'tickets.throttled',
          id: `thr-${i}`,
          type: 'Submitted',
          data: demoRequest(source),
        }),
      );
    for (const token of tokens) await waitForCompletion(cloud, token, 1, 60_000);
    await settle(cloud, 60_000);
    for (const token of tokens) expect(completionEvents(cloud, token), token).toHaveLength(1);
    // The faults did fire, on both services.
    expect(cloud.stack.fc.faults.injected.get('InvokeFunction throttled')).toBeGreaterThan(0);
    expect(cloud.stack.bus.faults.injected.get('PutEvents throttled')).toBeGreaterThan(0);
    cloud.stack.fc.faults.set({ rules: [] });
    cloud.stack.bus.faults.set({ rules: [] });
  });
});
