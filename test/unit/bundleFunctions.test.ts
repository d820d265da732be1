import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { bundleFunctions, functionNames } from '../../infra/build/bundleFunctions.js';

/** The fixtures of test/fixtures/cloud-functions, bundled the way functions are; their folder. */
async function bundledFixtures(): Promise<string> {
  const out = mkdtempSync(join(tmpdir(), 'mf-dist-'));
  await bundleFunctions({ functionsDir: 'test/fixtures/cloud-functions', outDir: out });
  return out;
}

/**
 * One signed call through the bundled fixture (test/fixtures/cloud-functions/caller), run by its own Node
 * from a folder without node_modules, against a local server answering with `respond`. It prints the answer
 * and whether zlib, json-bigint (shipped beside the bundle) and Node's assert were loaded when the bundle had
 * loaded and after the call.
 */
async function callThroughBundle(o: {
  respond: () => { body: string | Buffer; headers?: Record<string, string> };
  env?: Record<string, string>;
}): Promise<{ stdout: string; stderr: string }> {
  const out = await bundledFixtures();
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const { body, headers = {} } = o.respond();
      res.writeHead(200, { 'content-type': 'application/json', ...headers });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const runner = join(out, 'run.cjs');
    writeFileSync(
      runner,
      [
        "const zlibLoaded = () => process.moduleLoadList.includes('NativeModule zlib');",
        "const bigintLoaded = () => Object.keys(require.cache).some((f) => f.endsWith('/on-demand/json-bigint.js'));",
        "const assertLoaded = () => process.moduleLoadList.includes('NativeModule assert');",
        "const { handler } = require('./caller/index.js');",
        'const zlibAtLoad = zlibLoaded();',
        'const bigintAtLoad = bigintLoaded();',
        'const assertAtLoad = assertLoaded();',
        `handler(${JSON.stringify(endpoint)}).then((answer) =>`,
        '  console.log(JSON.stringify({ zlibAtLoad, zlibAfter: zlibLoaded(), bigintAtLoad, bigintAfter: bigintLoaded(), assertAtLoad, assertAfter: assertLoaded(), answer })));',
      ].join('\n'),
    );
    return await promisify(execFile)(process.execPath, [runner], {
      cwd: out,
      env: { ...process.env, ...o.env },
    });
  } finally {
    server.close();
  }
}

describe('bundleFunctions', () => {
  it('bundles each function folder into one self-contained CommonJS file with a handler export', async () => {
    const out = mkdtempSync(join(tmpdir(), 'mf-dist-'));
    const results = await bundleFunctions({ functionsDir: 'test/fixtures/functions', outDir: out });
    expect(results.map((r) => r.name)).toEqual(['echo']);
    expect(results[0]!.file).toBe(join(out, 'echo', 'index.js'));
    // Marked CommonJS, so a "type": "module" package.json above it cannot make Node read it as ESM.
    expect(JSON.parse(readFileSync(join(out, 'echo', 'package.json'), 'utf8'))).toEqual({ type: 'commonjs' });
    // Run it from a directory with no node_modules, the way FC runs dist/<name>/index.js.
    const runner = join(out, 'run.cjs');
    writeFileSync(
      runner,
      `require('./echo/index.js').handler(Buffer.from('{}'), { requestId: 'r-1' }).then((r) => console.log(JSON.stringify(r)));`,
    );
    const printed = JSON.parse(execFileSync(process.execPath, [runner], { cwd: out }).toString());
    expect(printed).toEqual({
      requestId: 'r-1',
      valid: false,
      token: expect.stringMatching(/^mf-ev-[0-9a-f]{40}$/),
    });
  });

  it('never writes a signed request to the log, even with DEBUG=httpx:* set', async () => {
    const run = await callThroughBundle({
      respond: () => ({ body: JSON.stringify({ RequestId: 'req-1', Regions: {} }) }),
      env: { DEBUG: 'httpx:*', DEBUG_COLORS: 'no' },
    });
    // The call went out and was answered…
    expect(JSON.parse(run.stdout)).toMatchObject({ answer: { RequestId: 'req-1' } });
    // …and nothing of it (the key, the STS token, the signed body) reached stderr.
    expect(run.stderr).not.toMatch(/sts-fixture-token|LTAIfixturekey|Signature|httpx/);
  });

  it('loads zlib only for a compressed response, and still decodes one', async () => {
    // pop-core never asks for compression; this server compresses anyway.
    const run = await callThroughBundle({
      respond: () => ({
        body: gzipSync(JSON.stringify({ RequestId: 'req-gz', Regions: {} })),
        headers: { 'content-encoding': 'gzip' },
      }),
    });
    expect(JSON.parse(run.stdout)).toMatchObject({
      zlibAtLoad: false,
      zlibAfter: true,
      answer: { RequestId: 'req-gz' },
    });
  });

  it("parses answers with V8's JSON.parse, and one with a long number through json-bigint, loaded then", async () => {
    const out = await bundledFixtures();
    // json-bigint and bignumber.js (whose own error prefix this is) are beside the bundle, not in it.
    expect(readFileSync(join(out, 'caller', 'index.bundle.js'), 'utf8')).not.toContain('[BigNumber Error]');
    expect(readFileSync(join(out, 'caller', 'on-demand', 'json-bigint.js'), 'utf8')).toContain(
      '[BigNumber Error]',
    );
    const arn = 'acs:vpc:cn-hangzhou:1234567890123456:trafficmirrorsession/tms-1';
    const plain = await callThroughBundle({
      respond: () => ({ body: JSON.stringify({ RequestId: 'req-plain', TotalCount: 12, Subject: arn }) }),
    });
    expect(JSON.parse(plain.stdout)).toEqual({
      zlibAtLoad: false,
      zlibAfter: false,
      bigintAtLoad: false,
      bigintAfter: false,
      // pop-core's config checks passed without loading Node's assert.
      assertAtLoad: false,
      assertAfter: false,
      answer: { RequestId: 'req-plain', TotalCount: 12, Subject: arn },
    });
    const big = '12345678901234567890';
    const long = await callThroughBundle({
      respond: () => ({ body: `{"RequestId":"req-big","TotalCount":${big}}` }),
    });
    // A BigNumber (printed by its toJSON), not a rounded double.
    expect(JSON.parse(long.stdout)).toMatchObject({
      bigintAtLoad: false,
      bigintAfter: true,
      answer: { RequestId: 'req-big', TotalCount: big },
    });
  });

  it("loads Node's assert only when a pop-core config check fails, which throws assert's own error", async () => {
    const out = await bundledFixtures();
    const runner = join(out, 'assert.cjs');
    writeFileSync(
      runner,
      [
        "const assertLoaded = () => process.moduleLoadList.includes('NativeModule assert');",
        "const { handler } = require('./caller/index.js');",
        'const assertAtLoad = assertLoaded();',
        'let thrown;',
        "try { handler(''); } catch (e) { thrown = { isAssertionError: e instanceof require('node:assert').AssertionError, code: e.code, message: e.message }; }",
        'console.log(JSON.stringify({ assertAtLoad, thrown }));',
      ].join('\n'),
    );
    const printed = JSON.parse(execFileSync(process.execPath, [runner], { cwd: out }).toString());
    expect(printed).toEqual({
      assertAtLoad: false,
      // An empty endpoint: the real assert's AssertionError, with pop-core's message.
      thrown: { isAssertionError: true, code: 'ERR_ASSERTION', message: 'must pass "config.endpoint"' },
    });
  });

  it('loads zlib for a webhook mapping only when it calls powertools_base64_gzip, and still decodes', async () => {
    // The bundled fixture (test/fixtures/cloud-functions/mapper) applies a mapping through the real JMESPath.
    const out = await bundledFixtures();
    const runner = join(out, 'map.cjs');
    const packed = gzipSync(JSON.stringify({ vpcId: 'vpc-gz' })).toString('base64');
    writeFileSync(
      runner,
      [
        "const zlibLoaded = () => process.moduleLoadList.includes('NativeModule zlib');",
        "const { handler } = require('./mapper/index.js');",
        'const zlibAtLoad = zlibLoaded();',
        "const plain = handler('body.request', { request: { vpcId: 'vpc-plain' } });",
        'const zlibAfterPlain = zlibLoaded();',
        `const packed = handler('powertools_json(powertools_base64_gzip(body.packed))', { packed: ${JSON.stringify(packed)} });`,
        'console.log(JSON.stringify({ zlibAtLoad, zlibAfterPlain, zlibAfter: zlibLoaded(), plain, packed }));',
      ].join('\n'),
    );
    const printed = JSON.parse(execFileSync(process.execPath, [runner], { cwd: out }).toString());
    expect(printed).toMatchObject({
      zlibAtLoad: false,
      zlibAfterPlain: false,
      zlibAfter: true,
      plain: { request: { vpcId: 'vpc-plain' } },
      packed: { request: { vpcId: 'vpc-gz' } },
    });
  });

  it('skips the shared lib folder', () => {
    expect(functionNames('functions')).not.toContain('lib');
    expect(functionNames('no-such-dir')).toEqual([]);
  });
});
