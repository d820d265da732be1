/** The rows of `npm run chaos`, in table order. */
import type { SkippedRow } from '../run.js';
import type { Scenario } from '../scenario.js';
import { CRASH_GAP, crash } from './crash.js';
import { duplicateBus } from './duplicateBus.js';
import { duplicateWebhook } from './duplicateWebhook.js';
import { faultStorm } from './faultStorm.js';
import { fuzzBus } from './fuzzBus.js';
import { fuzzWebhook } from './fuzzWebhook.js';
import { replays } from './replays.js';
import { twoTriggers } from './twoTriggers.js';

export interface RowChoice {
  /** Run the crash row (a child `mirrorflow up` killed with SIGKILL mid-flight and restarted). */
  crash: boolean;
}

export function chaosRows(choice: RowChoice): (Scenario | SkippedRow)[] {
  return [
    duplicateBus,
    duplicateWebhook,
    twoTriggers,
    faultStorm(0.2, 4),
    faultStorm(0.5, 5),
    faultStorm(0.9, 6),
    replays,
    fuzzBus,
    fuzzWebhook,
    // THE CRASH ROW: off by default until `mirrorflow up --state DIR` keeps what is in flight; `--crash` runs it.
    choice.crash ? crash : { id: crash.id, title: crash.title, skipped: CRASH_GAP },
  ];
}
