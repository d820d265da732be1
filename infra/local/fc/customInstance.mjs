// One Function Compute custom-runtime instance: a worker thread that runs the function's entry file as
// `node <entry>` would (the entry starts its own HTTP server on FC_CUSTOM_LISTEN_PORT), and follows the
// local clock when the host says it was advanced by hand (local cloud only).
// Plain JavaScript on purpose: a worker thread runs it without any TypeScript loader.
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';

parentPort.on('message', ({ localTime, ack }) => {
  if (localTime) process.env.MIRRORFLOW_LOCAL_TIME = localTime;
  parentPort.postMessage({ ack });
});

createRequire(import.meta.url)(workerData.entry);
