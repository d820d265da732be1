/**
 * Seeded bad input for the fuzz rows (fast-check's generators, sampled with a seed, so a run repeats exactly):
 * request events whose data breaks the request contract (and a few percent whose envelope is no CloudEvent,
 * which the bus itself must refuse), and webhook deliveries that are malformed somewhere — body, signature, headers, method, size.
 * Every generated item is judged as the product will see it, and only invalid ones are kept: a fuzz row
 * measures what invalid input does, so a valid request that happened to be generated is dropped.
 */
import fc from 'fast-check';
import {
  validateMirrorRequest,
  validateModifyRequest,
  validateWithdrawRequest,
} from '../../functions/lib/contract/request.js';
import { SHIPPED_MAPPINGS } from '../../functions/lib/triggers/shippedMappings.js';
import { applyMapping } from '../../functions/lib/triggers/webhookMapping.js';
import { mirrorRequest } from './world.js';

/** The webhook's default body limit (MIRRORFLOW_WEBHOOK_MAX_BYTES). */
export const WEBHOOK_MAX_BYTES = 262_144;

const valueish = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 8 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 6 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
);

const REQUEST_FIELDS = [
  'RegionId',
  'TrafficMirrorSourceIds',
  'TrafficMirrorTargetId',
  'TrafficMirrorTargetType',
  'TrafficMirrorFilterId',
  'Priority',
  'VirtualNetworkId',
  'PacketLength',
  'Enabled',
  'TrafficMirrorSessionName',
  'TrafficMirrorSessionDescription',
  'ResourceGroupId',
  'Tag',
  'DryRun',
  'ClientToken',
  'Correlation',
  'ExpiresAt',
  'DurationSeconds',
] as const;

const base = () => mirrorRequest(0);
const many = <T>(n: number, f: (i: number) => T) => Array.from({ length: n }, (_, i) => f(i));

/** Values at or just past the contract's limits, each breaking one rule. */
const pastTheLimits: Record<string, unknown>[] = [
  { TrafficMirrorSourceIds: many(11, (i) => `eni-chaos${i}`) },
  { TrafficMirrorSourceIds: [] },
  { TrafficMirrorSourceIds: ['eni-chaos1', 'eni-chaos1'] },
  { TrafficMirrorSourceIds: ['lb-chaos0'] },
  { TrafficMirrorTargetId: 'eni-chaos0', TrafficMirrorTargetType: 'NetworkInterface' },
  { TrafficMirrorTargetType: 'NetworkInterface' },
  { TrafficMirrorTargetType: 'slb' },
  { Priority: 0 },
  { Priority: 32_767 },
  { Priority: 1.5 },
  { Priority: '5' },
  { PacketLength: 63 },
  { PacketLength: 9601 },
  { VirtualNetworkId: -1 },
  { VirtualNetworkId: 16_777_216 },
  { Enabled: 'true' },
  { TrafficMirrorSessionName: 'x'.repeat(129) },
  { TrafficMirrorSessionName: 'http://example.com' },
  { TrafficMirrorSessionDescription: 'y'.repeat(257) },
  { Tag: many(16, (i) => ({ Key: `k${i}`, Value: 'v' })) },
  { Tag: [{ Key: 'aliyun-x', Value: 'v' }] },
  { Tag: [{ Key: 'mirrorflow-owner', Value: 'someone' }] },
  {
    Tag: [
      { Key: 'a', Value: '1' },
      { Key: 'a', Value: '2' },
    ],
  },
  { Correlation: Object.fromEntries(many(21, (i) => [`k${i}`, 'v'])) },
  { Correlation: { '1bad': 'v' } },
  { Correlation: { ticket: 7 } },
  { ClientToken: 'x'.repeat(65) },
  { ClientToken: 'tøken' },
  { ClientToken: '' },
  { ExpiresAt: '2030-01-01T00:00:00Z', DurationSeconds: 3600 },
  { ExpiresAt: 'tomorrow' },
  { DurationSeconds: 59 },
  { DurationSeconds: 90 * 86_400 + 1 },
  { ResourceGroupId: 'group-1' },
  { Prioirty: 5 },
  { trafficMirrorSourceIds: ['eni-chaos0'] },
  { DryRun: 'yes' },
  { RegionId: '' },
  { RegionId: 'cn hangzhou' },
];

const spoiledRequest = fc
  .record({ field: fc.constantFrom(...REQUEST_FIELDS), value: valueish })
  .map(({ field, value }) => ({ ...base(), [field]: value }));
const withoutAField = fc
  .constantFrom('RegionId', 'TrafficMirrorSourceIds', 'TrafficMirrorTargetId', 'TrafficMirrorFilterId')
  .map((field) => {
    const r = base();
    delete r[field];
    return r;
  });
const atTheLimits = fc.constantFrom(...pastTheLimits).map((spoil) => ({ ...base(), ...spoil }));
const deeplyNested = fc
  .integer({ min: 20, max: 200 })
  .map((depth) => ({ ...base(), Correlation: many(depth, () => 0).reduce<unknown>((v) => ({ v }), 'x') }));
const notAnObject = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(valueish, { maxLength: 4 }),
);

/** Data that breaks the submit contract, as an object, as JSON text, or as no object at all. */
const submitData = fc.oneof(
  { weight: 4, arbitrary: spoiledRequest },
  { weight: 3, arbitrary: atTheLimits },
  { weight: 1, arbitrary: withoutAField },
  { weight: 2, arbitrary: fc.dictionary(fc.string({ maxLength: 10 }), valueish, { maxKeys: 6 }) },
  { weight: 1, arbitrary: notAnObject },
  { weight: 1, arbitrary: deeplyNested },
  { weight: 1, arbitrary: spoiledRequest.map((r) => JSON.stringify(r)) },
);
const modifyData = fc.oneof(
  fc
    .record({ field: fc.constantFrom('RegionId', 'ClientToken', 'changes'), value: valueish })
    .map(({ field, value }) => ({
      RegionId: 'cn-hangzhou',
      ClientToken: 'mf-ev-0123456789abcdef0123456789abcdef01234567',
      changes: { Enabled: false },
      [field]: value,
    })),
  fc
    .record({ changes: fc.dictionary(fc.constantFrom('Priority', 'Enabled', 'Bogus'), valueish) })
    .map((c) => ({
      RegionId: 'cn-hangzhou',
      TrafficMirrorSessionId: 'tms-chaos0',
      ...c,
    })),
  fc.constant({ RegionId: 'cn-hangzhou', changes: { Enabled: false } }),
  notAnObject,
);
const withdrawData = fc.oneof(
  fc.record({ Ticket: valueish }).map((t) => ({ RegionId: 'cn-hangzhou', ...t })),
  fc.constant({ RegionId: 'cn-hangzhou', ClientToken: 'mf-ev-x', Ticket: 'SEC-1' }),
  fc.constant({ RegionId: 'cn-hangzhou' }),
  fc.record({ RegionId: valueish }).map((r) => ({ ...r, TrafficMirrorSessionId: 'tms-chaos0' })),
  notAnObject,
);

const REQUEST_TYPES = ['Submitted', 'Modified', 'Withdrawn'] as const;
type RequestType = (typeof REQUEST_TYPES)[number];

/** What intake-event reads from `data` (EventBridge may carry JSON data as a string). */
const asIntakeReads = (data: unknown) => {
  if (typeof data !== 'string') return data;
  try {
    return JSON.parse(data) as unknown;
  } catch {
    return data;
  }
};

const VALIDATORS: Record<RequestType, (input: unknown) => { ok: boolean }> = {
  Submitted: validateMirrorRequest,
  Modified: validateModifyRequest,
  Withdrawn: validateWithdrawRequest,
};

export interface FuzzEvent {
  /** The CloudEvent as sent (the bus must refuse it when `envelope` is 'bad'). */
  body: Record<string, unknown>;
  envelope: 'ok' | 'bad';
  source: string;
  id: string;
}

const badEnvelopes: ((i: number) => Record<string, unknown>)[] = [
  (i) => ({ specversion: '1.0', source: 'chaos.fuzz', type: `mirrorflow:MirrorRequest:Submitted`, data: i }),
  (i) => ({ specversion: '1.0', id: `fuzz-${i}`, type: 'mirrorflow:MirrorRequest:Submitted', data: i }),
  (i) => ({ specversion: '1.0', id: `fuzz-${i}`, source: 'chaos.fuzz', data: i }),
  (i) => ({
    specversion: '9.9',
    id: `fuzz-${i}`,
    source: 'chaos.fuzz',
    type: 'mirrorflow:MirrorRequest:Submitted',
  }),
  () => ({ specversion: '1.0', id: '', source: 'chaos.fuzz', type: 'mirrorflow:MirrorRequest:Submitted' }),
];

/**
 * `count` request events for the `mirrorflow` bus whose data is invalid for their type (one draw in 30 an
 * envelope that is no valid CloudEvent at all), seeded.
 */
export function fuzzEvents(count: number, seed: number): FuzzEvent[] {
  const arbitrary = fc.record({
    type: fc.constantFrom<RequestType>('Submitted', 'Submitted', 'Submitted', 'Modified', 'Withdrawn'),
    submit: submitData,
    modify: modifyData,
    withdraw: withdrawData,
    oddId: fc.option(fc.string({ minLength: 1, maxLength: 40 }), { freq: 5 }),
    bad: fc.integer({ min: 0, max: 29 }),
    badKind: fc.integer({ min: 0, max: badEnvelopes.length - 1 }),
  });
  const out: FuzzEvent[] = [];
  for (let round = 0; out.length < count; round++) {
    for (const g of fc.sample(arbitrary, { seed: (seed + round * 7919) >>> 0, numRuns: count })) {
      if (out.length >= count) break;
      const i = out.length;
      if (g.bad === 0) {
        out.push({
          body: badEnvelopes[g.badKind]!(i),
          envelope: 'bad',
          source: 'chaos.fuzz',
          id: `fuzz-${i}`,
        });
        continue;
      }
      const data = g.type === 'Submitted' ? g.submit : g.type === 'Modified' ? g.modify : g.withdraw;
      if (VALIDATORS[g.type](asIntakeReads(data)).ok) continue;
      // Unique ids, sometimes with odd characters after the index.
      const id = g.oddId === null ? `fuzz-${i}` : `fuzz-${i}:${g.oddId}`;
      out.push({
        body: {
          specversion: '1.0',
          aliyuneventbusname: 'mirrorflow',
          id,
          source: 'chaos.fuzz',
          type: `mirrorflow:MirrorRequest:${g.type}`,
          datacontenttype: 'application/json',
          ...(data === undefined ? {} : { data }),
        },
        envelope: 'ok',
        source: 'chaos.fuzz',
        id,
      });
    }
  }
  return out;
}

/** How a fuzzed webhook delivery is signed when it is sent (timestamps are taken then, in real time). */
export type Signing =
  | 'v2'
  | 'v1'
  | 'hub'
  | 'none'
  | 'wrong-secret'
  | 'stale'
  | 'future'
  | 'malformed'
  | 'other-delivery'
  | 'odd-digit'
  | 'both-broken';

export interface FuzzDelivery {
  kind: string;
  method: string;
  /** The raw body (bytes when it is not UTF-8). */
  body: string | Uint8Array | undefined;
  signing: Signing;
  deliveryId: string | undefined;
  headers: Record<string, string>;
}

const OPERATIONS = ['submit', 'modify', 'withdraw'];
const printable = fc.string({ minLength: 1, maxLength: 60 });

/** What the generic mapping and the contract make of a signed, parsed body: true if it is a valid request. */
export function webhookWouldAccept(body: unknown, headers: Record<string, string>): boolean {
  let mapped: ReturnType<typeof applyMapping>;
  try {
    mapped = applyMapping(SHIPPED_MAPPINGS.generic!, body, headers);
  } catch {
    return false;
  }
  const request = { ...(mapped.request as Record<string, unknown>) };
  if (Object.keys(mapped.correlation).length > 0)
    request.Correlation = {
      ...mapped.correlation,
      ...((request.Correlation as Record<string, string>) ?? {}),
    };
  const validate = {
    submit: validateMirrorRequest,
    modify: validateModifyRequest,
    withdraw: validateWithdrawRequest,
  };
  return validate[mapped.operation](request).ok;
}

/**
 * `count` webhook deliveries, each malformed somewhere, seeded: bodies that break the contract (signed
 * correctly), bodies that are not JSON or not an object, broken or missing signatures, odd headers, other
 * methods, bodies over the size limit.
 */
export function fuzzDeliveries(count: number, seed: number): FuzzDelivery[] {
  const invalidBody = fc
    .record({
      request: submitData,
      operation: fc.option(fc.oneof(fc.constantFrom(...OPERATIONS), fc.string({ maxLength: 10 })), {
        freq: 2,
      }),
      correlation: fc.option(fc.dictionary(fc.string({ maxLength: 8 }), valueish, { maxKeys: 3 }), {
        freq: 2,
      }),
    })
    .map(({ request, operation, correlation }) =>
      JSON.stringify({
        request,
        ...(operation === null ? {} : { operation }),
        ...(correlation === null ? {} : { correlation }),
      }),
    );
  const validBody = fc.constant(JSON.stringify({ request: base() }));
  const notJson = fc.oneof(
    fc.constantFrom(
      '',
      '{',
      '{"request":',
      'null',
      '[]',
      '"x"',
      '{"request": 5}',
      '\u0000\u0001',
      'undefined',
    ),
    fc.string({ unit: 'grapheme', maxLength: 40 }).filter((s) => {
      try {
        JSON.parse(s);
        return false;
      } catch {
        return true;
      }
    }),
    fc.jsonValue().map((v) => JSON.stringify(v)),
  );
  const signings: Signing[] = [
    'none',
    'wrong-secret',
    'stale',
    'future',
    'malformed',
    'other-delivery',
    'odd-digit',
    'both-broken',
  ];
  const arbitrary = fc.oneof(
    {
      weight: 10,
      arbitrary: fc.record({
        kind: fc.constant('contract'),
        body: invalidBody,
        signing: fc.constantFrom<Signing>('v2', 'v1', 'hub'),
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant('not a request'),
        body: notJson,
        signing: fc.constantFrom<Signing>('v2', 'hub'),
      }),
    },
    {
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant('signature'),
        body: validBody,
        signing: fc.constantFrom(...signings),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('operation'),
        body: fc
          .string({ maxLength: 12 })
          .filter((op) => !OPERATIONS.includes(op))
          .map((operation) => JSON.stringify({ operation, request: base() })),
        signing: fc.constant<Signing>('v2'),
      }),
    },
  );
  const extras = fc.record({
    method: fc.oneof(
      { weight: 20, arbitrary: fc.constant('POST') },
      fc.constantFrom('GET', 'PUT', 'DELETE', 'PATCH'),
    ),
    contentType: fc.option(
      fc.constantFrom('text/plain', 'application/xml', 'application/json; charset=latin1', ''),
      {
        freq: 4,
      },
    ),
    deliveryId: fc.option(fc.oneof(printable, fc.constant('d'.repeat(8_000))), { freq: 4 }),
    oversized: fc.integer({ min: 0, max: 60 }),
    binary: fc.integer({ min: 0, max: 60 }),
  });
  const out: FuzzDelivery[] = [];
  for (let round = 0; out.length < count; round++) {
    const items = fc.sample(fc.tuple(arbitrary, extras), {
      seed: (seed + round * 104_729) >>> 0,
      numRuns: count,
    });
    for (const [item, extra] of items) {
      if (out.length >= count) break;
      const i = out.length;
      const deliveryId = extra.deliveryId ?? `fuzz-${i}`;
      const headers: Record<string, string> = {};
      if (extra.contentType !== null) headers['content-type'] = extra.contentType;
      let body: string | Uint8Array = item.body;
      let kind: string = item.kind;
      if (extra.oversized === 0) {
        body = JSON.stringify({ request: base(), pad: 'x'.repeat(WEBHOOK_MAX_BYTES) });
        kind = 'oversized';
      } else if (extra.binary === 0) {
        body = Uint8Array.from([0x7b, 0xff, 0xfe, 0x00, 0x7d]);
        kind = 'not UTF-8';
      }
      // Keep only what the webhook must refuse: a correctly signed POST of a valid request is dropped.
      const signedOk = ['v2', 'v1', 'hub'].includes(item.signing);
      if (
        extra.method === 'POST' &&
        signedOk &&
        typeof body === 'string' &&
        body.length <= WEBHOOK_MAX_BYTES
      ) {
        let parsed: unknown;
        let json = true;
        try {
          parsed = JSON.parse(body);
        } catch {
          json = false;
        }
        if (json && webhookWouldAccept(parsed, { 'x-mirrorflow-delivery': deliveryId })) continue;
      }
      out.push({
        kind: extra.method === 'POST' ? kind : 'method',
        method: extra.method,
        body: extra.method === 'GET' ? undefined : body,
        signing: item.signing,
        deliveryId,
        headers,
      });
    }
  }
  return out;
}
