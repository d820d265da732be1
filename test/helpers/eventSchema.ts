/** The published completion-event schema (schemas/completion-event.schema.json), compiled once, as a check. */
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';

const ajv = new Ajv({ allErrors: true, strict: false });
const compiled = (file: string) =>
  ajv.compile(JSON.parse(readFileSync(`schemas/${file}.schema.json`, 'utf8')) as object);
const schemas = {
  'completion-event': compiled('completion-event'),
  'reconcile-completed': compiled('reconcile-completed'),
};

/** Throws, naming the event and every problem, when an event breaks the published contract. */
export function assertEventSchema(event: unknown, schema: keyof typeof schemas): void {
  const validate = schemas[schema];
  if (validate(event)) return;
  const problems = (validate.errors ?? [])
    .map((e) => `${e.instancePath || '(event)'} ${e.message}`)
    .join('; ');
  throw new Error(`event ${String((event as { id?: unknown }).id)} breaks the ${schema} schema: ${problems}`);
}

export const assertCompletionEvent = (event: unknown) => assertEventSchema(event, 'completion-event');
export const assertReconcileEvent = (event: unknown) => assertEventSchema(event, 'reconcile-completed');
