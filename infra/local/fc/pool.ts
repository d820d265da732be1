/**
 * The instances of one function: worker threads, each with the function's own environment (as FC sets it),
 * more started on demand up to a limit, and an instance that passes the timeout is killed, as FC kills it.
 * A built-in runtime's instance runs one invocation at a time (FC 3.0 built-in runtimes have no instance
 * concurrency); a custom runtime's instance takes up to `instanceConcurrency` at once, and FC starts another
 * only when every instance is full (https://www.alibabacloud.com/help/en/functioncompute/fc/configure-the-concurrency-of-a-single-instance).
 */
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import {
  type CustomInvocationContext,
  freePort,
  invokeOverHttp,
  START_TIMEOUT_MS,
  untilListening,
} from './customRuntime.js';

const INSTANCE_SCRIPT = fileURLToPath(new URL('./instance.mjs', import.meta.url));
const CUSTOM_INSTANCE_SCRIPT = fileURLToPath(new URL('./customInstance.mjs', import.meta.url));

export interface FcFunctionConfig {
  name: string;
  /** Path of the bundle (`dist/<name>/index.js`); for a custom runtime, the entry file its command runs. */
  bundle: string;
  /** A custom runtime (its command runs `bundle`, which serves FC's invocations over HTTP). */
  customRuntime?: boolean;
  /** Invocations a custom runtime's instance takes at once (fc3 `instanceConcurrency`, default 1). */
  instanceConcurrency?: number;
  /** `index.handler` → the `handler` export. */
  handler?: string;
  env: Record<string, string>;
  timeoutSeconds: number;
  memoryMB?: number;
  maxInstances?: number;
  /** Invocations before an instance is retired and the next one starts fresh (INVOCATIONS_PER_INSTANCE). */
  invocationsPerInstance?: number;
  /** The role FC assumes for the function (its `context.credentials`); none: no credentials. */
  roleArn?: string;
  /** The function's HTTP trigger, if s.yaml gives it one. */
  httpTrigger?: { methods: string[]; authType: string };
  /** Async invocation settings (fc3 asyncInvokeConfig). */
  async?: { maxAsyncRetryAttempts: number; maxAsyncEventAgeInSeconds: number; onFailure?: string };
}

export type InvocationOutcome =
  | { ok: true; result: { kind: 'json' | 'text' | 'bytes'; payload: string } }
  | { ok: false; error: { errorMessage: string; errorType: string; stackTrace?: string[] } };

/** An instance on its way up, and how many invocations wait for it (the one that started it included). */
interface Starting {
  instance: Promise<Instance>;
  reserved: number;
}

interface Instance {
  worker: Worker;
  /** Invocations running on it now. */
  active: number;
  invocations: number;
  /** Past its invocation budget: takes nothing more, and stops once its last invocation ends. */
  retiring: boolean;
  /** A custom runtime's server: its port, when it listens, and the local time it was last told. */
  server?: { port: number; listening: Promise<void>; localTime?: string };
}

/**
 * FC may stop an instance at any time and start another; the local FC retires each instance after this many
 * invocations. Functions must not depend on an instance living long (module state is a cache, nothing more),
 * and a long-running stack does not carry every instance's grown heap forever.
 */
export const INVOCATIONS_PER_INSTANCE = 500;

/** A custom runtime's server that did not listen in time (or whose instance exited first). */
class NotStartedError extends Error {
  override readonly name = 'NotStartedError';
}

/** An invocation that arrives while the host closes: answered as an unavailable service, not a crash. */
export class ShuttingDownError extends Error {
  override readonly name = 'ShuttingDownError';
  constructor() {
    super('the FC host is shutting down');
  }
}

export class InstancePool {
  private readonly instances: Instance[] = [];
  private readonly queue: (() => void)[] = [];
  private nextId = 0;
  /** The instance being started (a custom runtime's port is found first), and the invocations waiting for it. */
  private starting: Starting | undefined;
  private closed = false;

  constructor(
    readonly config: FcFunctionConfig,
    private readonly onLog: (line: string) => void,
    /** The local clock as of now (`scale,realMs,virtualMs`): sent with each invocation, so a clock advanced by hand reaches warm instances too. */
    private readonly localTime?: () => string,
  ) {}

  private get capacity(): number {
    return this.config.customRuntime ? (this.config.instanceConcurrency ?? 1) : 1;
  }

  /** Starts an instance for `claim`: it joins the pool already holding the places of those waiting for it. */
  private async spawn(claim: Starting): Promise<Instance> {
    const custom = this.config.customRuntime;
    const port = custom ? await freePort() : 0;
    if (this.closed) throw new ShuttingDownError();
    const worker = new Worker(custom ? CUSTOM_INSTANCE_SCRIPT : INSTANCE_SCRIPT, {
      workerData: custom
        ? { entry: this.config.bundle }
        : {
            bundle: this.config.bundle,
            exportName: (this.config.handler ?? 'index.handler').split('.').pop(),
          },
      // A custom runtime's server listens where FC_CUSTOM_LISTEN_PORT says (on FC, customRuntimeConfig.port).
      env: custom ? { ...this.config.env, FC_CUSTOM_LISTEN_PORT: String(port) } : { ...this.config.env },
      stdout: true,
      stderr: true,
      resourceLimits: this.config.memoryMB
        ? { maxOldGenerationSizeMb: Math.max(64, this.config.memoryMB) }
        : {},
    });
    for (const stream of [worker.stdout, worker.stderr]) {
      let partial = '';
      stream.on('data', (chunk: Buffer) => {
        const lines = (partial + chunk.toString()).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) if (line) this.onLog(line);
      });
    }
    // Each invocation running on it listens for its exit.
    worker.setMaxListeners(this.capacity + 10);
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    const instance: Instance = { worker, active: 0, invocations: 0, retiring: false };
    if (custom) {
      const listening = untilListening(port, START_TIMEOUT_MS, exited);
      listening.catch(() => undefined); // read by the invocations that wait for it
      instance.server = { port, listening };
    }
    void exited.then(() => {
      const index = this.instances.indexOf(instance);
      if (index >= 0) this.instances.splice(index, 1);
    });
    worker.on('error', (error) => this.onLog(`instance error: ${error.message}`));
    // No other invocation may take a place here before those that waited for it (nothing awaits in between).
    instance.active = claim.reserved;
    if (this.starting === claim) this.starting = undefined;
    this.instances.push(instance);
    return instance;
  }

  private async acquire(): Promise<Instance> {
    for (;;) {
      if (this.closed) throw new ShuttingDownError();
      // FC starts another instance only when every instance is full.
      const open = this.instances.find((i) => !i.retiring && i.active < this.capacity);
      if (open) {
        open.active++;
        return open;
      }
      // An instance on its way up takes as many invocations as it will hold, rather than one more instance each.
      const starting = this.starting;
      if (starting && starting.reserved < this.capacity) {
        starting.reserved++;
        return await starting.instance; // its place is counted when it joins the pool
      }
      if (this.instances.length + (starting ? 1 : 0) < (this.config.maxInstances ?? 20)) {
        // Set before the spawn begins: a built-in runtime's instance joins the pool without awaiting anything.
        const claim = { reserved: 1 } as Starting;
        this.starting = claim;
        claim.instance = this.spawn(claim);
        try {
          return await claim.instance;
        } finally {
          if (this.starting === claim) this.starting = undefined;
          // Those queued while it started may fit on it now.
          for (const wake of this.queue.splice(0, this.capacity)) wake();
        }
      }
      await new Promise<void>((resolve) => this.queue.push(resolve));
    }
  }

  /** An invocation ended on the instance: retire it past its budget, else let a waiting invocation in. */
  private release(instance: Instance, killed: boolean): void {
    instance.active--;
    instance.invocations++;
    if (killed) {
      this.discard(instance);
      return;
    }
    if (instance.invocations >= (this.config.invocationsPerInstance ?? INVOCATIONS_PER_INSTANCE))
      instance.retiring = true;
    if (instance.retiring && instance.active === 0) {
      this.discard(instance);
      void instance.worker.terminate();
      return;
    }
    this.queue.shift()?.();
  }

  /**
   * Takes a killed instance out of the pool at once. Its 'exit' event comes later; until then it must not look
   * idle, or the next invocation lands on a dying worker and fails with InstanceExited (a race with worker
   * shutdown that made a Task Timeout test flaky under load).
   */
  private discard(instance: Instance): void {
    const index = this.instances.indexOf(instance);
    if (index >= 0) this.instances.splice(index, 1);
    this.queue.shift()?.();
  }

  async invoke(event: Buffer, context: CustomInvocationContext): Promise<InvocationOutcome> {
    const instance = await this.acquire();
    let killed = false;
    try {
      return await this.run(instance, event, context, () => {
        killed = true;
      });
    } finally {
      this.release(instance, killed);
    }
  }

  /** Runs one invocation on the instance, killing the instance if it passes the function's timeout. */
  private run(
    instance: Instance,
    event: Buffer,
    context: CustomInvocationContext,
    onKill: () => void,
  ): Promise<InvocationOutcome> {
    const id = ++this.nextId;
    return new Promise<InvocationOutcome>((resolve) => {
      let settled = false;
      const finish = (outcome: InvocationOutcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        instance.worker.off('message', onMessage);
        instance.worker.off('exit', onExit);
        resolve(outcome);
      };
      const onMessage = (message: { id: number } & InvocationOutcome) => {
        if (message.id === id) finish(message);
      };
      const onExit = (code: number) =>
        finish({
          ok: false,
          error: {
            errorMessage: `the instance exited with code ${code} (the function crashed)`,
            errorType: 'InstanceExited',
          },
        });
      const timer = setTimeout(() => {
        onKill();
        void instance.worker.terminate();
        finish({
          ok: false,
          error: {
            errorMessage: `Function timed out after ${this.config.timeoutSeconds} seconds`,
            errorType: 'FunctionTimeout',
          },
        });
      }, this.config.timeoutSeconds * 1000);
      instance.worker.once('exit', onExit);
      if (instance.server) {
        this.invokeServer(instance, instance.server, event, context).then(finish, (error: Error) => {
          // A server that never listened is an instance that did not start: FC gives up on it. A connection
          // that failed later is this invocation's (the instance crashed, or closed it); the others go on.
          const started = !(error instanceof NotStartedError);
          if (!started) {
            onKill();
            void instance.worker.terminate();
          }
          finish({
            ok: false,
            error: {
              errorMessage: started
                ? `the connection to the instance failed: ${error.message}`
                : error.message,
              errorType: started ? 'InstanceExited' : 'FunctionNotStarted',
            },
          });
        });
        return;
      }
      instance.worker.on('message', onMessage);
      const localTime = this.config.env.MIRRORFLOW_LOCAL_TIME ? this.localTime?.() : undefined;
      instance.worker.postMessage({ id, event: event.toString('base64'), context, localTime });
    });
  }

  /** A custom runtime's invocation: once its server listens (and knows the local time), `POST /invoke`. */
  private async invokeServer(
    instance: Instance,
    server: NonNullable<Instance['server']>,
    event: Buffer,
    context: CustomInvocationContext,
  ): Promise<InvocationOutcome> {
    await server.listening.catch((error: Error) => {
      throw new NotStartedError(error.message);
    });
    const localTime = this.config.env.MIRRORFLOW_LOCAL_TIME ? this.localTime?.() : undefined;
    if (localTime && localTime !== server.localTime) {
      const ack = ++this.nextId;
      await new Promise<void>((resolve) => {
        const onAck = (message: { ack?: number }) => {
          if (message.ack !== ack) return;
          instance.worker.off('message', onAck);
          resolve();
        };
        instance.worker.on('message', onAck);
        instance.worker.postMessage({ localTime, ack });
      });
      server.localTime = localTime;
    }
    return invokeOverHttp(server.port, event, context);
  }

  /**
   * Stops every instance that is running an invocation, as FC may stop an instance at any time: each of
   * those invocations ends with InstanceExited. Returns how many were stopped.
   */
  stopBusy(): number {
    const busy = this.instances.filter((i) => i.active > 0);
    for (const instance of busy) void instance.worker.terminate();
    return busy.length;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const wake of this.queue.splice(0)) wake();
    await Promise.all(this.instances.map((i) => i.worker.terminate()));
  }
}
