/** The layering rules, enforced: the core never imports the local cloud; handlers stay apart. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

function sources(dir: string): { path: string; imports: string[] }[] {
  const out: { path: string; imports: string[] }[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sources(path));
    else if (entry.name.endsWith('.ts')) {
      const text = readFileSync(path, 'utf8');
      out.push({ path, imports: [...text.matchAll(/from '([^']+)'/g)].map((m) => m[1]!) });
    }
  }
  return out;
}

describe('architecture', () => {
  it('nothing in functions/ imports infra/ or test/', () => {
    for (const file of sources('functions')) {
      for (const specifier of file.imports) expect(specifier, file.path).not.toMatch(/(^|\/)(infra|test)\//);
    }
  });

  it('a handler imports only the core and its own folder, never another handler', () => {
    for (const file of sources('functions').filter((f) => !f.path.startsWith(join('functions', 'lib')))) {
      for (const specifier of file.imports.filter((s) => s.startsWith('.'))) {
        expect(specifier, file.path).toMatch(/^(\.\/|\.\.\/lib\/)/);
      }
    }
  });

  it('the local cloud never imports handler internals (it loads the bundles)', () => {
    for (const file of sources('infra')) {
      for (const specifier of file.imports) expect(specifier, file.path).not.toMatch(/functions\/(?!lib\/)/);
    }
  });

  it("the local cloud judges on its own: nothing under infra/local/ imports the product's error table", () => {
    const files = sources(join('infra', 'local'));
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      for (const specifier of file.imports)
        expect(specifier, file.path).not.toMatch(/functions\/lib\/errorTable/);
    }
  });
});
