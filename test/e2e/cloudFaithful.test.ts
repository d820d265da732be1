/**
 * The local cloud is deployed from the artefacts a user deploys and refuses what Alibaba Cloud refuses: a
 * copy of s.yaml / infra/ram / infra/eventbridge is edited, deployed, and judged — by RAM (denials with the
 * services' codes), by EventBridge's routing (custom events never reach the default bus), and by FC (only
 * what s.yaml declares exists).
 */
import FCClient from '@alicloud/fc2';
import { afterEach, describe, expect, it } from 'vitest';
import { clientToken, eventKey } from '../../functions/lib/contract/clientToken.js';
import type { LocalCloud } from '../../infra/local/cloud.js';
import { LOCAL_ACCESS_KEY } from '../../infra/local/credentials.js';
import { SpecError } from '../../infra/local/deploy/variables.js';
import { copyDeployment } from '../helpers/deploymentCopy.js';
import {
  completionEvents,
  postWebhook,
  settle,
  startTestCloud,
  waitForCompletion,
} from '../helpers/localCloud.js';
import { demoRequest } from '../helpers/requests.js';

let cloud: LocalCloud | undefined;
afterEach(async () => {
  await cloud?.close();
  cloud = undefined;
});

const deploy = (copy: ReturnType<typeof copyDeployment>) =>
  startTestCloud({ sYaml: copy.sYaml, ramDir: copy.ramDir, eventBridgeDir: copy.eventBridgeDir });

async function submitEvent(c: LocalCloud, id: string, data: unknown, bus = 'mirrorflow') {
  const response = await fetch(`${c.stack.bus.url}/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/cloudevents+json' },
    body: JSON.stringify({
      specversion: '1.0',
      aliyuneventbusname: bus,
      id,
      source: 'tickets.faithful',
      type: 'mirrorflow:MirrorRequest:Submitted',
      data,
    }),
  });
  return { response, token: clientToken('event', eventKey('tickets.faithful', id)) };
}

const fcClient = (c: LocalCloud) =>
  new FCClient('1234567890123456', {
    accessKeyID: LOCAL_ACCESS_KEY.accessKeyId,
    accessKeySecret: LOCAL_ACCESS_KEY.accessKeySecret,
    region: c.regionId,
    endpoint: c.stack.fc.url,
  });

describe('deployed from s.yaml', () => {
  it('removing a function or a trigger from s.yaml removes it locally; an environment change reaches the function', async () => {
    const copy = copyDeployment();
    copy.editSpec((doc) => {
      doc.deleteIn(['resources', 'reconcile']);
      doc.deleteIn(['resources', 'intake-webhook', 'props', 'triggers']);
      doc.setIn(
        ['template', 'mirrorflow-function', 'environmentVariables', 'MIRRORFLOW_OWNER'],
        'secops-team',
      );
    });
    cloud = await deploy(copy);
    expect(cloud.deployment.functions.map((f) => f.name)).toEqual([
      'check-status',
      'intake-event',
      'dead-letter',
      'intake-webhook',
    ]);
    const gone = await fcClient(cloud)
      .invokeFunction('mirrorflow', 'reconcile', '{}')
      .catch((e) => e);
    expect(gone).toMatchObject({ code: 'FunctionNotFound' });
    const webhook = await fetch(`${cloud.stack.fc.url}/http/intake-webhook`, { method: 'POST', body: '{}' });
    expect(webhook.status).toBe(404);

    const { token } = await submitEvent(cloud, 'env-1', demoRequest('eni-bp1web01'));
    await waitForCompletion(cloud, token);
    const [session] = cloud.vpc.model.liveSessions().filter((s) => s.sourceIds.includes('eni-bp1web01'));
    expect(session?.tags).toContainEqual({ Key: 'mirrorflow-owner', Value: 'secops-team' });
  }, 60_000);

  it('refuses to start from an s.yaml the components would refuse, with their message', async () => {
    const copy = copyDeployment();
    copy.editSpec((doc) => doc.setIn(['resources', 'session-ready', 'props', 'region'], 'cn-chengdu'));
    await expect(deploy(copy)).rejects.toThrow(/region is must be in \["cn-beijing"/);
    const typo = copyDeployment();
    typo.editSpec((doc) => doc.setIn(['resources', 'check-status', 'props', 'timeOut'], 30));
    await expect(deploy(typo)).rejects.toThrow(SpecError);
    await expect(deploy(typo)).rejects.toThrow('check-status/props/timeOut is not an fc3 prop');
  }, 60_000);
});

describe('CloudFlow, as the service runs flows', () => {
  it('a flow deployed in Express mode is never started: the hand-off is refused with the code', async () => {
    const copy = copyDeployment();
    copy.editSpec((doc) => doc.setIn(['resources', 'session-ready', 'props', 'executionMode'], 'Express'));
    cloud = await deploy(copy);
    const response = await postWebhook(cloud, { request: demoRequest('eni-bp1db01') }, 'express-1');
    expect(response.status).toBe(502);
    expect(await response.json()).toMatchObject({ code: 'InvalidArgument' });
    expect(cloud.fnf.executions.size).toBe(0);
  }, 60_000);
});

describe('RAM, as the cloud enforces it', () => {
  it('denies the old hand-off policy (fnf:StartExecution on flow/session-ready): Forbidden.RAM, no flow runs', async () => {
    const copy = copyDeployment();
    copy.editPolicy('intake-webhook.json', (policy) => {
      for (const s of policy.Statement)
        if (JSON.stringify(s.Action) === '["fnf:StartExecution"]')
          s.Resource = ['acs:fnf:${region}:${accountId}:flow/session-ready'];
    });
    cloud = await deploy(copy);
    const response = await postWebhook(cloud, { request: demoRequest('eni-bp1db01') }, 'old-policy-1');
    expect(response.status).toBe(502);
    expect(await response.json()).toMatchObject({
      code: 'Forbidden.RAM',
      hint: expect.stringMatching(/infra\/ram/),
    });
    const starts = cloud.fnf.calls.filter((c) => c.action === 'StartExecution');
    expect(starts.length).toBeGreaterThan(0);
    expect(starts.every((c) => c.code === 'Forbidden.RAM' && c.httpStatus === 403)).toBe(true);
    expect(cloud.fnf.executions.size).toBe(0);
    expect(cloud.authority.decisions).toContainEqual({
      principal: 'mirrorflow-intake-webhook',
      action: 'fnf:StartExecution',
      allowed: false,
    });
  }, 60_000);

  it('a role without vpc:CreateTrafficMirrorSession: one Failed event with the permission code, no session', async () => {
    const copy = copyDeployment();
    copy.editPolicy('intake-event.json', (policy) => {
      policy.Statement = policy.Statement.filter(
        (s) => JSON.stringify(s.Action) !== '["vpc:CreateTrafficMirrorSession"]',
      );
    });
    cloud = await deploy(copy);
    const { token } = await submitEvent(cloud, 'no-create-1', demoRequest('eni-bp1app02'));
    const [failed] = await waitForCompletion(cloud, token);
    expect(failed).toMatchObject({
      type: 'mirrorflow:TrafficMirrorSession:Failed',
      data: { outcome: 'Failed', error: { code: 'Forbidden.RAM', retryable: false } },
    });
    await settle(cloud);
    expect(completionEvents(cloud, token)).toHaveLength(1);
    expect(cloud.vpc.model.liveSessions().filter((s) => s.sourceIds.includes('eni-bp1app02'))).toEqual([]);
    expect(
      cloud.vpc.calls.filter((c) => c.action === 'CreateTrafficMirrorSession').map((c) => c.httpStatus),
    ).toEqual([403]);
  }, 60_000);
});

describe('EventBridge, as the service routes', () => {
  it('the old fc3 EventBridge trigger (Default source) puts its rule on the default bus: requests never arrive', async () => {
    const copy = copyDeployment();
    copy.editSpec((doc) =>
      doc.setIn(
        ['resources', 'intake-event', 'props', 'triggers'],
        [
          {
            triggerName: 'mirror-requests',
            triggerType: 'eventbridge',
            qualifier: 'LATEST',
            triggerConfig: {
              triggerEnable: true,
              asyncInvocationType: true,
              eventRuleFilterPattern: '{"type":["mirrorflow:MirrorRequest:Submitted"]}',
              eventSourceConfig: { eventSourceType: 'Default' },
              eventSinkConfig: { deliveryOption: { eventSchema: 'CloudEvents' } },
            },
          },
        ],
      ),
    );
    // The old infra/eventbridge file: the custom bus with a rule that has no target (it relied on the trigger).
    copy.write(
      'infra/eventbridge/requests-to-intake-event.json',
      '{"EventBusName":"mirrorflow","RuleName":"no-target","FilterPattern":"{\\"type\\":[\\"none\\"]}"}',
    );
    cloud = await deploy(copy);
    expect(cloud.stack.bus.model.rules('default').map((r) => r.name)).toEqual([
      'intake-event-mirror-requests',
    ]);
    const onCustom = await submitEvent(cloud, 'lost-1', demoRequest('eni-bp1web01'));
    expect(onCustom.response.status).toBe(200);
    const onDefault = await submitEvent(cloud, 'lost-2', demoRequest('eni-bp1web01'), 'default');
    expect(onDefault.response.status).toBe(400);
    expect(await onDefault.response.json()).toMatchObject({ code: 'InvalidArgument' });
    await settle(cloud);
    expect(cloud.stack.fc.invocations.filter((i) => i.function === 'intake-event')).toEqual([]);
    expect(cloud.vpc.model.liveSessions()).toEqual([]);
  }, 60_000);

  it('the shipped rule on the custom bus invokes intake-event asynchronously with EventBridge’s service role', async () => {
    cloud = await startTestCloud();
    const [rule] = cloud.stack.bus.model.rules('mirrorflow');
    expect(rule).toMatchObject({ name: 'mirrorflow-requests', targets: [{ Type: 'acs.fc.function' }] });
    const { token } = await submitEvent(cloud, 'routed-1', demoRequest('eni-bp1web01'));
    await waitForCompletion(cloud, token);
    expect(cloud.stack.fc.invocations.find((i) => i.function === 'intake-event')).toMatchObject({
      invocationType: 'Async',
    });
    expect(cloud.authority.decisions).toContainEqual({
      principal: 'aliyunserviceroleforeventbridgesendtofc',
      action: 'fc:InvokeFunction',
      allowed: true,
    });
  }, 60_000);
});
