import { describe, expect, it } from 'vitest';
import { candidateToken, clientToken, eventKey } from '../../functions/lib/contract/clientToken.js';
import { validateMirrorRequest } from '../../functions/lib/contract/request.js';
import {
  ORIGIN_TAG_KEY,
  OWNERSHIP_TAG_KEY,
  TICKET_TAG_KEY,
  TOKEN_TAG_KEY,
} from '../../functions/lib/contract/sessionTags.js';
import { priorityCandidates, priorityKey } from '../../functions/lib/steps/priority.js';
import { isEquivalentSession, type ProvisionDeps, provision } from '../../functions/lib/steps/provision.js';
import { MemoryVpc } from '../helpers/memoryVpc.js';
import { validRequest } from '../helpers/requests.js';

const config: ProvisionDeps['config'] = {
  priorityRange: { min: 16384, max: 32766 },
  priorityAttempts: 8,
  owner: 'mirrorflow',
  retryMaxAttempts: 5,
  retryMaxElapsedMs: 60_000,
};
const noWait = { sleep: async () => {}, random: () => 0.5 };
const deps = (vpc: MemoryVpc, overrides: Partial<ProvisionDeps> = {}): ProvisionDeps => ({
  vpcFor: () => vpc,
  config,
  retryHooks: noWait,
  ...overrides,
});
const key = eventKey('acs.ticketing', 'evt-1');
const token = clientToken('event', key);
const candidates = priorityCandidates(
  priorityKey(validRequest()),
  config.priorityRange,
  config.priorityAttempts,
);
/** The ClientToken candidate i is sent with. */
const sent = (i: number) => candidateToken(token, i);

describe('provision()', () => {
  it('creates a session with a derived token, an allocated priority, Enabled=true and the ownership tag', async () => {
    const vpc = new MemoryVpc();
    const result = await provision(
      {
        request: validRequest({ Tag: [{ Key: 'team', Value: 'secops' }], Correlation: { ticket: 'SEC-42' } }),
        kind: 'event',
        key,
      },
      deps(vpc),
    );
    expect(result).toMatchObject({
      outcome: 'Created',
      sessionId: 'tms-mem1',
      clientToken: token,
      priority: candidates[0],
    });
    expect(vpc.createCalls).toHaveLength(1);
    // One look-up before the create: the listing by the first source answers both "this traffic already
    // mirrored by us?" and "an equivalent session from anyone?".
    expect(vpc.listCalls).toBe(1);
    expect(vpc.createCalls[0]).toMatchObject({
      ClientToken: sent(0),
      Priority: candidates[0],
      Enabled: true,
      Tag: [
        { Key: 'team', Value: 'secops' },
        { Key: OWNERSHIP_TAG_KEY, Value: 'mirrorflow' },
        { Key: TOKEN_TAG_KEY, Value: token },
        { Key: ORIGIN_TAG_KEY, Value: 'event' },
        { Key: TICKET_TAG_KEY, Value: 'SEC-42' },
      ],
    });
  });

  it('tags the origin it is given, and leaves out a ticket no List filter could find', async () => {
    const vpc = new MemoryVpc();
    await provision(
      {
        request: validRequest({ Correlation: { ticket: '42 (urgent)' } }),
        kind: 'reconcile',
        key,
        origin: 'reconcile.edge-1',
      },
      deps(vpc),
    );
    const tags = vpc.createCalls[0]!.Tag!;
    expect(tags).toContainEqual({ Key: ORIGIN_TAG_KEY, Value: 'reconcile.edge-1' });
    expect(tags.map((t) => t.Key)).not.toContain(TICKET_TAG_KEY);
  });

  it('sends nothing to the cloud for an invalid request', async () => {
    const vpc = new MemoryVpc();
    const result = await provision({ request: validRequest({ Priority: 0 }), kind: 'event', key }, deps(vpc));
    expect(result).toMatchObject({
      outcome: 'Invalid',
      clientToken: token,
      problems: [{ path: 'Priority' }],
    });
    expect(vpc.listCalls + vpc.createCalls.length).toBe(0);
  });

  it('reuses an equivalent session instead of creating a duplicate', async () => {
    const vpc = new MemoryVpc();
    const first = await provision({ request: validRequest(), kind: 'event', key }, deps(vpc));
    // Another trigger asks for the same mirroring (same sources, target and filter) under another key.
    const second = await provision({ request: validRequest(), kind: 'webhook', key: 'x' }, deps(vpc));
    expect(second).toMatchObject({
      outcome: 'AlreadyExists',
      sessionId: first.outcome === 'Created' ? first.sessionId : '',
    });
    expect(vpc.sessions).toHaveLength(1);
  });

  it('is safe to run twice: a redelivery finds its own session and answers as the first time', async () => {
    const vpc = new MemoryVpc();
    const a = await provision({ request: validRequest(), kind: 'event', key }, deps(vpc));
    const b = await provision({ request: validRequest(), kind: 'event', key }, deps(vpc));
    expect(b).toMatchObject({
      outcome: 'Created',
      sessionId: a.outcome === 'Created' ? a.sessionId : 'x',
    });
    expect(vpc.sessions).toHaveLength(1);
    expect(vpc.createCalls).toHaveLength(1);
  });

  it('is safe to run concurrently: the shared token yields one session', async () => {
    const vpc = new MemoryVpc();
    const results = await Promise.all(
      Array.from({ length: 5 }, () => provision({ request: validRequest(), kind: 'event', key }, deps(vpc))),
    );
    expect(vpc.sessions).toHaveLength(1);
    expect(new Set(results.map((r) => ('sessionId' in r ? r.sessionId : undefined)))).toEqual(
      new Set(['tms-mem1']),
    );
  });

  it('walks to the next candidate when an allocated priority is taken, each with its own token', async () => {
    const vpc = new MemoryVpc();
    vpc.foreignPriorities.add(candidates[0]!);
    vpc.foreignPriorities.add(candidates[1]!);
    const result = await provision({ request: validRequest(), kind: 'event', key }, deps(vpc));
    expect(result).toMatchObject({ outcome: 'Created', priority: candidates[2], clientToken: token });
    expect(vpc.createCalls.map((c) => [c.Priority, c.ClientToken])).toEqual([
      [candidates[0], sent(0)],
      [candidates[1], sent(1)],
      [candidates[2], sent(2)],
    ]);
    // The tag keeps the request's token: it is how the look-up knows the session for its own.
    for (const call of vpc.createCalls) expect(call.Tag).toContainEqual({ Key: TOKEN_TAG_KEY, Value: token });
  });

  it('a redelivery the look-up misses walks the same pairs: the failed ones fail again, its own gives its session', async () => {
    const vpc = new MemoryVpc();
    vpc.foreignPriorities.add(candidates[0]!);
    vpc.foreignPriorities.add(candidates[1]!);
    const first = await provision({ request: validRequest(), kind: 'event', key }, deps(vpc));
    vpc.hideFromList = true; // read-after-create lag: the look-up cannot see it yet
    vpc.foreignPriorities.delete(candidates[0]!); // candidate 0 is free now, but its token remembers the failure
    const again = await provision({ request: validRequest(), kind: 'event', key }, deps(vpc));
    expect(again).toMatchObject({
      outcome: 'Created',
      sessionId: first.outcome === 'Created' ? first.sessionId : '',
      priority: candidates[2],
    });
    expect(vpc.sessions).toHaveLength(1);
    expect(vpc.createCalls.slice(3).map((c) => c.ClientToken)).toEqual([sent(0), sent(1), sent(2)]);
  });

  it('the same key with other parameters ends in IdempotentParameterMismatch at once, never a second session', async () => {
    const vpc = new MemoryVpc();
    await provision({ request: validRequest(), kind: 'event', key }, deps(vpc));
    vpc.hideFromList = true;
    const changed = await provision(
      { request: validRequest({ TrafficMirrorFilterId: 'tmf-other' }), kind: 'event', key },
      deps(vpc),
    );
    expect(changed).toMatchObject({
      outcome: 'Rejected',
      error: { code: 'IdempotentParameterMismatch', retryable: false },
    });
    expect(vpc.sessions).toHaveLength(1);
    // The walk stops at the first mismatch: the next candidate's token is unused and would create.
    expect(vpc.createCalls.map((c) => c.ClientToken)).toEqual([sent(0), sent(0)]);
  });

  it('gives up with IllegalParam.Priority when every candidate is taken', async () => {
    const vpc = new MemoryVpc();
    for (const p of candidates) vpc.foreignPriorities.add(p);
    const result = await provision({ request: validRequest(), kind: 'event', key }, deps(vpc));
    expect(result).toMatchObject({ outcome: 'Rejected', error: { code: 'IllegalParam.Priority' } });
    expect(result.outcome === 'Rejected' && result.error.message).toMatch(/MIRRORFLOW_PRIORITY_RANGE/);
    expect(vpc.createCalls).toHaveLength(config.priorityAttempts);
  });

  it('an explicit Priority is never walked: taken means rejected', async () => {
    const vpc = new MemoryVpc();
    vpc.foreignPriorities.add(100);
    const result = await provision(
      { request: validRequest({ Priority: 100 }), kind: 'event', key },
      deps(vpc),
    );
    expect(result).toMatchObject({
      outcome: 'Rejected',
      error: { code: 'IllegalParam.Priority', hint: expect.stringMatching(/omit Priority/) },
    });
    expect(vpc.createCalls).toHaveLength(1);
    expect(vpc.createCalls[0]!.ClientToken).toBe(token); // an explicit Priority goes with the request's own token
  });

  it('an explicit Priority with a reused key stays a terminal mismatch', async () => {
    const vpc = new MemoryVpc();
    await provision({ request: validRequest({ Priority: 100 }), kind: 'event', key }, deps(vpc));
    vpc.hideFromList = true;
    const result = await provision(
      { request: validRequest({ Priority: 101 }), kind: 'event', key },
      deps(vpc),
    );
    expect(result).toMatchObject({ outcome: 'Rejected', error: { code: 'IdempotentParameterMismatch' } });
    expect(vpc.createCalls).toHaveLength(2);
  });

  it('retries transient errors with identical parameters and the same token', async () => {
    const vpc = new MemoryVpc();
    vpc.listFailures = ['Throttling.User'];
    vpc.createFailures = ['ServiceUnavailable', 'LastTokenProcessing', 'Throttling'];
    const result = await provision({ request: validRequest(), kind: 'event', key }, deps(vpc));
    expect(result.outcome).toBe('Created');
    expect(vpc.createCalls).toHaveLength(4);
    const wire = vpc.createCalls.map((c) => JSON.stringify(c));
    expect(new Set(wire).size).toBe(1);
  });

  it('lets retryable errors that outlive the budget propagate, so the trigger redelivers', async () => {
    const vpc = new MemoryVpc();
    vpc.createFailures = Array(10).fill('Throttling');
    await expect(provision({ request: validRequest(), kind: 'event', key }, deps(vpc))).rejects.toMatchObject(
      {
        code: 'Throttling',
        retryClass: 'retry',
      },
    );
    expect(vpc.sessions).toHaveLength(0);
  });

  it('reports a terminal cloud error as Rejected, with the code and a hint', async () => {
    const vpc = new MemoryVpc();
    vpc.createFailures = ['ResourceNotFound.NetworkInterface'];
    const result = await provision({ request: validRequest(), kind: 'event', key }, deps(vpc));
    expect(result).toMatchObject({
      outcome: 'Rejected',
      clientToken: token,
      error: {
        code: 'ResourceNotFound.NetworkInterface',
        retryable: false,
        hint: expect.stringMatching(/ENI/),
      },
    });
  });

  it('a dry run passes without creating anything', async () => {
    const vpc = new MemoryVpc();
    const result = await provision(
      { request: validRequest({ DryRun: true }), kind: 'event', key },
      deps(vpc),
    );
    expect(result).toMatchObject({ outcome: 'DryRunPassed', clientToken: token });
    expect(vpc.sessions).toHaveLength(0);
  });

  it("uses the caller's ClientToken when the request carries one", async () => {
    const vpc = new MemoryVpc();
    const result = await provision(
      { request: validRequest({ ClientToken: 'ticket-42-attempt' }), kind: 'webhook', key: 'k' },
      deps(vpc),
    );
    expect(result).toMatchObject({ outcome: 'Created', clientToken: 'ticket-42-attempt' });
    expect(vpc.createCalls[0]!.ClientToken).toBe(candidateToken('ticket-42-attempt', 0));
    expect(vpc.createCalls[0]!.Tag).toContainEqual({ Key: TOKEN_TAG_KEY, Value: 'ticket-42-attempt' });
    const other = new MemoryVpc();
    const explicit = await provision(
      { request: validRequest({ ClientToken: 'ticket-43', Priority: 7 }), kind: 'webhook', key: 'k2' },
      deps(other),
    );
    expect(explicit).toMatchObject({ outcome: 'Created', clientToken: 'ticket-43' });
    expect(other.createCalls[0]!.ClientToken).toBe('ticket-43');
  });
});

describe('isEquivalentSession', () => {
  it('never counts a session being deleted: it mirrors nothing for long', () => {
    const checked = validateMirrorRequest(validRequest());
    if (!checked.ok) throw new Error('fixture');
    const r = checked.value;
    const session = {
      TrafficMirrorSessionId: 'tms-x',
      TrafficMirrorSessionStatus: 'Created',
      Enabled: true,
      Priority: 1,
      TrafficMirrorFilterId: r.TrafficMirrorFilterId,
      TrafficMirrorSourceIds: r.TrafficMirrorSourceIds,
      TrafficMirrorTargetId: r.TrafficMirrorTargetId,
      TrafficMirrorTargetType: r.TrafficMirrorTargetType,
      Tags: [],
    };
    expect(isEquivalentSession(session, r)).toBe(true);
    expect(isEquivalentSession({ ...session, TrafficMirrorSessionStatus: 'Deleting' }, r)).toBe(false);
  });
});
