/**
 * The desired-state document reconcile works from: schema-checked, one named mirror request per entry. Users
 * write YAML (or JSON); the build checks it and ships it as JSON (infra/build/desiredStateFile.ts), which is
 * read here without a YAML parser: 20,000 entries read and checked in about 65 ms where js-yaml's reading
 * takes about 330 ms (infra/bench/plan.ts), on every reconcile invocation. desiredStateText.ts reads the rest.
 */
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
    /** What is wrong, without the problems. */
    readonly summary: string,
    readonly problems: Problem[] = [],
  ) {
    super(problems.length ? `${summary}: ${problems.map((p) => `${p.path} ${p.rule}`).join('; ')}` : summary);
  }
}

/**
 * A desired state written as JSON, checked; undefined for a text that is not JSON (then read it as YAML). For
 * the file the build wrote: JSON.parse keeps the last of two equal keys, where the YAML reader refuses them.
 */
export function jsonDesiredState(text: string): DesiredState | undefined {
  const json = text.replace(/^\uFEFF/, '');
  if (!json.trimStart().startsWith('{')) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    return undefined;
  }
  return checkDesiredState(raw);
}

/** The document, once parsed, against the schema. */
export function checkDesiredState(raw: unknown): DesiredState {
  const result = desiredStateSchema.safeParse(raw);
  if (!result.success)
    throw new DesiredStateError('the desired state is invalid', problemsFromZod(result.error, raw));
  return result.data;
}
