/**
 * Serverless Devs 3 magic variables, as `s` renders them in s.yaml: `${env('NAME', 'default')}`,
 * `${config('AccountID')}`, `${vars.key}`, `${file('./p')}`, `${yaml(…)}`, `${json(…)}`, `${path('./p')}`,
 * `${this.props.key}`. Rendering walks the parsed YAML one string at a time (toolkit parse-spec
 * src/get-inputs.ts): a value that is exactly one `${…}` takes the expression's value (an object stays an
 * object and its strings are rendered in turn, which is how `${vars.*}` inside a file read by
 * `${yaml(file())}` gets filled in); a string result is rendered once more (art-template lib/devs-compile.js
 * "解析过后的值如果是字符串，且包含魔法变量，则再次解析"); keys whose value renders to null are dropped. An empty
 * environment variable counts as unset. Error messages are the engine's (`env('X') not found`, …).
 * The expression inside `${…}` is parsed with jsep, never with regexes.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import jsep, { type Expression } from 'jsep';
import { parse as parseYaml } from 'yaml';

export class SpecError extends Error {
  override readonly name = 'SpecError';
}

export interface RenderContext {
  /** The environment of the machine running `s`. */
  env: Readonly<Record<string, string | undefined>>;
  /** `s config` values of the active access (`AccountID`, …). */
  config: Readonly<Record<string, string>>;
  /** The directory of s.yaml: relative `file()`/`path()` arguments start there. */
  baseDir: string;
  vars?: Record<string, unknown>;
  self?: Record<string, unknown>;
}

type Node = Expression & Record<string, unknown>;

function callName(node: Node): string {
  const callee = node.callee as Node;
  if (callee.type !== 'Identifier') throw new SpecError(`unsupported function call in \${…}`);
  return String(callee.name);
}

function lookup(root: unknown, steps: string[], text: string): unknown {
  let value = root;
  for (const step of steps) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, step)) {
      throw new SpecError(`\${${text}} not found`);
    }
    value = (value as Record<string, unknown>)[step];
  }
  return value;
}

function memberPath(node: Node, text: string): string[] {
  const steps: string[] = [];
  let current: Node = node;
  while (current.type === 'MemberExpression') {
    const property = current.property as Node;
    if (current.computed) {
      if (property.type !== 'Literal') throw new SpecError(`\${${text}}: unsupported member access`);
      steps.unshift(String(property.value));
    } else steps.unshift(String(property.name));
    current = current.object as Node;
  }
  if (current.type !== 'Identifier') throw new SpecError(`\${${text}}: unsupported expression`);
  steps.unshift(String(current.name));
  return steps;
}

function evaluate(node: Node, context: RenderContext, text: string): unknown {
  switch (node.type) {
    case 'Literal':
      return node.value;
    case 'MemberExpression':
    case 'Identifier': {
      const [root, ...rest] = memberPath(node, text);
      if (root === 'vars') return lookup(context.vars ?? {}, rest, text);
      if (root === 'this') return lookup(context.self ?? {}, rest, text);
      throw new SpecError(`\${${text}}: unknown variable "${root}"`);
    }
    case 'CallExpression': {
      const name = callName(node);
      const args = (node.arguments as Node[]).map((a) => evaluate(a, context, text));
      const str = (i: number) => {
        if (typeof args[i] !== 'string') throw new SpecError(`\${${text}}: ${name}() takes a string`);
        return args[i] as string;
      };
      const fromBase = (p: string) => (isAbsolute(p) ? p : resolve(context.baseDir, p));
      switch (name) {
        case 'env': {
          const value = context.env[str(0)];
          if (value) return value;
          if (args.length > 1 && args[1] !== null && args[1] !== undefined) return args[1];
          throw new SpecError(`env('${str(0)}') not found`);
        }
        case 'config': {
          const value = context.config[str(0)];
          if (value === undefined) throw new SpecError(`config('${str(0)}') not found`);
          return value;
        }
        case 'file':
          try {
            return readFileSync(fromBase(str(0)), 'utf8');
          } catch {
            throw new SpecError(`file('${str(0)}') not found`);
          }
        case 'path':
          return fromBase(str(0));
        case 'yaml':
        case 'json':
          try {
            return name === 'yaml' ? parseYaml(str(0)) : JSON.parse(str(0));
          } catch {
            throw new SpecError(`\${${text}}: ${name}() could not parse its input`);
          }
        default:
          throw new SpecError(`\${${text}}: unknown function ${name}()`);
      }
    }
    default:
      throw new SpecError(`\${${text}}: unsupported expression`);
  }
}

/** The `${…}` segments of a string, found by scanning (quotes may hold braces). */
function segments(value: string): { start: number; end: number; text: string }[] {
  const found: { start: number; end: number; text: string }[] = [];
  for (let i = value.indexOf('${'); i !== -1; i = value.indexOf('${', i)) {
    let depth = 1;
    let quote: string | undefined;
    let j = i + 2;
    for (; j < value.length && depth > 0; j++) {
      const c = value[j]!;
      if (quote) {
        if (c === '\\') j++;
        else if (c === quote) quote = undefined;
      } else if (c === "'" || c === '"') quote = c;
      else if (c === '{') depth++;
      else if (c === '}') depth--;
    }
    if (depth > 0) throw new SpecError('a ${ is not closed (the value is not shown: it may hold a secret)');
    found.push({ start: i, end: j, text: value.slice(i + 2, j - 1).trim() });
    i = j;
  }
  return found;
}

export function renderString(value: string, context: RenderContext, again = true): unknown {
  const parts = segments(value);
  if (parts.length === 0) return value;
  const resultOf = (text: string) => {
    let node: Node;
    try {
      node = jsep(text) as Node;
    } catch (error) {
      throw new SpecError(`\${${text}}: ${(error as Error).message}`);
    }
    const result = evaluate(node, context, text);
    if (typeof result === 'string') return again ? renderString(result, context, false) : result;
    return render(result, context);
  };
  if (parts.length === 1 && parts[0]!.start === 0 && parts[0]!.end === value.length) {
    return resultOf(parts[0]!.text);
  }
  let out = '';
  let at = 0;
  for (const part of parts) {
    const v = resultOf(part.text);
    out += value.slice(at, part.start) + (typeof v === 'string' ? v : JSON.stringify(v));
    at = part.end;
  }
  return out + value.slice(at);
}

/** Renders every string in a value (objects and arrays recursively); what a file or yaml() brings in, too. */
export function render(value: unknown, context: RenderContext): unknown {
  if (typeof value === 'string') return renderString(value, context);
  if (Array.isArray(value)) return value.map((v) => render(v, context));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .map(([k, v]) => [k, render(v, context)] as const)
        .filter(([, v]) => v !== null && v !== undefined),
    );
  }
  return value;
}
