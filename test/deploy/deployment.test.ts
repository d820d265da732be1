/**
 * The deployment, checked without an account: s.yaml references only what the build produces, every
 * setting the code reads is set, every role may do exactly what its function does (observed by running the
 * product on the local cloud with one role per function), the flow passes the definition checks, and the
 * bundles stay within their budget.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { clientToken, eventKey } from '../../functions/lib/contract/clientToken.js';
import { loadConfig, SETTING_VARIABLES } from '../../functions/lib/runtime/config.js';
import { RECOVERY_GRACE_SECONDS } from '../../functions/lib/steps/reconcileRecovery.js';
import { signHub } from '../../functions/lib/triggers/webhookSignature.js';
import {
  BUNDLE_BUDGET_BYTES,
  type BundleResult,
  bundleFunctions,
  ON_DEMAND_PACKAGES,
} from '../../infra/build/bundleFunctions.js';
import { checkDesiredStateFile, SHIPPED_DESIRED_STATE } from '../../infra/build/desiredStateFile.js';
import type { LocalCloud } from '../../infra/local/cloud.js';
import { loadFlowFile } from '../../infra/local/fnf/flows.js';
import { ACTION_RESOURCES } from '../../infra/local/ram/resources.js';
import { putRequestEvent, settle, startTestCloud, waitForCompletion } from '../helpers/localCloud.js';
import { demoRequest, faultRule } from '../helpers/requests.js';

interface Resource {
  component: string;
  extend?: { name: string };
  props: Record<string, unknown> & { triggers?: { triggerType: string }[] };
}
const sYaml = parse(readFileSync('s.yaml', 'utf8')) as {
  edition: string;
  vars: Record<string, string>;
  actions: Record<string, { run: string }[]>;
  template: Record<string, Record<string, unknown> & { environmentVariables: Record<string, string> }>;
  resources: Record<string, Resource>;
};
const functionFolders = readdirSync('functions').filter(
  (d) => d !== 'lib' && existsSync(join('functions', d, 'index.ts')),
);
const fcResources = Object.entries(sYaml.resources).filter(([, r]) => r.component === 'fc3');
const template = sYaml.template['mirrorflow-function']!;
const roles = JSON.parse(readFileSync('infra/ram/roles.json', 'utf8')) as {
  roles: { role: string; trust: string; policy: string; function?: string; flow?: string }[];
};
const policyActions = (file: string) =>
  new Set(
    (
      JSON.parse(readFileSync(join('infra/ram', file), 'utf8')) as { Statement: { Action: string[] }[] }
    ).Statement.flatMap((s) => s.Action),
  );

describe('s.yaml', () => {
  it('is a Serverless Devs 3 project that builds before it deploys', () => {
    expect(sYaml.edition).toBe('3.0.0');
    expect(sYaml.actions['pre-deploy']![0]!.run).toMatch(/npm ci && npm run build/);
  });

  it("checks the desired state as it builds, and ships it where reconcile's default looks", async () => {
    const run = sYaml.actions['pre-deploy']![0]!.run;
    expect(run).toMatch(/npm run build -- --desired-state \$\{vars\.desiredStateFile\}/);
    expect(sYaml.vars.desiredState).toContain(`'${SHIPPED_DESIRED_STATE}'`);
    expect(template.environmentVariables.MIRRORFLOW_DESIRED_STATE).toBe('${vars.desiredState}');
    // The example it ships by default passes the check.
    const example = /'MIRRORFLOW_DESIRED_STATE_FILE', '([^']+)'/.exec(sYaml.vars.desiredStateFile!)![1]!;
    expect(checkDesiredStateFile(example).sessions.length).toBeGreaterThan(0);
  });

  it('has one fc3 function per function folder, with code and handler the build produces', async () => {
    expect(fcResources.map(([name]) => name).sort()).toEqual([...functionFolders].sort());
    const out = (await import('node:fs')).mkdtempSync(join((await import('node:os')).tmpdir(), 'mf-deploy-'));
    await bundleFunctions({ functionsDir: 'functions', outDir: out });
    const require = createRequire(import.meta.url);
    for (const [name, resource] of fcResources) {
      expect(resource.extend?.name).toBe('mirrorflow-function');
      expect(resource.props.functionName).toBe(name);
      expect(resource.props.code).toBe(`./dist/${name}`);
      expect(template.handler).toBe('index.handler');
      expect(template.runtime).toBe('nodejs20');
      const bundle = require(join(out, name, 'index.js')) as Record<string, unknown>;
      expect(typeof bundle.handler, name).toBe('function');
      expect(Number(resource.props.memorySize) % 64).toBe(0);
      expect(Number(resource.props.timeout)).toBeGreaterThan(0);
    }
  });

  it('gives reconcile a timeout within half the grace a later run waits before recovering its hand-offs', () => {
    const reconcile = fcResources.find(([name]) => name === 'reconcile')![1];
    expect(2 * Number(reconcile.props.timeout)).toBeLessThanOrEqual(RECOVERY_GRACE_SECONDS);
  });

  it('lists EventBridge triggers last (fc3 stops at an unchanged one)', () => {
    for (const [name, resource] of fcResources) {
      const types = (resource.props.triggers ?? []).map((t) => t.triggerType);
      const first = types.indexOf('eventbridge');
      if (first >= 0)
        expect(
          types.slice(first).every((t) => t === 'eventbridge'),
          name,
        ).toBe(true);
    }
  });

  it('deploys the flow file, which passes the interpreter definition checks, with its own role', () => {
    const flow = sYaml.resources['session-ready']!;
    expect(flow.component).toBe('flow');
    expect(flow.props.definition).toBe("${yaml(file('./workflows/session-ready.yaml'))}");
    const definition = loadFlowFile('workflows/session-ready.yaml');
    expect(flow.props.name).toBe(definition.Name);
    expect(flow.props.executionMode).toBe('Standard');
    expect(flow.props.roleArn).toBe('acs:ram::${vars.accountId}:role/mirrorflow-session-ready');
    // The flow invokes a function s.yaml deploys.
    const arns = JSON.stringify(definition).match(/functions\/([a-z-]+)\//g) ?? [];
    for (const arn of arns) expect(Object.keys(sYaml.resources)).toContain(arn.split('/')[1]);
  });

  it('sets every setting the code reads, and no setting the code does not read', () => {
    const sources: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (entry.name.endsWith('.ts')) sources.push(readFileSync(path, 'utf8'));
      }
    };
    walk('functions');
    const read = new Set(
      sources.flatMap((text) => text.match(/\b(MIRRORFLOW|POWERTOOLS)_[A-Z0-9_]+\b/g) ?? []),
    );
    read.delete('MIRRORFLOW_LOCAL_TIME'); // set by the local cloud only
    const set = new Set(
      Object.keys(template.environmentVariables).filter((k) => /^(MIRRORFLOW|POWERTOOLS)_/.test(k)),
    );
    // Read by the Powertools logger itself, not by mirrorflow's code.
    set.delete('POWERTOOLS_LOG_LEVEL');
    expect([...read].sort()).toEqual([...set].sort());
  });

  it("gives every setting's default once: an s.yaml default is the one the code applies when unset", () => {
    const defaults = loadConfig({});
    const text = (value: unknown) =>
      value === undefined
        ? ''
        : Array.isArray(value)
          ? value.join(',')
          : typeof value === 'object'
            ? JSON.stringify(value)
            : String(value);
    const applied = Object.fromEntries(
      Object.entries(SETTING_VARIABLES).map(([field, variable]) => [
        variable,
        field === 'priorityRange'
          ? `${defaults.priorityRange.min}-${defaults.priorityRange.max}`
          : text(defaults[field as keyof typeof defaults]),
      ]),
    );
    const found = [
      ...readFileSync('s.yaml', 'utf8').matchAll(/\$\{env\('(MIRRORFLOW_[A-Z_]+)', '([^']*)'\)\}/g),
    ];
    const settings = found.filter(([, variable]) => variable! in applied);
    expect(settings.length).toBeGreaterThan(10);
    // A setting without a default in the code (the desired state's file, the secret) is s.yaml's to give.
    for (const [, variable, fallback] of settings.filter(([, v]) => applied[v!] !== ''))
      expect(`${variable}=${fallback}`).toBe(`${variable}=${applied[variable!]}`);
  });

  it('takes region, account, secrets and names from variables, never literals', () => {
    expect(sYaml.vars.region).toMatch(/^\$\{env\('MIRRORFLOW_REGION'/);
    expect(sYaml.vars.accountId).toBe("${config('AccountID')}");
    expect(template.environmentVariables.MIRRORFLOW_WEBHOOK_SECRET).toBe('${vars.webhookSecret}');
    expect(readFileSync('s.yaml', 'utf8')).not.toMatch(/\b\d{16}\b/);
  });
});

describe('RAM: one role per function and one for the flow', () => {
  it('gives every function and the flow its own role, trusted by the right service', () => {
    for (const [name, resource] of fcResources) {
      expect(resource.props.role).toBe(`acs:ram::\${vars.accountId}:role/mirrorflow-${name}`);
      const entry = roles.roles.find((r) => r.function === name);
      expect(entry, name).toMatchObject({ role: `mirrorflow-${name}`, trust: 'trust-fc.json' });
    }
    expect(roles.roles.find((r) => r.flow === 'session-ready')).toMatchObject({ trust: 'trust-fnf.json' });
  });

  it('scopes every resource to the region and account, and uses "*" only where RAM documents no resource', () => {
    for (const { policy } of roles.roles) {
      const doc = JSON.parse(readFileSync(join('infra/ram', policy), 'utf8')) as {
        Version: string;
        Statement: { Effect: string; Action: string[]; Resource: string[] }[];
      };
      expect(doc.Version).toBe('1');
      for (const statement of doc.Statement) {
        expect(statement.Effect).toBe('Allow');
        for (const resource of statement.Resource) {
          if (resource === '*') {
            // e.g. fnf:StartExecution: "All Resources" (audit R6).
            for (const action of statement.Action)
              expect(
                ACTION_RESOURCES[action]?.resources({ region: 'r', accountId: 'a', params: {} }),
                action,
              ).toEqual(['*']);
          } else expect(resource, policy).toMatch(/^acs:[a-z]+:\$\{region\}:\$\{accountId\}:.+/);
        }
      }
    }
  });

  it('allows the flow exactly the actions of its Tasks', () => {
    const text = readFileSync('workflows/session-ready.yaml', 'utf8');
    const used = new Set(
      [...text.matchAll(/Action: (\w+):(\w+)/g)].map(
        ([, service, api]) => `${service === 'FC' ? 'fc' : service!.toLowerCase()}:${api}`,
      ),
    );
    expect(policyActions('session-ready.json')).toEqual(used);
  });

  describe('each function, running on the local cloud, does exactly what its policy allows', () => {
    let cloud: LocalCloud;
    beforeAll(async () => {
      cloud = await startTestCloud({ timeScale: 200 });
      await putRequestEvent(cloud, {
        source: 'ram-test',
        id: 'ram-1',
        type: 'Submitted',
        data: demoRequest('eni-bp1web01'),
      });
      const body = JSON.stringify({
        request: {
          RegionId: 'cn-hangzhou',
          TrafficMirrorSourceIds: ['eni-bp1db01'],
          TrafficMirrorTargetId: 'lb-bp1ndr01',
          TrafficMirrorTargetType: 'SLB',
          TrafficMirrorFilterId: 'tmf-bp1http01',
        },
      });
      /** A webhook delivery signed as Jira signs it (the body only). */
      const postSigned = (raw: string, delivery: string) =>
        fetch(cloud.webhookUrl, {
          method: 'POST',
          headers: {
            'x-hub-signature': signHub(cloud.webhookSecret, raw),
            'x-mirrorflow-delivery': delivery,
          },
          body: raw,
        });
      const accepted = await fetch(cloud.webhookUrl, {
        method: 'POST',
        headers: { 'x-hub-signature': signHub(cloud.webhookSecret, body) },
        body,
      });
      const webhookSession = ((await accepted.json()) as { trafficMirrorSessionId: string })
        .trafficMirrorSessionId;
      // A request that expires a day after its creation: a later scheduled run withdraws it (reconcile deletes).
      await putRequestEvent(cloud, {
        source: 'ram-test',
        id: 'ram-x',
        type: 'Submitted',
        data: {
          RegionId: 'cn-hangzhou',
          TrafficMirrorSourceIds: ['eni-bp1app02'],
          TrafficMirrorTargetId: 'eni-bp1ids01',
          TrafficMirrorTargetType: 'NetworkInterface',
          TrafficMirrorFilterId: 'tmf-bp1all01',
          // A day: no scheduled run can reach it before the test moves the clock on by hand.
          DurationSeconds: 86_400,
        },
      });
      // A request the cloud throttles through all of FC's retries: intake-event's failure destination (the
      // dead-letter function, invoked as intake-event's role) answers it. The requests before it settle first.
      await settle(cloud, 60_000);
      cloud.vpc.faults.set({ rules: [faultRule({ throttleRate: 1 })] });
      const undeliverable = await putRequestEvent(cloud, {
        source: 'ram-test',
        id: 'ram-storm',
        type: 'Submitted',
        data: demoRequest('eni-bp1legacy01'),
      });
      await waitForCompletion(cloud, undeliverable);
      cloud.vpc.faults.set({ rules: [] });
      await cloud.reconcile('2026-11-22T06:00:00Z');
      await settle(cloud, 60_000);
      // Someone changes reconcile's web02 session by hand: the next run puts it back (Update, Add, Remove).
      const web02 = cloud.vpc.model.liveSessions().find((x) => x.sourceIds.includes('eni-bp1web02'))!;
      cloud.vpc.model.changeByHand(web02.id, (x) => {
        x.name = 'renamed-by-hand';
        x.sourceIds = ['eni-bp1db02'];
      });
      const expiring = cloud.vpc.model.liveSessions().find((x) => x.sourceIds.includes('eni-bp1app02'))!;
      // The tag says a day after creation; creation time is listed to the minute, so at most a minute more.
      // And past the grace after which a run looks for hand-offs a run that died never made (one
      // DescribeExecution per execution the 06:00 run's sessions name), in the local cloud's time.
      const graceMs = RECOVERY_GRACE_SECONDS * 1000 * cloud.clock.timeScale + 120_000;
      cloud.clock.advance(Math.max(0, expiring.createdAt + 86_461_000 - cloud.clock.now(), graceMs));
      await cloud.reconcile('2026-11-22T06:15:00Z');
      await settle(cloud, 60_000);
      // A modify of each intake's session (an attribute and the sources: Update, Add and Remove)…
      const eventToken = clientToken('event', eventKey('ram-test', 'ram-1'));
      await putRequestEvent(cloud, {
        source: 'ram-test',
        id: 'ram-m1',
        type: 'Modified',
        data: {
          RegionId: 'cn-hangzhou',
          ClientToken: eventToken,
          changes: { Priority: 555, TrafficMirrorSourceIds: ['eni-bp1db02'] },
        },
      });
      const modifyBody = JSON.stringify({
        operation: 'modify',
        request: {
          RegionId: 'cn-hangzhou',
          TrafficMirrorSessionId: webhookSession,
          changes: { Enabled: false, TrafficMirrorSourceIds: ['eni-bp1app02'] },
        },
      });
      await postSigned(modifyBody, 'ram-m2');
      await settle(cloud, 60_000);
      // …and a withdraw of the event's session, so the delete permission is exercised too.
      const withdrawEvent = {
        source: 'ram-test',
        id: 'ram-2',
        type: 'Withdrawn' as const,
        data: { RegionId: 'cn-hangzhou', ClientToken: eventToken },
      };
      await putRequestEvent(cloud, withdrawEvent);
      // …and one through the webhook (the generic mapping's withdraw operation).
      const withdraw = JSON.stringify({
        operation: 'withdraw',
        request: { RegionId: 'cn-hangzhou', TrafficMirrorSessionId: webhookSession },
      });
      await postSigned(withdraw, 'ram-w2');
      await settle(cloud, 60_000);
      // Both withdraws again, once their sessions are gone: each intake answers from the execution its first
      // delivery started (DescribeExecution).
      await putRequestEvent(cloud, withdrawEvent);
      await postSigned(withdraw, 'ram-w2');
      await settle(cloud, 60_000);
    }, 120_000);
    afterAll(() => cloud?.close());

    // What RAM authorised for each role, against its policy less what the platform does on the role's behalf
    // (FC's log delivery, the async failure destination), which no local call exercises.
    const PLATFORM_SIDE = new Set(['log:PostLogStoreLogs', 'mns:SendMessage']);
    it.each([
      ['check-status', 'check-status.json'],
      ['intake-event', 'intake-event.json'],
      ['dead-letter', 'dead-letter.json'],
      ['intake-webhook', 'intake-webhook.json'],
      ['reconcile', 'reconcile.json'],
      ['session-ready', 'session-ready.json'],
    ])('%s', (name, policy) => {
      const role = `mirrorflow-${name}`;
      const decided = cloud.authority.decisions.filter((d) => d.principal === role);
      expect(decided.length, `${name} made no calls`).toBeGreaterThan(0);
      expect(decided.filter((d) => !d.allowed)).toEqual([]);
      const observed = new Set(decided.map((d) => d.action));
      const allowed = new Set([...policyActions(policy)].filter((a) => !PLATFORM_SIDE.has(a)));
      expect(allowed).toEqual(observed);
    });
  });
});

describe('bundles', () => {
  let results: BundleResult[];
  beforeAll(async () => {
    const out = (await import('node:fs')).mkdtempSync(join((await import('node:os')).tmpdir(), 'mf-size-'));
    results = await bundleFunctions({ functionsDir: 'functions', outDir: out });
  }, 60_000);

  it.each(functionFolders)('%s stays within the budget and carries no local-cloud-only package', (name) => {
    const result = results.find((r) => r.name === name)!;
    // All the JavaScript it ships counts: each entry's loader and bundle (a custom runtime's server.js too),
    // and the on-demand files.
    const dir = dirname(result.file);
    const javascript = (readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith('.js'));
    expect(javascript.length).toBe(result.entries.length * 2 + result.onDemand.length);
    const shipped = javascript.reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
    expect(result.shippedBytes).toBe(shipped);
    expect(shipped).toBeLessThanOrEqual(BUNDLE_BUDGET_BYTES);
    for (const banned of ['@alicloud/fc2', 'cloudevents', 'esbuild', 'jsep', 'commander', 'tsx'])
      expect(result.packages).not.toContain(banned);
    expect(result.packages).toContain('@alicloud/pop-core');
  });

  it('imports of a package shipped in part (ON_DEMAND_PACKAGES) name only what ships of it', () => {
    const sources = (readdirSync('functions', { recursive: true }) as string[])
      .filter((f) => f.endsWith('.ts'))
      .map((f) => readFileSync(join('functions', f), 'utf8'));
    const partial = Object.entries(ON_DEMAND_PACKAGES).filter(([, names]) => names !== 'whole');
    expect(partial.length).toBeGreaterThan(0);
    for (const [pkg, shipped] of partial) {
      const quoted = `'${pkg}'`;
      const imports = sources.flatMap((text) => [
        ...text.matchAll(new RegExp(`import\\s+([^;]+?)\\s+from\\s+${quoted}`, 'g')),
      ]);
      expect(imports.length).toBeGreaterThan(0);
      // Named imports only (a default or namespace import would take what did not ship), each one shipped.
      const named = imports.map(([, clause]) => clause!.trim());
      for (const clause of named) expect(clause).toMatch(/^\{[^}]*\}$/);
      const names = named.flatMap((c) =>
        c
          .slice(1, -1)
          .split(',')
          .map((n) =>
            n
              .trim()
              .split(/\s+as\s+/)[0]!
              .replace(/^type\s+/, ''),
          )
          .filter(Boolean),
      );
      expect(shipped).toEqual(expect.arrayContaining(names));
      // Nor is it reached another way.
      for (const text of sources) expect(text).not.toMatch(new RegExp(`(?:require|import)\\(${quoted}\\)`));
    }
  });

  it.each(functionFolders)('%s ships every file its bundles require from beside them', (name) => {
    const result = results.find((r) => r.name === name)!;
    const folder = dirname(result.file);
    const required = readdirSync(folder)
      .filter((f) => f.endsWith('.js'))
      .flatMap((f) => [...readFileSync(join(folder, f), 'utf8').matchAll(/require\("(\.\/[^"]+)"\)/g)])
      .map((m) => m[1]!);
    expect(required).toContain('./on-demand/json-bigint.js');
    expect([...new Set(required)].sort()).toEqual(
      result.onDemand.map((f) => `./${relative(folder, f.file).split(sep).join('/')}`).sort(),
    );
    for (const file of result.onDemand) expect(existsSync(file.file)).toBe(true);
  });
});
