/**
 * Nothing in the repository looks like a leaked Alibaba Cloud AccessKey: an id of the real shape (`LTAI`
 * and 12–30 letters or digits) is what secret scanners in a user's CI flag, so the local cloud's keys and
 * the tests' keys are shaped otherwise.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const SKIP = new Set(['node_modules', '.git', 'dist', 'coverage']);

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (SKIP.has(name)) return [];
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

describe('the repository', () => {
  it('holds no AccessKey id of the real shape', () => {
    const shaped = /LTAI[A-Za-z0-9]{12,30}/;
    const found = files('.')
      .filter((path) => statSync(path).size < 5_000_000)
      .filter((path) => shaped.test(readFileSync(path, 'latin1')));
    expect(found).toEqual([]);
  });
});
