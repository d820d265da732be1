/**
 * EventBridge's state and rules: buses (the `default` bus always exists and carries only Alibaba Cloud
 * service events, "Event bus overview" https://www.alibabacloud.com/help/en/doc-detail/163897.htm), rules on
 * a bus (`FilterPattern` a JSON string, `EventTargets` in the documented shapes), and which targets an
 * accepted event goes to.
 */
import { z } from 'zod';
import { eventBridgeError } from './errors.js';
import { type EventPattern, matchesPattern, patternProblems } from './pattern.js';
import { type Target, targetProblems, targetSchema } from './targets.js';

export const DEFAULT_BUS = 'default';
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{1,126}$/;

export interface StoredEvent {
  specversion: string;
  id: string;
  source: string;
  type: string;
  [attribute: string]: unknown;
}

export interface Rule {
  bus: string;
  name: string;
  pattern: EventPattern;
  filterPattern: string;
  status: 'ENABLE' | 'DISABLE';
  targets: Target[];
  description?: string;
}

export interface EntryResult {
  EventId: string;
  ErrorCode?: string;
  ErrorMessage?: string;
}

const invalid = (message: string) => eventBridgeError('InvalidArgument', message);
const required = (params: Record<string, string | undefined>, key: string): string => {
  const value = params[key];
  if (!value) throw eventBridgeError('MissingParameter', `The parameter ${key} is required.`);
  return value;
};

export class EventBridgeModel {
  private readonly buses = new Map<string, { name: string; description: string; rules: Map<string, Rule> }>();

  constructor() {
    this.buses.set(DEFAULT_BUS, { name: DEFAULT_BUS, description: 'default bus', rules: new Map() });
  }

  private bus(name: string) {
    const bus = this.buses.get(name);
    if (!bus) throw eventBridgeError('EventBusNotExist', `The event bus [${name}] not existed!`);
    return bus;
  }

  createEventBus(params: Record<string, string | undefined>): { EventBusARN: string } {
    const name = required(params, 'EventBusName');
    if (!NAME.test(name)) throw invalid(`EventBusName ${name} is invalid`);
    if (this.buses.has(name))
      throw eventBridgeError('EventBusAlreadyExist', `The event bus [${name}] already existed!`);
    this.buses.set(name, { name, description: params.Description ?? '', rules: new Map() });
    return { EventBusARN: name };
  }

  deleteEventBus(params: Record<string, string | undefined>): void {
    const name = required(params, 'EventBusName');
    if (name === DEFAULT_BUS) throw invalid('the default bus cannot be deleted');
    this.bus(name);
    this.buses.delete(name);
  }

  busNames(): string[] {
    return [...this.buses.keys()];
  }

  createRule(params: Record<string, string | undefined>): Rule {
    const bus = this.bus(required(params, 'EventBusName'));
    const name = required(params, 'RuleName');
    if (!NAME.test(name)) throw invalid(`RuleName ${name} is invalid`);
    if (bus.rules.has(name))
      throw eventBridgeError('EventRuleAlreadyExisted', `The event rule [${name}] already existed!`);
    const filterPattern = required(params, 'FilterPattern');
    let pattern: unknown;
    try {
      pattern = JSON.parse(filterPattern);
    } catch {
      throw invalid('FilterPattern must be a JSON string (an event pattern)');
    }
    const problems = patternProblems(pattern, 'FilterPattern');
    const targets = this.parseTargets(params.EventTargets);
    problems.push(...targets.flatMap((t, i) => targetProblems(t, i)));
    const ids = targets.map((t) => t.Id);
    if (new Set(ids).size !== ids.length) problems.push('EventTargets: every target needs its own Id');
    if (problems.length) throw invalid(problems.join('; '));
    const status = params.Status ?? 'ENABLE';
    if (status !== 'ENABLE' && status !== 'DISABLE') throw invalid('Status must be ENABLE or DISABLE');
    const rule: Rule = {
      bus: bus.name,
      name,
      pattern: pattern as EventPattern,
      filterPattern,
      status,
      targets,
      ...(params.Description ? { description: params.Description } : {}),
    };
    bus.rules.set(name, rule);
    return rule;
  }

  /** EventTargets is one parameter holding a JSON array (the SDK sends it with style "json"). */
  private parseTargets(text: string | undefined): Target[] {
    if (!text) return [];
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      throw invalid('EventTargets must be a JSON array of targets');
    }
    const parsed = z.array(targetSchema).safeParse(raw);
    if (!parsed.success) {
      throw invalid(
        parsed.error.issues.map((i) => `EventTargets.${i.path.join('.')}: ${i.message}`).join('; '),
      );
    }
    return parsed.data;
  }

  deleteRule(params: Record<string, string | undefined>): void {
    const bus = this.bus(required(params, 'EventBusName'));
    const name = required(params, 'RuleName');
    if (!bus.rules.delete(name))
      throw eventBridgeError('EventRuleNotExisted', `The event rule [${name}] not existed!`);
  }

  rules(busName?: string): Rule[] {
    const buses = busName ? [this.bus(busName)] : [...this.buses.values()];
    return buses.flatMap((b) => [...b.rules.values()]);
  }

  /** Whether `event` may go on its bus; the reason when not. */
  refusal(event: StoredEvent, busName: string): EntryResult | undefined {
    if (!this.buses.has(busName))
      return {
        EventId: event.id,
        ErrorCode: 'EventBusNotExist',
        ErrorMessage: `The event bus [${busName}] not existed!`,
      };
    if (busName === DEFAULT_BUS && !event.source.startsWith('acs.')) {
      return {
        EventId: event.id,
        ErrorCode: 'InvalidArgument',
        ErrorMessage:
          'the default bus carries Alibaba Cloud service events only; custom events go on a custom bus',
      };
    }
    return undefined;
  }

  /** The enabled rules of the bus whose pattern matches, with their targets. */
  matching(event: StoredEvent, busName: string): Rule[] {
    return this.rules(busName).filter((r) => r.status === 'ENABLE' && matchesPattern(event, r.pattern));
  }
}
