/**
 * The EventBridge side of a deployment, as `infra/eventbridge/create-rules.sh` creates it with the aliyun
 * CLI: each `infra/eventbridge/*.json` holds the parameters of one CreateRule call (FilterPattern a JSON
 * string, EventTargets a JSON array), with `${region}`, `${accountId}`, `${eventBus}`, `${deadLetterQueue}`
 * and `${fcService}` filled in; the rule's bus is created first. The local cloud sends the same calls to its
 * EventBridge API through pop-core, signed with the account's key.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import RPCClient from '@alicloud/pop-core';
import type { LocalCredentials } from '../credentials.js';
import { SpecError } from './variables.js';

export interface RuleFile {
  file: string;
  EventBusName: string;
  RuleName: string;
  FilterPattern: string;
  EventTargets?: unknown[];
  Description?: string;
}

export function fillRuleFile(text: string, values: Record<string, string>): string {
  return text.replace(/\$\{([A-Za-z]+)\}/g, (whole, name: string) => values[name] ?? whole);
}

export function readRuleFiles(dir: string, values: Record<string, string>): RuleFile[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const parsed = JSON.parse(fillRuleFile(readFileSync(join(dir, f), 'utf8'), values)) as Omit<
        RuleFile,
        'file'
      >;
      if (typeof parsed.FilterPattern !== 'string')
        throw new SpecError(`${join(dir, f)}: FilterPattern must be a JSON string, as CreateRule takes it`);
      return { file: join(dir, f), ...parsed };
    });
}

export async function applyRuleFiles(
  rules: RuleFile[],
  endpoint: string,
  credentials: LocalCredentials,
): Promise<void> {
  const client = new RPCClient({
    endpoint,
    apiVersion: '2020-04-01',
    accessKeyId: credentials.accessKeyId,
    accessKeySecret: credentials.accessKeySecret,
  });
  const post = { method: 'POST', timeout: 10_000 };
  for (const rule of rules) {
    try {
      await client.request('CreateEventBus', { EventBusName: rule.EventBusName }, post);
    } catch (error) {
      if ((error as { code?: string }).code !== 'EventBusAlreadyExist') throw error;
    }
    try {
      await client.request(
        'CreateRule',
        {
          EventBusName: rule.EventBusName,
          RuleName: rule.RuleName,
          FilterPattern: rule.FilterPattern,
          ...(rule.EventTargets ? { EventTargets: JSON.stringify(rule.EventTargets) } : {}),
          ...(rule.Description ? { Description: rule.Description } : {}),
        },
        post,
      );
    } catch (error) {
      throw new SpecError(
        `${rule.file}: CreateRule failed: ${(error as Error).message.replace(/, URL: .*$/, '')}`,
      );
    }
  }
}
