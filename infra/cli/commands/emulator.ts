/** `mirrorflow emulator vpc`: only the VPC API emulator, until SIGINT/SIGTERM. */
import type { Command } from 'commander';
import { LOCAL_ACCESS_KEY } from '../../local/credentials.js';
import { startVpcEmulator } from '../../local/vpc/emulator.js';
import { loadInventoryFile } from '../../local/vpc/inventory.js';
import { type CliIo, EXIT, UsageError } from '../io.js';
import { untilSignal } from '../signals.js';

export function parseNumberOption(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max)
    throw new UsageError(`${name} must be a number from ${min} to ${max} (got "${value}")`);
  return n;
}

export function registerEmulator(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const emulator = program.command('emulator').description('run one piece of the local cloud on its own');
  emulator
    .command('vpc')
    .description(
      'the VPC API emulator (traffic mirroring), signature-checking, with an admin API under /_admin/',
    )
    .option('--port <n>', 'port to listen on (0 picks a free one)', '0')
    .option('--time-scale <x>', 'virtual seconds per real second (cloud delays run this much faster)', '1')
    .option('--inventory <file>', 'inventory JSON (default: the shipped demo inventory)')
    .option('--state <file>', 'keep sessions and tokens in this file between runs')
    .option('--json', 'print one JSON line {vpc, admin, regionId, accessKeyId, accessKeySecret} when ready')
    .action(
      async (options: {
        port: string;
        timeScale: string;
        inventory?: string;
        state?: string;
        json?: boolean;
      }) => {
        const port = parseNumberOption('--port', options.port, 0, 65535);
        const timeScale = parseNumberOption('--time-scale', options.timeScale, 0.001, 1_000_000);
        const inventory = options.inventory ? loadInventoryFile(options.inventory) : undefined;
        const emu = await startVpcEmulator({
          port,
          timeScale,
          ...(inventory ? { inventory } : {}),
          ...(options.state ? { stateFile: options.state } : {}),
        });
        const ready = {
          vpc: emu.url,
          admin: emu.adminUrl,
          regionId: emu.regionId,
          accessKeyId: LOCAL_ACCESS_KEY.accessKeyId,
          accessKeySecret: LOCAL_ACCESS_KEY.accessKeySecret,
        };
        if (options.json) io.out(JSON.stringify(ready));
        else {
          io.out(`VPC emulator listening on ${emu.url} (time scale ${timeScale}×)`);
          io.out(`  admin API      ${emu.adminUrl}/ (inventory, faults, calls, sessions, reset, time)`);
          io.out(`  credentials    ${ready.accessKeyId} / ${ready.accessKeySecret}`);
          io.out(`  region         ${emu.regionId}`);
          io.out('Ctrl-C to stop.');
        }
        const signal = await untilSignal();
        await emu.close();
        if (!options.json) io.err(`stopped (${signal})`);
        setExit(EXIT.ok);
      },
    );
}
