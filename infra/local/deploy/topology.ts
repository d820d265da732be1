/**
 * What `s deploy` would create from s.yaml, as plain data the local cloud starts from: functions with their
 * settings, triggers and role, and flows with their definition and role. Everything comes from s.yaml; the
 * local overlay (`infra/local/overlay.ts`) adds only what s.yaml cannot say.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { parseDefinition } from '../flow/definition/check.js';
import type { FlowDefinition } from '../flow/definition/schema.js';
import { type Fc3Props, parseFc3Props, type TriggerProps } from './fc3.js';
import { parseFlowProps } from './flowComponent.js';
import { type LoadOptions, loadSpec } from './spec.js';
import { SpecError } from './variables.js';

export interface FunctionDeployment {
  name: string;
  region: string;
  handler: string;
  /** A custom runtime: the entry file its command runs with the runtime's Node.js (relative to the code). */
  customRuntime?: { entry: string };
  /** Invocations an instance takes at once (custom runtimes). */
  instanceConcurrency?: number;
  /** Absolute path of the code folder. */
  codeDir: string;
  memoryMB: number;
  timeoutSeconds: number;
  env: Record<string, string>;
  roleArn?: string;
  async: { maxAsyncRetryAttempts: number; maxAsyncEventAgeInSeconds: number; onFailure?: string };
  triggers: TriggerProps[];
}

export interface FlowDeployment {
  name: string;
  region: string;
  definition: FlowDefinition;
  roleArn?: string;
  executionMode: 'Standard' | 'Express';
}

export interface Deployment {
  functions: FunctionDeployment[];
  flows: FlowDeployment[];
  vars: Record<string, unknown>;
}

export interface DeployOptions extends LoadOptions {
  /** Where the code folders really are: s.yaml's `./dist/<fn>` is read from `<codeRoot>/<fn>`. */
  codeRoot?: { from: string; to: string };
}

function codeDirOf(props: Fc3Props, baseDir: string, codeRoot: DeployOptions['codeRoot']): string {
  const declared = resolve(baseDir, props.code);
  if (!codeRoot) return declared;
  const from = resolve(baseDir, codeRoot.from);
  const rest = relative(from, declared);
  return rest.startsWith('..') || isAbsolute(rest) ? declared : join(resolve(codeRoot.to), rest);
}

/**
 * The Node.js that custom.debian10 has built in; it is not on the default PATH, so the command names it.
 * Source: https://help.aliyun.com/document_detail/132044.html (custom.debian10: /var/fc/lang/nodejs20,
 * /var/fc/lang/nodejs18; the docs list no Node.js for custom.debian11 or custom.debian12).
 */
const CUSTOM_RUNTIME_NODE = ['/var/fc/lang/nodejs20/bin/node', '/var/fc/lang/nodejs18/bin/node'];

/** A custom runtime the local cloud can run: custom.debian10 running `<built-in node> <entry.js>`. */
function customEntryOf(resource: string, props: Fc3Props, codeDir: string): string {
  const config = props.customRuntimeConfig;
  const [command, ...rest] = [...(config?.command ?? []), ...(config?.args ?? [])];
  if (props.runtime !== 'custom.debian10' || !command || !CUSTOM_RUNTIME_NODE.includes(command))
    throw new SpecError(
      `[${resource}] the local cloud runs a custom runtime as custom.debian10 with customRuntimeConfig.command [${CUSTOM_RUNTIME_NODE.join(' or ')}] and the entry file in args (its built-in Node.js is not on the PATH)`,
    );
  const [entry] = rest;
  if (!entry || rest.length !== 1 || !existsSync(join(codeDir, entry)))
    throw new SpecError(
      `[${resource}] customRuntimeConfig.args must name one entry file in code ${props.code}${entry ? ` (no ${entry}: was it built?)` : ''}`,
    );
  return entry;
}

function functionOf(resource: string, props: Fc3Props, codeDir: string): FunctionDeployment {
  const custom = props.runtime.startsWith('custom');
  if (!custom && props.runtime !== 'nodejs20' && props.runtime !== 'nodejs18' && props.runtime !== 'nodejs16')
    throw new SpecError(`[${resource}] the local cloud runs Node.js runtimes only, not ${props.runtime}`);
  const entry = custom ? customEntryOf(resource, props, codeDir) : undefined;
  const [file] = props.handler.split('.');
  if (!custom && !existsSync(join(codeDir, `${file}.js`)))
    throw new SpecError(
      `[${resource}] code ${props.code} has no ${file}.js for handler ${props.handler} (was it built?)`,
    );
  for (const t of props.triggers)
    if (t.triggerType === 'http' && t.triggerConfig.authType !== 'anonymous')
      // Signed (function) and JWT HTTP triggers check credentials the local cloud cannot issue.
      throw new SpecError(
        `[${resource}] the local cloud serves anonymous HTTP triggers only, not ${t.triggerConfig.authType}`,
      );
  const onFailure = props.asyncInvokeConfig?.destinationConfig?.onFailure?.destination;
  return {
    name: props.functionName,
    region: props.region,
    handler: props.handler,
    ...(entry ? { customRuntime: { entry } } : {}),
    ...(props.instanceConcurrency ? { instanceConcurrency: props.instanceConcurrency } : {}),
    codeDir,
    memoryMB: props.memorySize,
    timeoutSeconds: props.timeout,
    env: props.environmentVariables,
    ...(props.role ? { roleArn: props.role.toLowerCase() } : {}),
    async: {
      maxAsyncRetryAttempts: props.asyncInvokeConfig?.maxAsyncRetryAttempts ?? 3,
      maxAsyncEventAgeInSeconds: props.asyncInvokeConfig?.maxAsyncEventAgeInSeconds ?? 18_000,
      ...(onFailure ? { onFailure } : {}),
    },
    triggers: props.triggers,
  };
}

export function loadDeployment(sYamlPath: string, options: DeployOptions): Deployment {
  const spec = loadSpec(sYamlPath, options);
  const baseDir = resolve(sYamlPath, '..');
  const functions: FunctionDeployment[] = [];
  const flows: FlowDeployment[] = [];
  for (const resource of spec.resources) {
    if (resource.component === 'fc3') {
      const props = parseFc3Props(resource.name, resource.props);
      functions.push(functionOf(resource.name, props, codeDirOf(props, baseDir, options.codeRoot)));
    } else if (resource.component === 'flow') {
      const props = parseFlowProps(resource.name, resource.props);
      // The component sends a definition object as JSON text (devsapp/fnf src/impl/flow.ts); JSON is YAML.
      const definition = parseDefinition(
        typeof props.definition === 'string'
          ? readDefinitionFile(props.definition)
          : JSON.stringify(props.definition),
      );
      if (definition.Name !== props.name)
        throw new SpecError(
          `[${resource.name}] the definition's Name "${definition.Name}" must equal the flow name "${props.name}" (CreateFlow)`,
        );
      flows.push({
        name: props.name,
        region: props.region,
        definition,
        ...(props.roleArn ? { roleArn: props.roleArn.toLowerCase() } : {}),
        executionMode: props.executionMode,
      });
    } else {
      throw new SpecError(
        `[${resource.name}] the local cloud deploys fc3 and flow resources only, not ${resource.component}`,
      );
    }
  }
  const names = functions.map((f) => f.name);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice) throw new SpecError(`functionName ${twice} is deployed twice`);
  return { functions, flows, vars: spec.vars };
}

/** A string definition is a path the component reads relative to the working directory (devsapp/fnf src/impl/flow.ts). */
function readDefinitionFile(path: string): string {
  try {
    return readFileSync(resolve(path), 'utf8');
  } catch {
    throw new SpecError(`definition ${path} cannot be read`);
  }
}
