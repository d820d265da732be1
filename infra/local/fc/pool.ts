/**
 * The instances of one function: worker threads, each with the function's own environment (as FC sets it),
 * one invocation at a time (FC 3.0 built-in runtimes have no instance concurrency), more started on demand
 * up to a limit, and an instance that passes the timeout is killed, as FC kills it.
 */
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

const INSTANCE_SCRIPT = fileURLToPath(new URL('./instance.mjs', import.meta.url));

export interface FcFunctionConfig {
  name: string;
  /** Path of the bundle (`dist/<name>/index.js`). */
  bundle: string;
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

interface Instance {
  worker: Worker;
  busy: boolean;
  invocations: number;
}

/**
 * FC may stop an instance at any time and start another; the local FC retires each instance after this many
 * invocations. Functions must not depend on an instance living long (module state is a cache, nothing more),
 * and a long-running stack does not carry every instance's grown heap forever.
 */
export const INVOCATIONS_PER_INSTANCE = 500;

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
  private closed = false;

  constructor(
    readonly config: FcFunctionConfig,
    private readonly onLog: (line: string) => void,
    /** The local clock as of now (`scale,realMs,virtualMs`): sent with each invocation, so a clock advanced by hand reaches warm instances too. */
    private readonly localTime?: () => string,
  ) {}

  private spawn(): Instance {
    const worker = new Worker(INSTANCE_SCRIPT, {
      workerData: {
        bundle: this.config.bundle,
        exportName: (this.config.handler ?? 'index.handler').split('.').pop(),
      },
      env: { ...this.config.env },
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
    const instance: Instance = { worker, busy: false, invocations: 0 };
    worker.once('exit', () => {
      const index = this.instances.indexOf(instance);
      if (index >= 0) this.instances.splice(index, 1);
    });
    worker.on('error', (error) => this.onLog(`instance error: ${error.message}`));
    this.instances.push(instance);
    return instance;
  }

  private async acquire(): Promise<Instance> {
    for (;;) {
      if (this.closed) throw new ShuttingDownError();
      const idle = this.instances.find((i) => !i.busy);
      if (idle) {
        idle.busy = true;
        return idle;
      }
      if (this.instances.length < (this.config.maxInstances ?? 20)) {
        const fresh = this.spawn();
        fresh.busy = true;
        return fresh;
      }
      await new Promise<void>((resolve) => this.queue.push(resolve));
    }
  }

  private release(instance: Instance): void {
    instance.busy = false;
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

  async invoke(event: Buffer, context: Record<string, unknown>): Promise<InvocationOutcome> {
    const instance = await this.acquire();
    const id = ++this.nextId;
    const timeoutMs = this.config.timeoutSeconds * 1000;
    let killed = false;
    try {
      return await new Promise<InvocationOutcome>((resolve) => {
        const finish = (outcome: InvocationOutcome) => {
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
          killed = true;
          void instance.worker.terminate();
          finish({
            ok: false,
            error: {
              errorMessage: `Function timed out after ${this.config.timeoutSeconds} seconds`,
              errorType: 'FunctionTimeout',
            },
          });
        }, timeoutMs);
        instance.worker.on('message', onMessage);
        instance.worker.once('exit', onExit);
        const localTime = this.config.env.MIRRORFLOW_LOCAL_TIME ? this.localTime?.() : undefined;
        instance.worker.postMessage({ id, event: event.toString('base64'), context, localTime });
      });
    } finally {
      instance.invocations += 1;
      if (killed) this.discard(instance);
      else if (instance.invocations >= (this.config.invocationsPerInstance ?? INVOCATIONS_PER_INSTANCE)) {
        this.discard(instance);
        void instance.worker.terminate();
      } else this.release(instance);
    }
  }

  /**
   * Stops every instance that is running an invocation, as FC may stop an instance at any time: each of
   * those invocations ends with InstanceExited. Returns how many were stopped.
   */
  stopBusy(): number {
    const busy = this.instances.filter((i) => i.busy);
    for (const instance of busy) void instance.worker.terminate();
    return busy.length;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const wake of this.queue.splice(0)) wake();
    await Promise.all(this.instances.map((i) => i.worker.terminate()));
  }
}
