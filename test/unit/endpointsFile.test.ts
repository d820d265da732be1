/** Two `mirrorflow up` from one checkout keep their own endpoints files. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Endpoints, removeEndpoints, writeEndpoints } from '../../infra/cli/endpoints.js';

const endpoints = { vpc: 'http://127.0.0.1:1' } as Endpoints;
const fileOwnedBy = (pid: number) => {
  const file = join(mkdtempSync(join(tmpdir(), 'mf-endpoints-')), 'endpoints.json');
  writeFileSync(file, JSON.stringify({ vpc: 'http://127.0.0.1:2', pid }));
  return file;
};

describe('the endpoints file', () => {
  it('is not taken from another running up: this one writes <file>.<pid>, and removing it leaves the other', () => {
    const other = fileOwnedBy(process.ppid); // alive: the process that started this test
    const written = writeEndpoints(other, endpoints);
    expect(written).toBe(`${other}.${process.pid}`);
    expect(JSON.parse(readFileSync(other, 'utf8'))).toMatchObject({ vpc: 'http://127.0.0.1:2' });
    removeEndpoints(other);
    expect(existsSync(other)).toBe(true);
  });

  it('replaces the file of an up that is gone', () => {
    const gone = spawnSync(process.execPath, ['-e', '0']).pid!;
    const stale = fileOwnedBy(gone);
    expect(writeEndpoints(stale, endpoints)).toBe(stale);
    expect(JSON.parse(readFileSync(stale, 'utf8'))).toMatchObject({
      vpc: 'http://127.0.0.1:1',
      pid: process.pid,
    });
    removeEndpoints(stale);
    expect(existsSync(stale)).toBe(false);
  });
});
