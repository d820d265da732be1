/**
 * Flows registered from files: `<dir>/<name>.yaml`, whose `Name` must equal `<name>` (as CreateFlow requires).
 * A flow file may use `${vars.region}` and `${vars.accountId}` (e.g. in a full FC 3.0 function ARN): s.yaml's
 * `${yaml(file())}` fills them in on deploy, and loading a file here fills them in the same way.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { render } from '../deploy/variables.js';
import { parseDefinition } from '../flow/definition/check.js';
import type { FlowDefinition } from '../flow/definition/schema.js';
import { DefinitionError } from '../flow/errors.js';
import { LOCAL_ACCOUNT_ID } from '../overlay.js';

export interface FlowFileValues {
  region: string;
  accountId: string;
}

export const LOCAL_FLOW_VALUES: FlowFileValues = { region: 'cn-hangzhou', accountId: LOCAL_ACCOUNT_ID };

/** The definition text with its `${vars.*}` filled in (the text itself when it has none). */
export function renderFlowText(text: string, values: FlowFileValues, baseDir: string): string {
  if (!text.includes('${')) return text;
  const context = {
    env: {},
    config: { AccountID: values.accountId },
    baseDir,
    vars: { region: values.region, accountId: values.accountId },
  };
  return JSON.stringify(render(parseYaml(text), context));
}

export function loadFlowFile(path: string, values: FlowFileValues = LOCAL_FLOW_VALUES): FlowDefinition {
  const flow = parseDefinition(renderFlowText(readFileSync(path, 'utf8'), values, dirname(path)));
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

export function loadFlowsDir(
  dir: string,
  values: FlowFileValues = LOCAL_FLOW_VALUES,
): Map<string, FlowDefinition> {
  const flows = new Map<string, FlowDefinition>();
  if (!existsSync(dir)) return flows;
  for (const file of readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()) {
    const flow = loadFlowFile(join(dir, file), values);
    flows.set(flow.Name, flow);
  }
  return flows;
}
