/**
 * `npm run mutants`: one-line mutations the test suite must catch — each is applied to the source, the tests
 * that guard it are run, and the source is restored. A mutation whose tests still pass is a blind spot.
 * Prints one line per mutation; exits 1 if any survived. (A small, rerunnable check, not a full Stryker run.)
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

interface Mutation {
  name: string;
  file: string;
  from: string;
  to: string;
  tests: string[];
}

export const MUTATIONS: Mutation[] = [
  {
    name: 'an unknown 5xx is no longer retried (>= 500 → > 500)',
    file: 'functions/lib/cloud/errorTable.ts',
    from: 'httpStatus >= 500',
    to: 'httpStatus > 500',
    tests: ['test/unit/errorTable.test.ts'],
  },
  {
    name: 'the correlation entry cap is gone',
    file: 'functions/lib/triggers/webhookMapping.ts',
    from: 'if (Object.keys(correlation).length >= LIMITS.correlationEntries) break;',
    to: '',
    tests: ['test/unit/webhook.test.ts'],
  },
  {
    name: "the event's token ignores its CloudEvent source",
    file: 'functions/intake-event/index.ts',
    from: 'eventKey(envelope.source as string, envelope.id as string)',
    to: "eventKey('', envelope.id as string)",
    tests: ['test/e2e/triggers.test.ts'],
  },
  {
    name: 'ExecutionAlreadyExists is no longer a hand-off that happened',
    file: 'functions/lib/cloud/workflowClient.ts',
    from: "error.code === 'ExecutionAlreadyExists'",
    to: "error.code === 'ExecutionAlreadyExists.Never'",
    tests: ['test/integration/fnfApi.test.ts'],
  },
  {
    name: 'the look-up reuses a session that is being deleted',
    file: 'functions/lib/steps/provision.ts',
    from: "if (session.TrafficMirrorSessionStatus === 'Deleting') return false;",
    to: '',
    tests: ['test/unit/provision.test.ts'],
  },
  {
    name: 'a webhook signature one hex digit longer passes',
    file: 'functions/lib/triggers/webhookSignature.ts',
    from: 'given.length !== expected.length || ',
    to: '',
    tests: ['test/unit/webhook.test.ts'],
  },
];

function run(mutation: Mutation): 'caught' | 'survived' {
  const original = readFileSync(mutation.file, 'utf8');
  if (!original.includes(mutation.from))
    throw new Error(`${mutation.file} no longer holds: ${mutation.from}`);
  writeFileSync(mutation.file, original.replace(mutation.from, mutation.to));
  try {
    const tests = spawnSync('npx', ['vitest', 'run', ...mutation.tests], { stdio: 'ignore' });
    return tests.status === 0 ? 'survived' : 'caught';
  } finally {
    writeFileSync(mutation.file, original);
  }
}

let survived = 0;
for (const mutation of MUTATIONS) {
  const verdict = run(mutation);
  if (verdict === 'survived') survived++;
  process.stdout.write(`${verdict === 'caught' ? 'caught  ' : 'SURVIVED'}  ${mutation.name}\n`);
}
process.stdout.write(`${MUTATIONS.length - survived} of ${MUTATIONS.length} mutations caught\n`);
process.exit(survived === 0 ? 0 : 1);
