// One Function Compute instance: a worker thread that loads a bundled handler (dist/<name>/index.js, the
// `handler` export, as FC 3.0 runs `index.handler`) and runs the invocations the host sends it, one at a time.
// Plain JavaScript on purpose: a worker thread runs it without any TypeScript loader.
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';

const require = createRequire(import.meta.url);
const mod = require(workerData.bundle);
const handler = mod[workerData.exportName];
if (typeof handler !== 'function') {
  throw new Error(`${workerData.bundle} does not export a function named "${workerData.exportName}"`);
}

function logger(requestId) {
  const line =
    (level) =>
    (...args) =>
      console.log(
        `${new Date().toISOString()} ${requestId} [${level}] ${args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ')}`,
      );
  return {
    debug: line('DEBUG'),
    info: line('INFO'),
    warn: line('WARN'),
    error: line('ERROR'),
    log: line('INFO'),
  };
}

function serialise(result) {
  if (result === undefined || result === null) return { kind: 'text', payload: '' };
  if (Buffer.isBuffer(result) || result instanceof Uint8Array)
    return { kind: 'bytes', payload: Buffer.from(result).toString('base64') };
  if (typeof result === 'string') return { kind: 'text', payload: result };
  return { kind: 'json', payload: JSON.stringify(result) };
}

function describe(error) {
  return {
    errorMessage: String(error?.message ?? error),
    errorType: String(error?.name ?? 'Error'),
    stackTrace: String(error?.stack ?? '')
      .split('\n')
      .slice(1, 8)
      .map((l) => l.trim()),
  };
}

parentPort.on('message', async ({ id, event, context, localTime }) => {
  // The host's clock may have been advanced by hand since this instance started (local cloud only).
  if (localTime) process.env.MIRRORFLOW_LOCAL_TIME = localTime;
  const fullContext = { ...context, logger: logger(context.requestId) };
  try {
    const payload = Buffer.from(event, 'base64');
    const result =
      handler.length >= 3
        ? await new Promise((resolve, reject) => {
            handler(payload, fullContext, (error, value) => (error ? reject(error) : resolve(value)));
          })
        : await handler(payload, fullContext);
    parentPort.postMessage({ id, ok: true, result: serialise(result) });
  } catch (error) {
    parentPort.postMessage({ id, ok: false, error: describe(error) });
  }
});
