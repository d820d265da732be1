/** The rows of `npm run chaos`, in table order. */
import type { Scenario } from '../scenario.js';
import { crash } from './crash.js';
import { duplicateBus } from './duplicateBus.js';
import { duplicateWebhook } from './duplicateWebhook.js';
import { faultStorm } from './faultStorm.js';
import { fuzzBus } from './fuzzBus.js';
import { fuzzWebhook } from './fuzzWebhook.js';
import { replays } from './replays.js';
import { twoTriggers } from './twoTriggers.js';

export function chaosRows(): Scenario[] {
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
    crash,
  ];
}
