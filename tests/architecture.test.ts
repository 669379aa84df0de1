import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// The layering rules of STYLE.md, checked rather than hoped for.
const root = resolve(import.meta.dirname, '..');
const units = readdirSync(join(root, 'subgraphs'));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'generated' || name === 'node_modules') return [];
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [path] : [];
  });
}

function imports(file: string): Array<{ specifier: string; typeOnly: boolean }> {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^import\s+(type\s+)?[^'"]*?from\s+'([^']+)'/gm)].map((match) => ({
    specifier: match[2]!,
    typeOnly: Boolean(match[1]),
  }));
}

describe('architecture', () => {
  it.each(units)('%s imports no other unit’s code', (unit) => {
    const unitRoot = join(root, 'subgraphs', unit);
    const offenders = sourceFiles(join(unitRoot, 'src')).flatMap((file) =>
      imports(file)
        .filter(({ specifier }) => specifier.startsWith('.'))
        .map(({ specifier }) => resolve(file, '..', specifier))
        .filter((target) => !target.startsWith(unitRoot))
        .map((target) => `${relative(root, file)} → ${relative(root, target)}`),
    );
    expect(offenders).toEqual([]);
  });

  it.each(units)('%s: the domain layer does no I/O (it imports only types and other domain rules)', (unit) => {
    const domain = join(root, 'subgraphs', unit, 'src', 'domain');
    const files = statSync(domain, { throwIfNoEntry: false }) ? sourceFiles(domain) : [];
    const offenders = files.flatMap((file) =>
      imports(file)
        .filter(({ specifier, typeOnly }) => !typeOnly && !(specifier.startsWith('./') && !specifier.includes('..')))
        .map(({ specifier }) => `${relative(root, file)} imports ${specifier}`),
    );
    expect(offenders).toEqual([]);
  });
});
