import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { moduleReferences, uncheckableImports } from './support/imports.ts';

// The layering rules (README, Layout): a unit never imports another unit's code, and its domain
// rules do no I/O. Checked rather than hoped for.
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

/** What a file of a unit loads from outside that unit's folder (relative paths only: packages are shared code). */
function crossUnitImports(file: string, text: string, unitRoot: string): string[] {
  const offenders = moduleReferences(text)
    .filter(({ specifier }) => specifier.startsWith('.'))
    .map(({ specifier }) => resolve(file, '..', specifier))
    .filter((target) => target !== unitRoot && !target.startsWith(`${unitRoot}/`))
    .map((target) => `${relative(root, file)} → ${relative(root, target)}`);
  // A computed `import(…)` could lead anywhere: it is refused rather than trusted.
  const uncheckable = uncheckableImports(text);
  return uncheckable ? [...offenders, `${relative(root, file)} has ${uncheckable} computed import(…)`] : offenders;
}

/** What a domain file loads besides types and its sibling domain rules. */
function domainIo(file: string, text: string): string[] {
  const offenders = moduleReferences(text)
    .filter(({ specifier, typeOnly }) => !typeOnly && !(specifier.startsWith('./') && !specifier.includes('..')))
    .map(({ specifier, form }) => `${relative(root, file)} loads ${specifier} (${form})`);
  return uncheckableImports(text) ? [...offenders, `${relative(root, file)} has a computed import(…)`] : offenders;
}

describe('architecture', () => {
  it.each(units)('%s imports no other unit’s code', (unit) => {
    const unitRoot = join(root, 'subgraphs', unit);
    const offenders = sourceFiles(join(unitRoot, 'src')).flatMap((file) =>
      crossUnitImports(file, readFileSync(file, 'utf8'), unitRoot),
    );
    expect(offenders).toEqual([]);
  });

  it.each(units)('%s: the domain layer does no I/O (it imports only types and other domain rules)', (unit) => {
    const domain = join(root, 'subgraphs', unit, 'src', 'domain');
    const files = statSync(domain, { throwIfNoEntry: false }) ? sourceFiles(domain) : [];
    const offenders = files.flatMap((file) => domainIo(file, readFileSync(file, 'utf8')));
    expect(offenders).toEqual([]);
  });
});

describe('the layering checks see every way a module is loaded', () => {
  const unitRoot = join(root, 'subgraphs', 'orders');
  const file = join(unitRoot, 'src', 'domain', 'order.ts');

  it.each([
    ['a static import', `import { findProduct } from '../../../catalog/src/use-cases/find-product.ts';`],
    ['an import spread over lines', `import {\n  type A,\n  findProduct,\n} from '../../../catalog/src/x.ts';`],
    ['a type-only import', `import type { Product } from '../../../catalog/src/x.ts';`],
    ['a default and namespace import', `import db, * as all from "../../../catalog/src/db.ts";`],
    ['a side-effect import', `import '../../../catalog/src/register.ts';`],
    ['a star re-export', `export * from '../../../catalog/src/domain/product.ts';`],
    ['a named re-export', `export { validateProduct as check } from '../../../catalog/src/domain/product.ts';`],
    ['a namespace re-export', `export * as catalog from '../../../catalog/src/domain/product.ts';`],
    ['a type re-export', `export type { Product } from '../../../catalog/src/domain/product.ts';`],
    ['a dynamic import', `const module = await import('../../../catalog/src/db.ts');`],
    ['a dynamic import in a template literal', 'const module = await import(`../../../catalog/src/db.ts`);'],
    ['a require', `const db = require('../../../catalog/src/db.ts');`],
    ['an import with no space before its path', `import{x}from'../../../catalog/src/x.ts';`],
  ])('%s of another unit is reported', (_form, source) => {
    expect(crossUnitImports(file, `const before = 1;\n${source}\nexport const after = 2;\n`, unitRoot)).toEqual([
      expect.stringContaining('subgraphs/catalog/src/'),
    ]);
  });

  it('a computed dynamic import is reported, since where it leads cannot be checked', () => {
    const source = `const unit = 'catalog';\nawait import(\`../../../\${unit}/src/db.ts\`);`;
    expect(crossUnitImports(file, source, unitRoot)).toEqual([expect.stringContaining('computed import')]);
  });

  it('imports inside comments, strings and regular expressions are not code', () => {
    const source = [
      `// import { x } from '../../../catalog/src/x.ts';`,
      `/* export * from '../../../catalog/src/x.ts'; */`,
      `const url = 'http://example.com/'; // a // in a string does not start a comment`,
      `const pattern = /import\\('x'\\)/;`,
      `export const label = 'import';`,
      `const meta = import.meta.dirname;`,
    ].join('\n');
    expect(crossUnitImports(file, source, unitRoot)).toEqual([]);
  });

  it('a unit’s own files pass, and a sibling folder whose name starts alike is another unit', () => {
    const own = `import { a } from '../use-cases/place-order.ts';\nexport * from './money.ts';`;
    expect(crossUnitImports(file, own, unitRoot)).toEqual([]);
    const lookalike = join(root, 'subgraphs', 'ord');
    expect(crossUnitImports(join(lookalike, 'src', 'x.ts'), `import '../../orders/src/x.ts';`, lookalike)).toEqual([
      expect.stringContaining('subgraphs/orders/src/x.ts'),
    ]);
  });

  it.each([
    ['a package', `import { PrismaClient } from '@prisma/client';`],
    ['a re-export of a package', `export { randomUUID } from 'node:crypto';`],
    ['a dynamic import of a package', `const { readFile } = await import('node:fs/promises');`],
    ['a use case', `import { placeOrder } from '../use-cases/place-order.ts';`],
  ])('the domain layer loading %s is reported', (_what, source) => {
    expect(domainIo(file, source)).toHaveLength(1);
  });

  it('the domain layer may import types from anywhere and rules from its own folder', () => {
    const source = [
      `import type { Identity } from '@commerce/service-kit';`,
      `export type { Order } from '../generated/x.ts';`,
      `import { money } from './money.ts';`,
    ].join('\n');
    expect(domainIo(file, source)).toEqual([]);
  });
});
