/**
 * FC timer triggers on the local cloud's clock: each enabled trigger fires at every time its cron expression
 * names (6 fields, seconds first, UTC; `CRON_TZ=<zone> ` prefix; `@every <n>s|m|h`), with the documented
 * event `{triggerTime, triggerName, payload}`. Source: https://alibabacloud.com/help/en/functioncompute/api-fc-2023-03-30-struct-timertriggerconfig
 */
import { CronExpressionParser } from 'cron-parser';
import type { Clock } from '../clock.js';

export interface TimerTrigger {
  functionName: string;
  triggerName: string;
  cronExpression: string;
  enable: boolean;
  payload?: string;
}

export type FireFn = (trigger: TimerTrigger, event: Buffer) => Promise<void>;

/** Whether FC would take the expression: 6 cron fields (seconds first), an optional `CRON_TZ=`, or `@every`. */
export function isCronExpression(expression: string): boolean {
  const every = /^@every\s+(\d+)([smh])$/.exec(expression.trim());
  if (every) return Number(every[1]) > 0;
  const zoned = /^CRON_TZ=(\S+)\s+(.+)$/.exec(expression.trim());
  const fields = (zoned ? zoned[2]! : expression).trim().split(/\s+/);
  if (fields.length !== 6) return false;
  try {
    nextFireTime(expression, 0);
    return true;
  } catch {
    return false;
  }
}

/** The next time (epoch ms) after `after` the expression names. */
export function nextFireTime(expression: string, after: number): number {
  const every = /^@every\s+(\d+)([smh])$/.exec(expression.trim());
  if (every) {
    const ms = Number(every[1]) * { s: 1000, m: 60_000, h: 3_600_000 }[every[2] as 's' | 'm' | 'h'];
    return after + ms;
  }
  const zoned = /^CRON_TZ=(\S+)\s+(.+)$/.exec(expression.trim());
  const interval = CronExpressionParser.parse(zoned ? zoned[2]! : expression, {
    currentDate: new Date(after),
    tz: zoned ? zoned[1]! : 'UTC',
  });
  return interval.next().getTime();
}

export function timerEvent(trigger: TimerTrigger, at: number): Buffer {
  return Buffer.from(
    JSON.stringify({
      triggerTime: new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      triggerName: trigger.triggerName,
      payload: trigger.payload ?? '',
    }),
  );
}

/** Runs every enabled timer until stopped; each firing is an async invocation, as FC's timer makes. */
export function startTimers(triggers: TimerTrigger[], clock: Clock, fire: FireFn): () => void {
  // Stopping aborts the sleeps, so a timer due in 15 minutes does not hold the process open until then.
  const stop = new AbortController();
  for (const trigger of triggers.filter((t) => t.enable)) {
    void (async () => {
      let at = nextFireTime(trigger.cronExpression, clock.now());
      while (!stop.signal.aborted) {
        await clock.sleep(Math.max(0, at - clock.now()), stop.signal);
        if (stop.signal.aborted) return;
        await fire(trigger, timerEvent(trigger, at)).catch(() => undefined);
        at = nextFireTime(trigger.cronExpression, at);
      }
    })();
  }
  return () => stop.abort();
}
