/** The desired-state document reconcile works from: YAML, schema-checked, one named mirror request per entry. */
// js-yaml rather than `yaml` here: it reads a 20,000-entry document ten times faster and is a third of the
// size in the reconcile bundle (infra/bench/plan.ts measures it); `yaml` still reads s.yaml for the tooling.
import { load as parseYaml } from 'js-yaml';
import * as z from 'zod/mini';
import { type Problem, problemsFromZod } from './problems.js';

export const desiredStateSchema = z.strictObject({
  version: z.literal(1, { error: 'must be 1' }),
  sessions: z
    .array(
      z.strictObject({
        /** The entry's identity: stable across runs, unique in the document. */
        name: z.string().check(
          z.regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, {
            error: 'must be 1–64 letters, digits, ".", "_" or "-", starting with a letter or digit',
          }),
        ),
        /** A mirror request (checked against the contract when planning). */
        request: z.record(z.string(), z.unknown()),
      }),
    )
    .check(
      z.superRefine((entries: { name: string }[], ctx) => {
        const seen = new Set<string>();
        entries.forEach((entry, index) => {
          if (seen.has(entry.name))
            ctx.addIssue({
              code: 'custom',
              path: [index, 'name'],
              message: `must be unique ("${entry.name}" repeats)`,
            });
          seen.add(entry.name);
        });
      }),
    ),
});

export type DesiredState = z.output<typeof desiredStateSchema>;

export class DesiredStateError extends Error {
  override readonly name = 'DesiredStateError';
  constructor(
    message: string,
    readonly problems: Problem[] = [],
  ) {
    super(problems.length ? `${message}: ${problems.map((p) => `${p.path} ${p.rule}`).join('; ')}` : message);
  }
}

export function parseDesiredState(text: string): DesiredState {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new DesiredStateError(`the desired state is not valid YAML: ${(error as Error).message}`);
  }
  const result = desiredStateSchema.safeParse(raw);
  if (!result.success)
    throw new DesiredStateError('the desired state is invalid', problemsFromZod(result.error, raw));
  return result.data;
}
