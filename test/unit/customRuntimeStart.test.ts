import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, untilListening } from '../../infra/local/fc/customRuntime.js';

const hasIpv6Loopback = await new Promise<boolean>((resolve) => {
  const probe = createServer();
  probe.once('error', () => resolve(false));
  probe.listen(0, '::1', () => probe.close(() => resolve(true)));
});

/** What FC is told when the instance never exits on its own. */
const stillRunning = new Promise<never>(() => {});

describe('untilListening: when FC counts a custom runtime started', () => {
  let server: Server | undefined;
  afterEach(() => {
    server?.close();
    server = undefined;
  });
  const listen = async (host?: string) => {
    const port = await freePort();
    server = createServer((socket) => socket.end());
    await new Promise<void>((resolve) =>
      host === undefined ? server!.listen(port, resolve) : server!.listen(port, host, resolve),
    );
    return port;
  };

  it('takes a server on every interface: no host (*:CAPort) or 0.0.0.0', async () => {
    await expect(untilListening(await listen(), 5_000, stillRunning)).resolves.toBeUndefined();
    server?.close();
    await expect(untilListening(await listen('0.0.0.0'), 5_000, stillRunning)).resolves.toBeUndefined();
  });

  // The check needs a second loopback address, which Linux (where CI and FC run) has and others may not.
  it.runIf(process.platform === 'linux')(
    'refuses a server on 127.0.0.1 only, as FC does (it connects from another address)',
    async () => {
      await expect(untilListening(await listen('127.0.0.1'), 5_000, stillRunning)).rejects.toThrow(
        /loopback only; a custom runtime's server must listen on 0\.0\.0\.0:\d+ or \*:\d+/,
      );
    },
  );

  // A machine without IPv6 cannot hold such a server at all.
  it.runIf(hasIpv6Loopback)(
    'refuses a server on the IPv6 loopback only at once, rather than waiting out the start',
    async () => {
      await expect(untilListening(await listen('::1'), 5_000, stillRunning)).rejects.toThrow(/loopback only/);
    },
  );
});
