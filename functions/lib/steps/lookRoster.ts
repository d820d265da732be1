/**
 * The flows whose looks an instance expects, by region. A look falls on the region's grid of ticks only so
 * that it meets other flows' looks (steps/pollSchedule.ts); a flow that the instance knows to be alone in its
 * regions gains nothing from the grid and looks on its own schedule instead, as far apart as the lag bound
 * allows. What the roster knows is the instance's own: a flow that another instance serves is not on it, and a
 * new instance knows no one. Either way every look stays within the lag bound; a flow taken for alone only
 * shares fewer calls until the next look it plans, which sees the company and goes back to the grid.
 */

/** How long after its planned look a flow stays on the roster: it may arrive late, or be retried. */
export const ROSTER_GRACE_MS = 5_000;

export class LookRoster {
  /** Region → flow → until when the flow is expected there (epoch ms). */
  private readonly byRegion = new Map<string, Map<string, number>>();

  /**
   * The flow will look in these regions at `lookAtMs`: it is expected there until a little after. Flows long
   * past their time (cancelled, or gone to another instance) are dropped here, so the roster stays as small
   * as the flows the instance really serves.
   */
  expect(flow: string, regions: Iterable<string>, lookAtMs: number, nowMs: number): void {
    for (const flows of this.byRegion.values())
      for (const [other, until] of flows) if (until < nowMs) flows.delete(other);
    this.leave(flow); // and the regions left empty
    for (const region of regions) {
      const flows = this.byRegion.get(region) ?? new Map<string, number>();
      flows.set(flow, lookAtMs + ROSTER_GRACE_MS);
      this.byRegion.set(region, flows);
    }
  }

  /** The flow looks no more (its sessions are settled). */
  leave(flow: string): void {
    for (const [region, flows] of this.byRegion) {
      flows.delete(flow);
      if (flows.size === 0) this.byRegion.delete(region);
    }
  }

  /** No other flow is expected in any of these regions at `nowMs` or later. */
  alone(flow: string, regions: Iterable<string>, nowMs: number): boolean {
    for (const region of regions)
      for (const [other, until] of this.byRegion.get(region) ?? [])
        if (other !== flow && until >= nowMs) return false;
    return true;
  }
}
