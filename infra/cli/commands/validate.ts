/** `mirrorflow validate <request.json…>`: checks mirror requests against the contract, naming each problem. */
import type { Command } from 'commander';
import { DesiredStateError } from '../../../functions/lib/contract/desiredState.js';
import { type MirrorRequest, validateMirrorRequest } from '../../../functions/lib/contract/request.js';
import { LIMITS } from '../../../functions/lib/contract/requestLimits.js';
import { loadConfig } from '../../../functions/lib/runtime/config.js';
import { checkDesiredStateText } from '../../build/desiredStateFile.js';
import { type CliIo, EXIT } from '../io.js';
import { InputError, readInputText, readJsonDocument } from '../readJson.js';

function allocationRange(): string {
  try {
    const { min, max } = loadConfig().priorityRange;
    return `${min}-${max}`;
  } catch {
    return 'the configured range';
  }
}

function summary(request: MirrorRequest): string[] {
  const rows: [string, string][] = [
    ['region', request.RegionId],
    ['sources', request.TrafficMirrorSourceIds.join(', ')],
    ['target', `${request.TrafficMirrorTargetId} (${request.TrafficMirrorTargetType})`],
    ['filter', request.TrafficMirrorFilterId],
    [
      'priority',
      request.Priority === undefined
        ? `allocated by mirrorflow (from ${allocationRange()})`
        : String(request.Priority),
    ],
    ['enabled', String(request.Enabled)],
  ];
  if (request.PacketLength !== undefined) rows.push(['packet length', String(request.PacketLength)]);
  if (request.VirtualNetworkId !== undefined) rows.push(['VNI', String(request.VirtualNetworkId)]);
  if (request.TrafficMirrorSessionName) rows.push(['name', request.TrafficMirrorSessionName]);
  if (request.Tag?.length)
    rows.push(['tags', `${request.Tag.length} (+1 ownership tag, ${LIMITS.tagsPerResource} at most)`]);
  if (request.DryRun) rows.push(['dry run', 'yes: the cloud checks it without creating anything']);
  if (request.Correlation) {
    rows.push([
      'correlation',
      Object.entries(request.Correlation)
        .map(([k, v]) => `${k}=${v}`)
        .join(', '),
    ]);
  }
  return rows.map(([k, v]) => `  ${k.padEnd(14)}${v}`);
}

export function registerValidate(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('validate')
    .description(
      'check mirror requests (or, with --desired-state, desired-state documents) against the contract; prints each problem with its field',
    )
    .argument(
      '<files...>',
      'request files (JSON), or desired-state documents (YAML or JSON); "-" reads standard input',
    )
    .option(
      '--desired-state',
      'the files are desired-state documents (YAML or JSON), checked as `mirrorflow build --desired-state` checks them',
    )
    .option('--json', 'machine-readable output: one JSON object per file')
    .addHelpText(
      'after',
      '\nExit codes: 0 every file is valid, 2 a file is invalid or unreadable.\nExamples: mirrorflow validate infra/examples/request-eni.json\n          mirrorflow validate --desired-state infra/examples/desired-state.yaml',
    )
    .action(async (files: string[], options: { json?: boolean; desiredState?: boolean }) => {
      if (options.desiredState) {
        setExit(await validateDesiredStates(files, io, options.json === true));
        return;
      }
      let worst: number = EXIT.ok;
      for (const file of files) {
        const read = await readOrReport(() => readJsonDocument(file, io), file, io, options.json === true);
        if (!read.ok) {
          worst = EXIT.usage;
          continue;
        }
        const document = read.value;
        const result = validateMirrorRequest(document);
        if (result.ok) {
          if (options.json) io.out(JSON.stringify({ file, valid: true, request: result.value }));
          else io.out([`valid: ${file}`, ...summary(result.value)].join('\n'));
          continue;
        }
        worst = EXIT.usage;
        if (options.json) {
          io.out(JSON.stringify({ file, valid: false, problems: result.problems }));
        } else {
          const n = result.problems.length;
          io.out(
            [
              `invalid: ${file} (${n} problem${n === 1 ? '' : 's'})`,
              ...result.problems.map((p) => `  ${p.path}: ${p.rule}`),
            ].join('\n'),
          );
        }
      }
      setExit(worst);
    });
}

/** `validate --desired-state`: each document checked as the build checks it; the worst exit code. */
async function validateDesiredStates(files: string[], io: CliIo, json: boolean): Promise<number> {
  let worst: number = EXIT.ok;
  for (const file of files) {
    const name = file === '-' ? 'standard input' : file;
    const read = await readOrReport(() => readInputText(file, io), file, io, json);
    if (!read.ok) {
      worst = EXIT.usage;
      continue;
    }
    const text = read.value;
    try {
      const desired = checkDesiredStateText(text, name);
      const entries = desired.sessions.length;
      if (json) io.out(JSON.stringify({ file, valid: true, entries }));
      else io.out(`valid: ${name} (${entries} entr${entries === 1 ? 'y' : 'ies'})`);
    } catch (error) {
      if (!(error instanceof DesiredStateError)) throw error;
      worst = EXIT.usage;
      const { summary, problems } = error;
      if (json) io.out(JSON.stringify({ file, valid: false, error: summary, problems }));
      else
        io.out(
          problems.length === 0
            ? `invalid: ${summary}`
            : [
                `invalid: ${name} (${problems.length} problem${problems.length === 1 ? '' : 's'})`,
                ...problems.map((p) => `  ${p.path}: ${p.rule}`),
              ].join('\n'),
        );
    }
  }
  return worst;
}

/** What `read` gives, or — the file cannot be read or is not what it must be — that said, the way each mode says it. */
async function readOrReport<T>(
  read: () => Promise<T>,
  file: string,
  io: CliIo,
  json: boolean,
): Promise<{ ok: true; value: T } | { ok: false }> {
  try {
    return { ok: true, value: await read() };
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    if (json) io.out(JSON.stringify({ file, valid: false, error: error.message }));
    else io.err(`error: ${error.message}`);
    return { ok: false };
  }
}
