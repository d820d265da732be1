/**
 * `npm run chaos` in small: five of its rows, with two requests each (eight fuzz items), through the same code (runChaos,
 * the rows, the tally), each on its own fresh local cloud, seeded; every goal must be met.
 */
import { describe, expect, it } from 'vitest';
import { runChaos } from '../../infra/chaos/run.js';
import { chaosRows } from '../../infra/chaos/scenarios/index.js';
import { productBundles } from '../../infra/chaos/stack.js';
import { formatReport } from '../../infra/chaos/table.js';

// Few rows, few requests: each row is a fresh cloud whose function instances all start cold, and a cold
// start is what costs on a loaded machine (the duplicate storms run in resilience.test.ts and in the suite).
const ROWS = ['twins', 'faults-20', 'replays', 'fuzz-bus', 'fuzz-webhook'];

describe('npm run chaos, small', () => {
  it('twin triggers, a fault storm, replays and fuzzed input: answered once, nothing duplicated, lost or 5xx', async () => {
    const report = await runChaos(
      {
        requests: 2,
        fuzzCount: 8,
        seed: 7,
        timeScale: 250,
        functionsDir: await productBundles(),
        settleTimeoutMs: 30_000,
        senderAttempts: 8,
        progress: () => {},
      },
      chaosRows().filter((r) => ROWS.includes(r.id)),
    );
    const text = formatReport(report);
    expect(report.rows.map((r) => r.id)).toEqual(ROWS);
    for (const row of report.rows) {
      expect(row.error, text).toBeUndefined();
      expect(row.missed, `${row.id}\n${text}`).toEqual([]);
      // The webhook refuses every fuzzed delivery; every other row gets its requests accepted.
      if (row.id === 'fuzz-webhook') expect(row.counts!.accepted, text).toBe(0);
      else expect(row.counts!.accepted, `${row.id}\n${text}`).toBeGreaterThan(0);
    }
    // The fuzz rows really were fuzz: nothing valid got through, and the table says so.
    const fuzzBus = report.rows.find((r) => r.id === 'fuzz-bus')!.counts!;
    expect(fuzzBus.vpcCallsFromInvalid).toBe(0);
    expect(fuzzBus.detail.outcomes).toEqual({ Failed: fuzzBus.accepted });
    expect(report.goalsMet).toBe(true);
    expect(text).toMatch(/^goal: answered once = accepted/m);
  }, 60_000);
});
