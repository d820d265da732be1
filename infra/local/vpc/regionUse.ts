/**
 * What a region's sessions already use — sources, targets, priorities, filters, VNIs — in the form the rules in
 * `sessionRules.ts` ask about it. Indexed, because a Create asks about every one of its sources, its target,
 * priority and filter: scanning 20,000 sessions for each question made the emulator, not the product, what
 * held a fleet-scale run back. Built from a list of sessions and only ever added to; whoever removes or
 * changes a session builds a new one (see `TrafficMirrorModel.regionUse`).
 */
import type { SessionShape } from './sessionRules.js';

interface TargetUse {
  sessions: number;
  /** Every source of the sessions on this target (the sources-per-target quota counts them once each). */
  sources: Set<string>;
}

export class RegionUse {
  private sessionCount = 0;
  private readonly sourceUse = new Map<string, number>();
  private readonly targets = new Map<string, TargetUse>();
  /** Sessions whose target is also one of their sources, by target (no API call makes one; a staged state can). */
  private readonly ownSourceTargets = new Map<string, number>();
  private readonly priorities = new Set<number>();
  private readonly filterUse = new Map<string, number>();
  private readonly vnis = new Set<number>();

  static of(sessions: Iterable<SessionShape & { virtualNetworkId?: number }>): RegionUse {
    const use = new RegionUse();
    for (const session of sessions) use.add(session);
    return use;
  }

  add(session: SessionShape & { virtualNetworkId?: number }): void {
    this.sessionCount += 1;
    const sources = new Set(session.sourceIds);
    for (const id of sources) this.sourceUse.set(id, (this.sourceUse.get(id) ?? 0) + 1);
    if (sources.has(session.targetId))
      this.ownSourceTargets.set(session.targetId, (this.ownSourceTargets.get(session.targetId) ?? 0) + 1);
    let target = this.targets.get(session.targetId);
    if (!target) {
      target = { sessions: 0, sources: new Set() };
      this.targets.set(session.targetId, target);
    }
    target.sessions += 1;
    for (const id of sources) target.sources.add(id);
    this.priorities.add(session.priority);
    this.filterUse.set(session.filterId, (this.filterUse.get(session.filterId) ?? 0) + 1);
    if (session.virtualNetworkId !== undefined) this.vnis.add(session.virtualNetworkId);
  }

  get count(): number {
    return this.sessionCount;
  }

  sessionsWithSource(eniId: string): number {
    return this.sourceUse.get(eniId) ?? 0;
  }

  /** Whether a session on another target mirrors this ENI. */
  isSourceOffTarget(eniId: string): boolean {
    return this.sessionsWithSource(eniId) > (this.ownSourceTargets.get(eniId) ?? 0);
  }

  isTarget(id: string): boolean {
    return this.targets.has(id);
  }

  sessionsOnTarget(id: string): number {
    return this.targets.get(id)?.sessions ?? 0;
  }

  /** How many distinct sources the target's sessions would mirror with `sourceIds` added. */
  sourcesOnTargetWith(id: string, sourceIds: readonly string[]): number {
    const existing = this.targets.get(id)?.sources;
    const added = new Set(sourceIds);
    if (!existing) return added.size;
    let count = existing.size;
    for (const sourceId of added) if (!existing.has(sourceId)) count += 1;
    return count;
  }

  priorityTaken(priority: number): boolean {
    return this.priorities.has(priority);
  }

  sessionsWithFilter(filterId: string): number {
    return this.filterUse.get(filterId) ?? 0;
  }

  vniTaken(vni: number): boolean {
    return this.vnis.has(vni);
  }
}
