/**
 * Reads a desired-state text as the user writes it: YAML, or JSON (which is YAML), refusing a key given twice.
 * Reconcile loads this module (and js-yaml, shipped beside its bundle) for a document a URL serves, or a file
 * that is not JSON.
 */
// js-yaml rather than `yaml` here: it reads a 20,000-entry document ten times faster and is a third of the
// size (infra/bench/plan.ts measures it); `yaml` still reads s.yaml for the tooling.
import { load as parseYaml } from 'js-yaml';
import { checkDesiredState, type DesiredState, DesiredStateError } from './desiredState.js';

export function parseDesiredState(text: string): DesiredState {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new DesiredStateError(`the desired state is not valid YAML: ${(error as Error).message}`);
  }
  return checkDesiredState(raw);
}
