/** The published completion-event contract (schemas/completion-event.schema.json), checked on every event a row sees. */
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';

const ajv = new Ajv({ allErrors: true, strict: false });
const validate = ajv.compile(
  JSON.parse(
    readFileSync(new URL('../../schemas/completion-event.schema.json', import.meta.url), 'utf8'),
  ) as object,
);

/** Undefined when the event keeps the contract, else its problems in one line. */
export function completionEventProblems(event: unknown): string | undefined {
  if (validate(event)) return undefined;
  return (validate.errors ?? []).map((e) => `${e.instancePath || '(event)'} ${e.message}`).join('; ');
}
