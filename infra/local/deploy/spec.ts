/**
 * Reads an s.yaml as Serverless Devs 3 does: `vars` rendered first, then each resource's `props` merged over
 * the `template` it extends (a deep merge, the resource's own values winning: `extend2(true, {}, template,
 * props)` in Serverless-Devs/toolkit packages/parse-spec/src/parse-content.ts) and rendered.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { type RenderContext, render, SpecError } from './variables.js';

const specSchema = z.object({
  edition: z.literal('3.0.0'),
  name: z.string().min(1),
  access: z.string().optional(),
  vars: z.record(z.string(), z.unknown()).optional(),
  template: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
  actions: z.record(z.string(), z.unknown()).optional(),
  flow: z.unknown().optional(),
  resources: z.record(
    z.string(),
    z.object({
      component: z.string().min(1),
      props: z.record(z.string(), z.unknown()).optional(),
      extend: z.object({ name: z.string(), ignore: z.array(z.string()).optional() }).optional(),
      actions: z.record(z.string(), z.unknown()).optional(),
    }),
  ),
});

export interface ResolvedResource {
  name: string;
  component: string;
  props: Record<string, unknown>;
}

export interface ResolvedSpec {
  name: string;
  vars: Record<string, unknown>;
  resources: ResolvedResource[];
  path: string;
}

/** extend2's deep merge: objects merge key by key; arrays and other values replace ("overriding array as primitive"). */
export function deepExtend(target: unknown, source: unknown): unknown {
  if (source === undefined) return target;
  if (Array.isArray(source)) return structuredClone(source);
  if (source !== null && typeof source === 'object') {
    const base: Record<string, unknown> =
      target !== null && typeof target === 'object' && !Array.isArray(target)
        ? { ...(target as Record<string, unknown>) }
        : {};
    for (const [k, v] of Object.entries(source)) base[k] = deepExtend(base[k], v);
    return base;
  }
  return source;
}

export interface LoadOptions {
  env: Readonly<Record<string, string | undefined>>;
  config: Readonly<Record<string, string>>;
}

export function loadSpec(path: string, options: LoadOptions): ResolvedSpec {
  const file = resolve(path);
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new SpecError(`${path}: ${(error as Error).message}`);
  }
  const parsed = specSchema.safeParse(raw);
  if (!parsed.success) {
    const problem = parsed.error.issues[0]!;
    throw new SpecError(`${path}: ${problem.path.join('.') || '(top level)'}: ${problem.message}`);
  }
  const spec = parsed.data;
  const base: RenderContext = { env: options.env, config: options.config, baseDir: dirname(file) };
  const vars = render(spec.vars ?? {}, base) as Record<string, unknown>;
  const context: RenderContext = { ...base, vars };
  const resources = Object.entries(spec.resources).map(([name, resource]) => {
    let props: unknown = resource.props ?? {};
    if (resource.extend) {
      // An unknown template name merges nothing, as in parse-content.ts (`content.template[name] ?? {}`).
      const template = spec.template?.[resource.extend.name] ?? {};
      const kept = Object.fromEntries(
        Object.entries(template).filter(([k]) => !(resource.extend!.ignore ?? []).includes(k)),
      );
      props = deepExtend(deepExtend({}, kept), props);
    }
    const rendered = render(props, { ...context, self: { name, props } }) as Record<string, unknown>;
    return { name, component: resource.component, props: rendered };
  });
  return { name: spec.name, vars, resources, path: file };
}
