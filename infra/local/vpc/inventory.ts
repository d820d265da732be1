/**
 * The emulated world: regions, ECS instances, ENIs, load balancers, filters, quotas and lifecycle timing.
 * Every error code of CreateTrafficMirrorSession has a cause here (see the README's emulator section).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { type Problem, problemsFromZod } from '../../../functions/lib/contract/problems.js';

const seconds = z.object({ min: z.number().min(0), max: z.number().min(0) }).refine((r) => r.min <= r.max, {
  error: 'min must not exceed max',
});

export const inventorySchema = z.strictObject({
  accountId: z
    .string()
    .regex(/^\d{16}$/, { error: 'must be 16 digits' })
    .default('1234567890123456'),
  /** `FinancialLocked` (overdue payment): creates fail with IncorrectBusinessStatus.TrafficMirror. */
  businessStatus: z.enum(['Normal', 'FinancialLocked']).default('Normal'),
  defaultResourceGroupId: z.string().default('rg-acfmdefault'),
  regions: z
    .record(
      z.string(),
      z.strictObject({
        /** false: UnsupportedRegion. */
        trafficMirrorSupported: z.boolean().default(true),
        /** false until OpenTrafficMirrorService: OptInRequired.TrafficMirror. */
        serviceOpened: z.boolean().default(true),
      }),
    )
    .default({}),
  instances: z
    .array(
      z.strictObject({
        id: z.string().regex(/^i-/),
        regionId: z.string(),
        instanceType: z.string().default('ecs.g7.large'),
        /** false: OperationDenied.EcsNotSupportTrafficMirror. */
        supportsTrafficMirror: z.boolean().default(true),
        /** Sets the sources-per-target quota when this instance's ENI is a target. */
        size: z.enum(['small', 'large']).default('small'),
      }),
    )
    .default([]),
  networkInterfaces: z
    .array(
      z.strictObject({
        id: z.string().regex(/^eni-/),
        regionId: z.string(),
        /** Absent: a free ENI (OperationDenied.FreeNetworkInterface). Unknown id: ResourceNotFound.EcsInstance. */
        instanceId: z.string().optional(),
        /** Attaching/Detaching/Deleting: IncorrectStatus.NetworkInterface. */
        status: z.enum(['InUse', 'Available', 'Attaching', 'Detaching', 'Deleting']).default('InUse'),
        /** natGateway: the target must be an SLB. managed: OperationFailed.NotSupportBizType. */
        kind: z.enum(['ecs', 'natGateway', 'managed']).default('ecs'),
      }),
    )
    .default([]),
  loadBalancers: z
    .array(
      z.strictObject({
        id: z.string().regex(/^lb-/),
        regionId: z.string(),
        /** classic: OperationDenied.ClassicSLB. */
        networkType: z.enum(['vpc', 'classic']).default('vpc'),
        /** Absent on a vpc-type SLB (internet-facing): OperationDenied.SlbNotInVpc. */
        vpcId: z.string().optional(),
      }),
    )
    .default([]),
  filters: z
    .array(
      z.strictObject({
        id: z.string().regex(/^tmf-/),
        regionId: z.string(),
        /** Anything but Created: IncorrectStatus.TrafficMirrorFilter. */
        status: z.enum(['Creating', 'Created', 'Modifying', 'Deleting']).default('Created'),
      }),
    )
    .default([]),
  quotas: z
    .strictObject({
      sessionsPerRegion: z.number().int().min(0).default(20_000),
      sessionsPerSourceEni: z.number().int().min(0).default(3),
      sessionsPerFilter: z.number().int().min(0).default(2_000),
      sourcesPerSession: z.number().int().min(1).default(10),
      sourcesPerSmallEcsTarget: z.number().int().min(0).default(20),
      sourcesPerLargeEcsTarget: z.number().int().min(0).default(200),
      sourcesPerSlbTarget: z.number().int().min(0).default(500),
      sessionsPerSlbTarget: z.number().int().min(0).default(500),
    })
    .default({
      sessionsPerRegion: 20_000,
      sessionsPerSourceEni: 3,
      sessionsPerFilter: 2_000,
      sourcesPerSession: 10,
      sourcesPerSmallEcsTarget: 20,
      sourcesPerLargeEcsTarget: 200,
      sourcesPerSlbTarget: 500,
      sessionsPerSlbTarget: 500,
    }),
  lifecycle: z
    .strictObject({
      /** Virtual seconds from Creating to Created, drawn uniformly. */
      createSeconds: seconds.default({ min: 5, max: 30 }),
      /** Virtual seconds from Deleting to gone. */
      deleteSeconds: seconds.default({ min: 2, max: 10 }),
      /** How long a change (Update, Add/Remove sources) keeps a session Modifying. */
      modifySeconds: seconds.default({ min: 1, max: 5 }),
      /**
       * Virtual ms a Create takes to process before it is answered; a repeat of its ClientToken meanwhile (in
       * flight) gets LastTokenProcessing, a repeat afterwards the first answer again. 0: answered at once.
       */
      tokenProcessingMs: z.number().min(0).default(500),
      /** How long the cloud remembers a ClientToken (undocumented for real); null: forever. */
      tokenRetentionSeconds: z.number().min(0).nullable().default(null),
      /**
       * Whether a ClientToken used by a failed request is remembered with its failure (undocumented; true is
       * the conservative reading). false lets tests show the product is right under the other reading too.
       */
      rememberFailedTokens: z.boolean().default(true),
    })
    .default({
      createSeconds: { min: 5, max: 30 },
      deleteSeconds: { min: 2, max: 10 },
      modifySeconds: { min: 1, max: 5 },
      tokenProcessingMs: 500,
      tokenRetentionSeconds: null,
      rememberFailedTokens: true,
    }),
});

export type Inventory = z.output<typeof inventorySchema>;
export type InventoryInput = z.input<typeof inventorySchema>;

export class InventoryError extends Error {
  override readonly name = 'InventoryError';
  constructor(readonly problems: Problem[]) {
    super(`invalid inventory: ${problems.map((p) => `${p.path} ${p.rule}`).join('; ')}`);
  }
}

export function parseInventory(input: unknown): Inventory {
  const result = inventorySchema.safeParse(input);
  if (!result.success) throw new InventoryError(problemsFromZod(result.error, input));
  return result.data;
}

export const DEMO_INVENTORY_FILE = fileURLToPath(new URL('./demo-inventory.json', import.meta.url));

export function loadInventoryFile(path: string = DEMO_INVENTORY_FILE): Inventory {
  return parseInventory(JSON.parse(readFileSync(path, 'utf8')));
}
