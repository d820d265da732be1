/**
 * The desired state reconcile ships with: the user's document (YAML or JSON) checked at build time — the
 * schema, and every entry's request against the request contract — and written as JSON into reconcile's
 * code folder. A typo then stops the deploy, naming the entry and the field, rather than the run at night;
 * and reconcile reads it without a YAML parser (functions/lib/contract/desiredState.ts).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { type DesiredState, DesiredStateError } from '../../functions/lib/contract/desiredState.js';
import { parseDesiredState } from '../../functions/lib/contract/desiredStateText.js';
import type { Problem } from '../../functions/lib/contract/problems.js';
import { validateMirrorRequest } from '../../functions/lib/contract/request.js';

/** The name reconcile's MIRRORFLOW_DESIRED_STATE gives it in the code package (s.yaml). */
export const SHIPPED_DESIRED_STATE = 'desired-state.json';

export interface ShippedDesiredState {
  file: string;
  entries: number;
  bytes: number;
}

/** Where FC puts the code package (FC_FUNC_CODE_PATH), for a path written absolute. */
const CODE_PATH = '/code/';

/**
 * What reconcile would read instead of the shipped file, given MIRRORFLOW_DESIRED_STATE as the deploy sets it
 * (s.yaml passes the variable through). A URL, or an absolute path outside the package (a NAS mount), is the
 * user's to keep; a path in the package other than the shipped file names one the build does not write, as
 * `desired-state.yaml` did before the build shipped JSON.
 */
export function desiredStateMismatch(location: string | undefined): string | undefined {
  if (location === undefined || location === '' || /^https?:\/\//.test(location)) return undefined;
  const path = posix.normalize(location);
  if (posix.isAbsolute(path) && !path.startsWith(CODE_PATH)) return undefined;
  const inPackage = path.startsWith(CODE_PATH) ? path.slice(CODE_PATH.length) : path;
  if (inPackage === SHIPPED_DESIRED_STATE) return undefined;
  return `MIRRORFLOW_DESIRED_STATE=${location} names a file in reconcile's package that the build does not write: unset it (reconcile then reads the ${SHIPPED_DESIRED_STATE} the build writes), or give an http(s) URL or a path outside the package`;
}

/** Reads and checks `source`; DesiredStateError names every problem (ENOENT: there is no such file). */
export function checkDesiredStateFile(source: string): DesiredState {
  return checkDesiredStateText(readFileSync(source, 'utf8'), source);
}

/** Checks a desired-state document (YAML or JSON) called `name` in what it says. */
export function checkDesiredStateText(text: string, name: string): DesiredState {
  let desired: DesiredState;
  try {
    desired = parseDesiredState(text);
  } catch (error) {
    if (!(error instanceof DesiredStateError)) throw error;
    throw new DesiredStateError(`${name}: ${error.summary}`, error.problems);
  }
  const problems: Problem[] = desired.sessions.flatMap((entry, index) => {
    const checked = validateMirrorRequest(entry.request);
    return checked.ok
      ? []
      : checked.problems.map((p) => ({
          path: `sessions[${index}].request${p.path === '(request)' ? '' : `.${p.path}`}`,
          rule: `${p.rule} (entry "${entry.name}")`,
        }));
  });
  if (problems.length > 0)
    throw new DesiredStateError(`${name} has entries that break the request contract`, problems);
  return desired;
}

/** Writes a checked desired state as JSON into reconcile's folder, `functionDir`. */
export function shipDesiredState(desired: DesiredState, functionDir: string): ShippedDesiredState {
  mkdirSync(functionDir, { recursive: true });
  const file = join(functionDir, SHIPPED_DESIRED_STATE);
  const text = JSON.stringify(desired);
  writeFileSync(file, text);
  return { file, entries: desired.sessions.length, bytes: Buffer.byteLength(text) };
}
