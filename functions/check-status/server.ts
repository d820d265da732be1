/**
 * check-status on an FC custom runtime (s.yaml: `/var/fc/lang/nodejs20/bin/node server.js`, with instance
 * concurrency): the same handler, served over FC's HTTP protocol, so the looks of many flows that fall on the
 * same tick run in one process and share their List calls.
 */
import { serveEvents } from '../lib/runtime/eventServer.js';
import { handler } from './index.js';

serveEvents(handler);
