/**
 * `mirrorflow status <clientToken|sessionId|ticket>`: where a request stands — its completion event, or, while
 * the flow still waits, the execution and its last look at the session.
 */
import type { Command } from 'commander';
import { CloudApiError } from '../../../functions/lib/cloud/cloudError.js';
import { executionName } from '../../../functions/lib/contract/clientToken.js';
import type { StoredEvent } from '../../local/eventbridge/bus.js';
import { DEFAULT_ENDPOINTS_FILE, type Endpoints, readEndpoints } from '../endpoints.js';
import { type CliIo, EXIT } from '../io.js';
import { completionEvents, dataOf, flowCaller } from '../lookup/localStack.js';

interface Pending {
  state: 'pending';
  executionName: string;
  looks: number;
  lastPhase: string | null;
  nextDelaySeconds: number | null;
}

/** The events that answer `key`: a ClientToken, a session id, or a correlation value (e.g. a ticket). */
export function eventsFor(events: StoredEvent[], key: string): StoredEvent[] {
  return events.filter((e) => {
    const data = dataOf(e);
    return (
      data.clientToken === key ||
      data.sessionId === key ||
      String(e.subject ?? '').endsWith(`/${key}`) ||
      Object.values(data.correlation ?? {}).includes(key)
    );
  });
}

async function pendingExecution(endpoints: Endpoints, token: string): Promise<Pending | undefined> {
  const call = flowCaller(endpoints);
  const name = executionName(token);
  try {
    const described = await call('DescribeExecution', { FlowName: 'session-ready', ExecutionName: name });
    if (described.Status !== 'Running') return undefined;
    const history = await call('GetExecutionHistory', {
      FlowName: 'session-ready',
      ExecutionName: name,
      Limit: 1000,
    });
    const looks = (
      (history.Events ?? []) as { Type: string; StepName: string; EventDetail: string }[]
    ).filter((e) => e.Type === 'TaskSucceeded' && e.StepName === 'CheckStatus');
    const last = looks.at(-1);
    const job = last
      ? (
          JSON.parse(last.EventDetail) as {
            output?: { Body?: { phase?: string; nextDelaySeconds?: number } };
          }
        ).output?.Body
      : undefined;
    return {
      state: 'pending',
      executionName: name,
      looks: looks.length,
      lastPhase: job?.phase ?? null,
      nextDelaySeconds: job?.nextDelaySeconds ?? null,
    };
  } catch (error) {
    if (error instanceof CloudApiError && /NotExist/.test(error.code)) return undefined;
    throw error;
  }
}

export function registerStatus(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('status')
    .description('where a request stands: its completion event, or the flow still waiting for the session')
    .argument('<key>', 'a ClientToken, a session id (tms-…) or a correlation value such as a ticket id')
    .option('--endpoints <file>', 'the endpoints `mirrorflow up` wrote', DEFAULT_ENDPOINTS_FILE)
    .option('--json', 'the answer as JSON')
    .action(async (key: string, options: { endpoints: string; json?: boolean }) => {
      const endpoints = readEndpoints(options.endpoints);
      const answered = eventsFor(await completionEvents(endpoints), key);
      if (answered.length > 0) {
        const answers = answered.map((e) => ({
          state: 'answered',
          type: e.type,
          outcome: dataOf(e).outcome ?? null,
          reason: dataOf(e).reason ?? null,
          session: String(e.subject ?? ''),
          clientToken: dataOf(e).clientToken ?? null,
          correlation: dataOf(e).correlation ?? {},
          time: e.time ?? null,
        }));
        if (options.json) io.out(JSON.stringify(answers));
        else
          for (const a of answers)
            io.out(
              `${a.outcome}  ${a.reason ?? ''}  ${a.session}  ${a.clientToken ?? ''}  ${String(a.time ?? '')}`.trimEnd(),
            );
        return setExit(EXIT.ok);
      }
      const pending = await pendingExecution(endpoints, key);
      if (pending) {
        if (options.json) io.out(JSON.stringify(pending));
        else
          io.out(
            `pending: execution ${pending.executionName}, ${pending.looks} look(s) so far${pending.nextDelaySeconds !== null ? `, next in ${pending.nextDelaySeconds} s` : ''}`,
          );
        return setExit(EXIT.ok);
      }
      if (options.json) io.out(JSON.stringify({ state: 'unknown', key }));
      else io.out(`nothing known about ${key}: no completion event and no running execution`);
      setExit(EXIT.failed);
    });
}
