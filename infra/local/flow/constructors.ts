/**
 * Constructors and Parameters: a key ending in `.$` takes an expression, any other key a literal; nested
 * objects follow the same rule. Used to check a definition (`templateProblems`) and to run it (`construct`).
 */
import { evaluateText, type Variables } from './expressions/evaluate.js';
import { parseExpression, type Root, rootsOf } from './expressions/parse.js';

export type Template = Record<string, unknown>;

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** Problems of a template, each as a sentence naming the key; `allowed` are the roots its expressions may read. */
export function templateProblems(template: unknown, where: string, allowed: readonly Root[]): string[] {
  if (!isPlainObject(template)) return [`${where} must be a map`];
  const problems: string[] = [];
  const walk = (value: unknown, path: string) => {
    if (Array.isArray(value)) {
      for (const [i, item] of value.entries()) walk(item, `${path}[${i}]`);
    } else if (isPlainObject(value)) {
      for (const [key, inner] of Object.entries(value)) {
        const at = path ? `${path}.${key}` : key;
        if (key.endsWith('.$')) problems.push(...expressionProblems(inner, `${where} ${at}`, allowed));
        else walk(inner, at);
      }
    }
  };
  walk(template, '');
  return problems;
}

export function expressionProblems(source: unknown, where: string, allowed: readonly Root[]): string[] {
  if (typeof source !== 'string')
    return [`${where} must be an expression string (keys ending in ".$" take expressions)`];
  try {
    const roots = rootsOf(parseExpression(source));
    return [...roots]
      .filter((r) => !allowed.includes(r))
      .map((r) => `${where} reads ${r}, which is not available there`);
  } catch (error) {
    return [`${where}: ${(error as Error).message}`];
  }
}

/** Builds the value of a template with the given variables. */
export function construct(template: Template, vars: Variables): Record<string, unknown> {
  const build = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(build);
    if (!isPlainObject(value)) return value;
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      if (key.endsWith('.$')) out[key.slice(0, -2)] = evaluateText(inner as string, vars);
      else out[key] = build(inner);
    }
    return out;
  };
  return build(template) as Record<string, unknown>;
}
