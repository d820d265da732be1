/**
 * The VPC API emulator: the RPC server core with the traffic-mirror routes, fault injection, the admin API
 * under /_admin/ (loopback only), a virtual clock, and optional persistence of its state in a file.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Clock, VirtualClock } from '../clock.js';
import { SnapshotFile } from '../durable/snapshotFile.js';
import { FaultInjector, FaultsError, parseFaults, withFaults } from '../faults.js';
import { isLoopback, listen, readJsonBody } from '../http.js';
import { LOCAL_ACCOUNT_ID } from '../overlay.js';
import { rpcAuthorizer, type ServiceAccess, standaloneAccess } from '../ram/access.js';
import { type CallRecord, createRpcEndpoint, type RpcAction, sendJson } from '../rpc/server.js';
import { type Inventory, InventoryError, loadInventoryFile, parseInventory } from './inventory.js';
import { type ModelSnapshot, TrafficMirrorModel } from './model.js';
import { sessionView, vpcRoutes } from './routes.js';

const MAX_ADVANCE_SECONDS = 366 * 86_400;

export const VPC_VERSION = '2016-04-28';
const MUTATING = new Set([
  'CreateTrafficMirrorSession',
  'DeleteTrafficMirrorSession',
  'UpdateTrafficMirrorSessionAttribute',
  'AddSourcesToTrafficMirrorSession',
  'RemoveSourcesFromTrafficMirrorSession',
  'OpenTrafficMirrorService',
]);
const KEPT_CALLS = 20_000;

export interface VpcEmulatorOptions {
  port?: number;
  /** Virtual seconds per real second (ignored when a clock is given). */
  timeScale?: number;
  clock?: Clock;
  inventory?: Inventory;
  /** Keep sessions, tokens and inventory in this file between runs. */
  stateFile?: string;
  /** The model's random source (creation delays); Math.random when absent. */
  random?: () => number;
  /** RAM: who may call (default: the account's key and the local operator's STS key, both allowed everything). */
  access?: ServiceAccess;
  /** The fault injector's seed (faults.ts); DEFAULT_FAULT_SEED when absent. */
  faultSeed?: number;
  /** Call log entries kept, the newest (20,000 unless given). */
  keptRecords?: number;
}

export interface CallLogEntry extends CallRecord {
  virtualTime: string;
}

export interface VpcEmulator {
  url: string;
  adminUrl: string;
  /** The first region of the inventory that has traffic mirroring opened. */
  regionId: string;
  clock: Clock;
  model: TrafficMirrorModel;
  faults: FaultInjector;
  calls: CallLogEntry[];
  close(): Promise<void>;
}

export async function startVpcEmulator(options: VpcEmulatorOptions = {}): Promise<VpcEmulator> {
  const clock = options.clock ?? new VirtualClock(options.timeScale ?? 1);
  const initialInventory = options.inventory ?? loadInventoryFile();
  const model = new TrafficMirrorModel(structuredClone(initialInventory), clock, options.random);
  const faults = new FaultInjector(options.faultSeed);
  const calls: CallLogEntry[] = [];
  const access = options.access ?? standaloneAccess(LOCAL_ACCOUNT_ID, 'cn-hangzhou');

  // With a state file, a change is in the file before the call that made it is answered (kill -9 safe).
  const state = options.stateFile
    ? new SnapshotFile<ModelSnapshot>(options.stateFile, () => model.snapshot())
    : undefined;
  const saved = state?.read();
  if (saved) model.restore(saved);
  const save = async () => state?.save();

  const routes = vpcRoutes(model, { lifecycleFaults: (params) => faults.lifecycle(params) });
  const durable = Object.fromEntries(
    Object.entries(routes).map(([name, action]) => [
      name,
      MUTATING.has(name)
        ? async (call: Parameters<RpcAction>[0]) => {
            // A refused call may have changed state too (its token is remembered with its error).
            try {
              return await action(call);
            } finally {
              await save();
            }
          }
        : action,
    ]),
  );
  const actions: Record<string, RpcAction> = withFaults(durable, faults);
  const rpc = createRpcEndpoint(
    { product: 'Vpc', version: VPC_VERSION, hostId: 'vpc.aliyuncs.com', actions },
    {
      credentials: (id) => access.authority.credentials(id),
      authorize: rpcAuthorizer(access, 'vpc'),
      onCall: (record) => {
        calls.push({ ...record, virtualTime: new Date(clock.now()).toISOString() });
        const kept = options.keptRecords ?? KEPT_CALLS;
        if (calls.length > kept) calls.splice(0, calls.length - kept);
      },
    },
  );

  const admin = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    if (!isLoopback(req)) return sendJson(res, 403, { error: 'the admin API answers loopback callers only' });
    const route = `${req.method} ${url.pathname}`;
    try {
      switch (route) {
        case 'GET /_admin/inventory':
          return sendJson(res, 200, model.getInventory());
        case 'POST /_admin/inventory':
          model.setInventory(parseInventory(await readJsonBody(req)));
          await save();
          return sendJson(res, 200, { ok: true });
        case 'GET /_admin/faults':
          return sendJson(res, 200, faults.get());
        case 'POST /_admin/faults':
          faults.set(parseFaults(await readJsonBody(req)));
          return sendJson(res, 200, { ok: true });
        case 'GET /_admin/calls': {
          const action = url.searchParams.get('action');
          return sendJson(res, 200, { calls: action ? calls.filter((c) => c.action === action) : calls });
        }
        case 'GET /_admin/sessions': {
          const now = model.now();
          return sendJson(res, 200, {
            sessions: model.liveSessions(now).map((s) => ({
              ...sessionView(model, s, now),
              RegionId: s.regionId,
              _clientToken: s.clientToken ?? null,
              _readyAt: s.readyAt === null ? null : new Date(s.readyAt).toISOString(),
              _stuckInCreating: s.readyAt === null,
              _vanishAt: s.vanishAt === undefined ? null : new Date(s.vanishAt).toISOString(),
            })),
          });
        }
        case 'POST /_admin/reset':
          model.reset(structuredClone(initialInventory));
          faults.set({ rules: [] });
          calls.length = 0;
          await save();
          return sendJson(res, 200, { ok: true });
        case 'GET /_admin/time':
          return sendJson(res, 200, { now: new Date(clock.now()).toISOString(), timeScale: clock.timeScale });
        case 'POST /_admin/time': {
          const body = (await readJsonBody(req)) as { advanceSeconds?: unknown };
          // At most a year at once: the clock must stay a date (and the timers it wakes, finite).
          const seconds = body.advanceSeconds;
          if (typeof seconds !== 'number' || !(seconds >= 0) || seconds > MAX_ADVANCE_SECONDS) {
            return sendJson(res, 400, {
              error: `advanceSeconds must be a number of seconds from 0 to ${MAX_ADVANCE_SECONDS} (a year)`,
            });
          }
          clock.advance(seconds * 1000);
          return sendJson(res, 200, { now: new Date(clock.now()).toISOString() });
        }
        default:
          return sendJson(res, 404, { error: `no admin route ${route}` });
      }
    } catch (error) {
      if (error instanceof InventoryError || error instanceof FaultsError) {
        return sendJson(res, 400, { error: error.message, problems: error.problems });
      }
      if (error instanceof SyntaxError)
        return sendJson(res, 400, { error: `the body is not valid JSON: ${error.message}` });
      throw error;
    }
  };

  const running = await listen(
    async (req, res) => {
      const url = new URL(req.url ?? '/', 'http://local');
      if (url.pathname.startsWith('/_admin/')) return admin(req, res, url);
      return rpc(req, res);
    },
    options.port ?? 0,
    'VPC emulator',
  );

  const regionId =
    Object.entries(model.getInventory().regions).find(
      ([, r]) => r.trafficMirrorSupported && r.serviceOpened,
    )?.[0] ?? 'cn-hangzhou';
  return {
    url: running.url,
    adminUrl: `${running.url}/_admin`,
    regionId,
    clock,
    model,
    faults,
    calls,
    close: async () => {
      state?.saveNow();
      await running.close();
    },
  };
}
