/** The published completion-event schema (schemas/completion-event.schema.json), compiled once, as a check. */
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';

const schema = JSON.parse(readFileSync('schemas/completion-event.schema.json', 'utf8')) as object;
const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

/** Throws, naming the event and every problem, when an event breaks the published contract. */
export function assertCompletionEvent(event: unknown): void {
  if (validate(event)) return;
  const problems = (validate.errors ?? [])
    .map((e) => `${e.instancePath || '(event)'} ${e.message}`)
    .join('; ');
  throw new Error(
    `event ${String((event as { id?: unknown }).id)} breaks the completion-event schema: ${problems}`,
  );
}
