/**
 * The CloudFlow expression language, parsed by jsep (a real expression parser) and checked against what the
 * docs define: paths from `$Input`, `$Output`, `$Context`, `$Global` with `.name` and `[index]`; string
 * ("…" or `…`), number, boolean and null literals; `==, !=, <, <=, >, >=`, `&&`, `||`; the prefixes `!` and
 * `-`; `in` (an array holds a value, an object a key); parentheses; built-in function calls; and JSON-literal
 * objects and arrays. Anything else is refused when the definition is checked.
 *
 * Operators: the Choice page lists "prefix: ! -" and "in: whether an array contains a value or an object
 * contains a key" (https://alibabacloud.com/help/tc/serverless-workflow/latest/select-choice). Parentheses are
 * not mentioned there; they only group (jsep drops them from the tree), so they cannot change what an
 * expression means beyond its operator precedence.
 */
import jsepObject from '@jsep-plugin/object';
import jsepTemplate from '@jsep-plugin/template';
import jsep, { type Expression } from 'jsep';
import { ASSUMPTIONS } from '../assumptions.js';
import { BUILTINS } from './builtins/index.js';

jsep.plugins.register(jsepObject, jsepTemplate);
// `in` binds like the relational operators.
jsep.addBinaryOp('in', 7);

export const ROOTS = ['$Input', '$Output', '$Context', '$Global'] as const;
export type Root = (typeof ROOTS)[number];
const COMPARISONS = new Set(['==', '!=', '<', '<=', '>', '>=', 'in']);
const PREFIXES = new Set(['!', '-']);
const LOGICAL = new Set(['&&', '||']);

export type Expr =
  | { kind: 'literal'; value: unknown }
  | { kind: 'path'; root: Root; steps: (string | number)[]; text: string }
  | { kind: 'compare'; op: string; left: Expr; right: Expr }
  | { kind: 'logical'; op: '&&' | '||'; left: Expr; right: Expr }
  | { kind: 'unary'; op: '!' | '-'; arg: Expr }
  | { kind: 'call'; name: string; args: Expr[] }
  | { kind: 'object'; entries: [string, Expr][] }
  | { kind: 'array'; items: Expr[] };

export class ExpressionSyntaxError extends Error {
  override readonly name = 'ExpressionSyntaxError';
}

type Node = Expression & Record<string, unknown>;

function pathOf(node: Node, source: string): Expr {
  const steps: (string | number)[] = [];
  let current: Node = node;
  while (current.type === 'MemberExpression') {
    const property = current.property as Node;
    if (current.computed) {
      if (
        property.type !== 'Literal' ||
        typeof property.value !== 'number' ||
        !Number.isInteger(property.value)
      ) {
        throw new ExpressionSyntaxError(`only whole-number indexes are allowed in paths: ${source}`);
      }
      steps.unshift(property.value);
    } else {
      steps.unshift(String(property.name));
    }
    current = current.object as Node;
  }
  if (current.type === 'CallExpression') {
    // e.g. stringToJson($Output.Body).Data[0]: a path into a function's result.
    return {
      kind: 'call',
      name: '__get',
      args: [convert(current, source), { kind: 'literal', value: steps }],
    };
  }
  if (current.type !== 'Identifier' || !ROOTS.includes(current.name as Root)) {
    throw new ExpressionSyntaxError(`a path must start with ${ROOTS.join(', ')}: ${source}`);
  }
  return { kind: 'path', root: current.name as Root, steps, text: source };
}

function convert(node: Node, source: string): Expr {
  switch (node.type) {
    case 'Literal':
      return { kind: 'literal', value: node.value };
    case 'TemplateLiteral': {
      const quasis = node.quasis as { value: { cooked: string } }[];
      if ((node.expressions as unknown[]).length > 0)
        throw new ExpressionSyntaxError(`backtick strings cannot embed expressions: ${source}`);
      return { kind: 'literal', value: quasis.map((q) => q.value.cooked).join('') };
    }
    case 'Identifier':
      if (ROOTS.includes(node.name as Root))
        return { kind: 'path', root: node.name as Root, steps: [], text: String(node.name) };
      throw new ExpressionSyntaxError(
        `unknown name "${String(node.name)}" (paths start with ${ROOTS.join(', ')})`,
      );
    case 'MemberExpression':
      return pathOf(node, source);
    case 'BinaryExpression': {
      const op = String(node.operator);
      const left = convert(node.left as Node, source);
      const right = convert(node.right as Node, source);
      if (COMPARISONS.has(op)) return { kind: 'compare', op, left, right };
      if (LOGICAL.has(op)) return { kind: 'logical', op: op as '&&' | '||', left, right };
      throw new ExpressionSyntaxError(
        `operator "${op}" is not part of CloudFlow expressions (only comparisons, in, && and ||)`,
      );
    }
    case 'UnaryExpression': {
      const op = String(node.operator);
      const argument = node.argument as Node;
      if (op === '-' && argument.type === 'Literal' && typeof argument.value === 'number')
        return { kind: 'literal', value: -argument.value };
      if (PREFIXES.has(op)) return { kind: 'unary', op: op as '!' | '-', arg: convert(argument, source) };
      throw new ExpressionSyntaxError(
        `operator "${op}" is not part of CloudFlow expressions (prefixes: ! and -)`,
      );
    }
    case 'CallExpression': {
      const callee = node.callee as Node;
      if (callee.type !== 'Identifier' || !Object.hasOwn(BUILTINS, String(callee.name))) {
        throw new ExpressionSyntaxError(
          `unknown function "${callee.type === 'Identifier' ? String(callee.name) : '?'}" (built-ins: ${Object.keys(BUILTINS).join(', ')})`,
        );
      }
      return {
        kind: 'call',
        name: String(callee.name),
        args: (node.arguments as Node[]).map((a) => convert(a, source)),
      };
    }
    case 'ObjectExpression': {
      const entries: [string, Expr][] = [];
      for (const property of node.properties as Node[]) {
        const key = property.key as Node;
        const name =
          key.type === 'Literal'
            ? String(key.value)
            : key.type === 'Identifier'
              ? String(key.name)
              : undefined;
        if (name === undefined || property.computed)
          throw new ExpressionSyntaxError(`object keys must be plain names or strings: ${source}`);
        entries.push([name, convert(property.value as Node, source)]);
      }
      return { kind: 'object', entries };
    }
    case 'ArrayExpression':
      return { kind: 'array', items: (node.elements as Node[]).map((e) => convert(e, source)) };
    case 'Compound':
      throw new ExpressionSyntaxError(`one expression expected: ${source}`);
    default:
      throw new ExpressionSyntaxError(
        `"${String(node.type)}" is not part of CloudFlow expressions: ${source}`,
      );
  }
}

function callDepth(expr: Expr): number {
  switch (expr.kind) {
    case 'call':
      return (expr.name === '__get' ? 0 : 1) + Math.max(0, ...expr.args.map(callDepth));
    case 'compare':
    case 'logical':
      return Math.max(callDepth(expr.left), callDepth(expr.right));
    case 'unary':
      return callDepth(expr.arg);
    case 'object':
      return Math.max(0, ...expr.entries.map(([, e]) => callDepth(e)));
    case 'array':
      return Math.max(0, ...expr.items.map(callDepth));
    default:
      return 0;
  }
}

const cache = new Map<string, Expr>();

export function parseExpression(source: string): Expr {
  const cached = cache.get(source);
  if (cached) return cached;
  let node: Node;
  try {
    node = jsep(source) as Node;
  } catch (error) {
    throw new ExpressionSyntaxError(`cannot parse "${source}": ${(error as Error).message}`);
  }
  const expr = convert(node, source);
  if (callDepth(expr) > ASSUMPTIONS.maxNestedFunctionCalls) {
    throw new ExpressionSyntaxError(
      `more than ${ASSUMPTIONS.maxNestedFunctionCalls} nested function calls: ${source}`,
    );
  }
  cache.set(source, expr);
  return expr;
}

/** The roots an expression reads, e.g. to refuse `$Output` outside an OutputConstructor. */
export function rootsOf(expr: Expr): Set<Root> {
  const out = new Set<Root>();
  const walk = (e: Expr): void => {
    if (e.kind === 'path') out.add(e.root);
    else if (e.kind === 'compare' || e.kind === 'logical') {
      walk(e.left);
      walk(e.right);
    } else if (e.kind === 'unary') walk(e.arg);
    else if (e.kind === 'call') e.args.forEach(walk);
    else if (e.kind === 'object') for (const [, v] of e.entries) walk(v);
    else if (e.kind === 'array') e.items.forEach(walk);
  };
  walk(expr);
  return out;
}
