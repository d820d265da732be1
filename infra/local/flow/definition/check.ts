/**
 * Checks a flow definition before anything runs, refusing what the cloud would refuse, with the state name
 * and the reason: unknown fields, a Choice without Default, Next to a missing state, Next and End together
 * or neither, unreachable states, bad expressions, `$Output` outside output constructors, Wait seconds out
 * of range, actions the local runner cannot run.
 */
import { parse as parseYaml } from 'yaml';
import { ASSUMPTIONS } from '../assumptions.js';
import { expressionProblems, templateProblems } from '../constructors.js';
import { DefinitionError, type DefinitionProblem } from '../errors.js';
import type { Root } from '../expressions/parse.js';
import { type FlowDefinition, STATE_DOCS, STATE_SCHEMAS, type StateType, topSchema } from './schema.js';

const IN: readonly Root[] = ['$Input', '$Context', '$Global'];
const OUT: readonly Root[] = ['$Input', '$Output', '$Context', '$Global'];

/** Why an attribute is refused: the state type's documented list, and a hint for known near-misses. */
function unknownAttribute(type: StateType, key: string): string {
  const documented = Object.keys(STATE_SCHEMAS[type].shape).join(', ');
  const hint =
    type === 'Map' && key === 'MaxConcurrency'
      ? '; the inline-mode page spells it MaxConcuccency'
      : key === 'GlobalConstructor'
        ? '; the global-io page says any state may write $Global, but no state table lists GlobalConstructor and only a Task is shown with it, so only Task accepts it until the cloud is checked'
        : '';
  return `unknown field "${key}": not an attribute of a ${type} state, so CreateFlow refuses it (documented: ${documented}; ${STATE_DOCS[type]})${hint}`;
}

function zodProblems(
  state: string,
  issues: { path: PropertyKey[]; message: string; code: string; keys?: string[] }[],
  type?: StateType,
): DefinitionProblem[] {
  return issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return (issue.keys ?? []).map((k) => ({
        state,
        reason:
          type && issue.path.length === 0
            ? unknownAttribute(type, k)
            : `unknown field "${[...issue.path.map(String), k].join('.')}"`,
      }));
    }
    const path = issue.path.map(String).join('.');
    return [{ state, reason: path ? `${path}: ${issue.message}` : issue.message }];
  });
}

function checkScope(
  raw: { StartAt: string; States: unknown[] },
  where: string,
  problems: DefinitionProblem[],
): void {
  const names = new Map<string, Record<string, unknown>>();
  raw.States.forEach((entry, index) => {
    const label = `${where}States[${index}]`;
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
      problems.push({ state: label, reason: 'a state must be a map' });
      return;
    }
    const state = entry as Record<string, unknown>;
    const name = typeof state.Name === 'string' && state.Name ? state.Name : label;
    if (names.has(name))
      problems.push({ state: name, reason: 'another state in the same scope has this Name' });
    names.set(name, state);
    const type = state.Type as StateType;
    const schema = STATE_SCHEMAS[type];
    if (!schema) {
      problems.push({
        state: name,
        reason: `unknown Type "${String(state.Type)}" (one of ${Object.keys(STATE_SCHEMAS).join(', ')})`,
      });
      return;
    }
    const result = schema.safeParse(state);
    if (!result.success) problems.push(...zodProblems(name, result.error.issues as never, type));
    checkState(name, type, state, problems);
    if (type === 'Parallel' && Array.isArray(state.Branches)) {
      state.Branches.forEach((branch, i) => {
        if (branch && typeof branch === 'object')
          checkScope(branch as never, `${name}.Branches[${i}].`, problems);
      });
    }
    if (type === 'Map' && state.Processor && typeof state.Processor === 'object') {
      checkScope(state.Processor as never, `${name}.Processor.`, problems);
    }
  });

  // References and reachability within this scope.
  const targets = (state: Record<string, unknown>): string[] => {
    const out: string[] = [];
    if (typeof state.Next === 'string') out.push(state.Next);
    if (typeof state.Default === 'string') out.push(state.Default);
    for (const b of (Array.isArray(state.Branches) && state.Type === 'Choice' ? state.Branches : []) as {
      Next?: unknown;
    }[]) {
      if (typeof b?.Next === 'string') out.push(b.Next);
    }
    for (const c of (Array.isArray(state.Catch) ? state.Catch : []) as { Next?: unknown }[])
      if (typeof c?.Next === 'string') out.push(c.Next);
    return out;
  };
  if (!names.has(raw.StartAt))
    problems.push({
      state: `${where || '(flow)'}`.replace(/\.$/, '') || '(flow)',
      reason: `StartAt "${raw.StartAt}" is not a state of this scope`,
    });
  for (const [name, state] of names) {
    for (const target of targets(state)) {
      if (!names.has(target))
        problems.push({ state: name, reason: `goes to "${target}", which is not a state of this scope` });
    }
  }
  const reached = new Set<string>();
  const stack = names.has(raw.StartAt) ? [raw.StartAt] : [];
  while (stack.length) {
    const current = stack.pop()!;
    if (reached.has(current)) continue;
    reached.add(current);
    stack.push(...targets(names.get(current) ?? {}).filter((t) => names.has(t)));
  }
  for (const name of names.keys()) {
    if (!reached.has(name) && names.has(raw.StartAt))
      problems.push({ state: name, reason: 'is unreachable from StartAt' });
  }
}

function checkState(
  name: string,
  type: StateType,
  state: Record<string, unknown>,
  problems: DefinitionProblem[],
): void {
  const add = (reason: string) => problems.push({ state: name, reason });
  const flowing = ['Task', 'Pass', 'Wait', 'Parallel', 'Map'].includes(type);
  if (flowing && (state.Next === undefined) === (state.End === undefined))
    add('needs exactly one of Next and End');
  if (state.InputConstructor !== undefined)
    templateProblems(state.InputConstructor, 'InputConstructor', IN).forEach(add);
  if (state.OutputConstructor !== undefined)
    templateProblems(state.OutputConstructor, 'OutputConstructor', OUT).forEach(add);
  if (state.GlobalConstructor !== undefined)
    templateProblems(state.GlobalConstructor, 'GlobalConstructor', OUT).forEach(add);
  for (const [i, c] of (Array.isArray(state.Catch) ? state.Catch : []).entries()) {
    const ctor = (c as { OutputConstructor?: unknown })?.OutputConstructor;
    if (ctor !== undefined) templateProblems(ctor, `Catch[${i}].OutputConstructor`, OUT).forEach(add);
  }
  switch (type) {
    case 'Task': {
      if (state.Parameters !== undefined) templateProblems(state.Parameters, 'Parameters', IN).forEach(add);
      const action = state.Action;
      if (
        typeof action === 'string' &&
        !(ASSUMPTIONS.supportedActions as readonly string[]).includes(action)
      ) {
        add(`Action ${action} cannot run locally (supported: ${ASSUMPTIONS.supportedActions.join(', ')})`);
      }
      if (state.TaskMode !== undefined && state.TaskMode !== 'RequestComplete')
        add(`TaskMode ${String(state.TaskMode)} cannot run locally`);
      const params = (state.Parameters ?? {}) as Record<string, unknown>;
      const has = (k: string) => k in params || `${k}.$` in params;
      if (action === 'FC:InvokeFunction') {
        for (const k of ['resourceArn', 'invocationType'])
          if (!has(k)) add(`FC:InvokeFunction needs Parameters.${k}`);
        const type = params.invocationType;
        if (typeof type === 'string' && type !== 'Sync' && type !== 'Async')
          add('Parameters.invocationType must be Sync or Async');
      }
      if (action === 'EventBridge:PutEvents') {
        for (const k of ['eventBusName', 'source', 'type', 'id', 'data'])
          if (!has(k)) add(`EventBridge:PutEvents needs Parameters.${k}`);
      }
      const timeout = state.Timeout === undefined ? undefined : Number(state.Timeout);
      if (timeout !== undefined && !(timeout >= 0 && timeout <= 604_800))
        add('Timeout must be 0–604800 seconds');
      if (state.Timeout !== undefined && state['Timeout.$'] !== undefined)
        add('needs at most one of Timeout and Timeout.$');
      if (state['Timeout.$'] !== undefined)
        expressionProblems(state['Timeout.$'], 'Timeout.$', IN).forEach(add);
      break;
    }
    case 'Wait': {
      const literal = state.Seconds;
      const expression = state['Seconds.$'];
      if ((literal === undefined) === (expression === undefined))
        add('needs exactly one of Seconds and Seconds.$');
      const { min, max } = ASSUMPTIONS.waitSeconds;
      if (
        literal !== undefined &&
        !(Number.isInteger(literal) && (literal as number) >= min && (literal as number) <= max)
      ) {
        add(`Seconds must be a whole number from ${min} to ${max} in Standard mode`);
      }
      if (expression !== undefined) expressionProblems(expression, 'Seconds.$', IN).forEach(add);
      break;
    }
    case 'Choice':
      if (state.Default === undefined) add('Default is required');
      for (const [i, b] of (Array.isArray(state.Branches) ? state.Branches : []).entries()) {
        const condition = (b as { Condition?: unknown })?.Condition;
        if (condition !== undefined)
          expressionProblems(condition, `Branches[${i}].Condition`, IN).forEach(add);
      }
      break;
    case 'Map':
      if (state.ItemsPath !== undefined) expressionProblems(state.ItemsPath, 'ItemsPath', IN).forEach(add);
      break;
    default:
      break;
  }
}

/** Checks a definition object; returns it typed, or throws DefinitionError with every problem. */
export function checkDefinition(raw: unknown): FlowDefinition {
  const problems: DefinitionProblem[] = [];
  const top = topSchema.safeParse(raw);
  if (!top.success) problems.push(...zodProblems('(flow)', top.error.issues as never));
  if (raw && typeof raw === 'object' && Array.isArray((raw as { States?: unknown }).States)) {
    checkScope(raw as { StartAt: string; States: unknown[] }, '', problems);
  }
  if (problems.length > 0) throw new DefinitionError(problems);
  return raw as FlowDefinition;
}

/** Parses YAML (or JSON) text and checks it. */
export function parseDefinition(text: string): FlowDefinition {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new DefinitionError([{ state: '(flow)', reason: `not valid YAML: ${(error as Error).message}` }]);
  }
  return checkDefinition(raw);
}
