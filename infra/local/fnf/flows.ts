/** Flows registered from files: `<dir>/<name>.yaml`, whose `Name` must equal `<name>` (as CreateFlow requires). */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { parseDefinition } from '../flow/definition/check.js';
import type { FlowDefinition } from '../flow/definition/schema.js';
import { DefinitionError } from '../flow/errors.js';

export function loadFlowFile(path: string): FlowDefinition {
  const flow = parseDefinition(readFileSync(path, 'utf8'));
  const expected = basename(path, extname(path));
  if (flow.Name !== expected) {
    throw new DefinitionError([
      {
        state: '(flow)',
        reason: `Name "${flow.Name}" must equal the flow name "${expected}" (the file name)`,
      },
    ]);
  }
  return flow;
}

export function loadFlowsDir(dir: string): Map<string, FlowDefinition> {
  const flows = new Map<string, FlowDefinition>();
  if (!existsSync(dir)) return flows;
  for (const file of readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()) {
    const flow = loadFlowFile(join(dir, file));
    flows.set(flow.Name, flow);
  }
  return flows;
}
