/** The fault injector is seeded: the same seed faults the same calls, whatever order they arrive in. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_FAULT_SEED, FaultInjector, parseFaults } from '../../infra/local/faults.js';

const throttling = parseFaults({ rules: [{ throttleRate: 0.2 }] });

/** The code each call gets ('OK' when not faulted). */
async function verdicts(
  injector: FaultInjector,
  calls: [string, Record<string, string>][],
): Promise<string[]> {
  const out: string[] = [];
  for (const [action, params] of calls) {
    out.push(
      await injector.before(action, params).then(
        () => 'OK',
        (error: { code: string }) => error.code,
      ),
    );
  }
  return out;
}

const creates = (n: number): [string, Record<string, string>][] =>
  Array.from({ length: n }, (_, i) => ['CreateTrafficMirrorSession', { ClientToken: `t-${i % 40}` }]);

describe('FaultInjector', () => {
  it('is seeded by default: two injectors fault the same calls the same way', async () => {
    const a = new FaultInjector();
    const b = new FaultInjector(DEFAULT_FAULT_SEED);
    a.set(throttling);
    b.set(throttling);
    const calls = creates(200);
    expect(await verdicts(a, calls)).toEqual(await verdicts(b, calls));
  });

  it('decides each call by its identity and repeat count, not by arrival order', async () => {
    const a = new FaultInjector();
    const b = new FaultInjector();
    a.set(throttling);
    b.set(throttling);
    const interleaved = creates(120); // t-0, t-1, …, t-39, t-0, t-1, … (three rounds)
    const grouped = [...interleaved].sort(([, x], [, y]) => x.ClientToken!.localeCompare(y.ClientToken!));
    /** Each call's verdict by (token, which repeat of it). */
    const byCall = async (injector: FaultInjector, calls: typeof interleaved) => {
      const seen = new Map<string, number>();
      const out = new Map<string, string>();
      const codes = await verdicts(injector, calls);
      calls.forEach(([, params], i) => {
        const repeat = seen.get(params.ClientToken!) ?? 0;
        seen.set(params.ClientToken!, repeat + 1);
        out.set(`${params.ClientToken}#${repeat}`, codes[i]!);
      });
      return out;
    };
    const first = await byCall(a, interleaved);
    expect(await byCall(b, grouped)).toEqual(first);
    expect([...first.values()].some((v) => v !== 'OK')).toBe(true);
  });

  it('keeps to the rate, and another seed faults other calls', async () => {
    const a = new FaultInjector(1);
    const b = new FaultInjector(2);
    a.set(throttling);
    b.set(throttling);
    const calls = creates(1000);
    const va = await verdicts(a, calls);
    const vb = await verdicts(b, calls);
    const faulted = va.filter((v) => v !== 'OK').length;
    expect(faulted).toBeGreaterThan(150);
    expect(faulted).toBeLessThan(250);
    expect(new Set(va.filter((v) => v !== 'OK'))).toEqual(
      new Set(['Throttling', 'Throttling.User', 'Throttling.Api']),
    );
    expect(vb).not.toEqual(va);
  });

  it('a configuration can carry a seed, and setting one starts its sequences afresh', async () => {
    const a = new FaultInjector(1);
    a.set(parseFaults({ seed: 7, rules: [{ throttleRate: 0.5 }] }));
    const calls = creates(100);
    const first = await verdicts(a, calls);
    a.set(parseFaults({ rules: [{ throttleRate: 0.5 }] })); // same seed (7), counts start over
    expect(await verdicts(a, calls)).toEqual(first);
    const b = new FaultInjector(7);
    b.set(parseFaults({ rules: [{ throttleRate: 0.5 }] }));
    expect(await verdicts(b, calls)).toEqual(first);
    expect(() => parseFaults({ seed: -1, rules: [] })).toThrow(/seed/);
  });
});
