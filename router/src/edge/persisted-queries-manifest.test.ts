import { describe, expect, it } from 'vitest';
import { loadManifest } from './persisted-queries.ts';
import { buildManifest, sha256 } from './persisted-queries-manifest.ts';

const file = (path: string, text: string) => ({ path, text });

describe('the partners’ persisted-query manifest', () => {
  it('holds each operation in canonical form, with the SHA-256 of that form as its id, by name', () => {
    const { manifest, problems } = buildManifest([
      file('b.graphql', '# a comment\nquery Second { products(first: 1) { totalCount } }'),
      file(
        'a.graphql',
        'query First($id: ID!) { product(id: $id) { ...Fields } }\nfragment Fields on Product { id name }',
      ),
    ]);
    expect(problems).toEqual([]);
    expect(manifest.format).toBe('apollo-persisted-query-manifest');
    expect(manifest.version).toBe(1);
    expect(manifest.operations.map((operation) => operation.name)).toEqual(['First', 'Second']);
    const [first] = manifest.operations;
    expect(first!.type).toBe('query');
    expect(first!.body).toContain('fragment Fields on Product');
    expect(first!.id).toBe(sha256(first!.body));
    expect(manifest.operations[1]!.body).not.toContain('comment');
  });

  it('refuses unnamed, doubled and introspection operations, naming the file', () => {
    const { problems } = buildManifest([
      file('unnamed.graphql', '{ products { totalCount } }'),
      file('two.graphql', 'query A { me { id } } query B { me { id } }'),
      file('one.graphql', 'query Same { me { id } }'),
      file('again.graphql', 'query Same { me { name } }'),
      file('schema.graphql', 'query Peek { __schema { types { name } } }'),
      file('broken.graphql', 'query {'),
    ]);
    expect(problems).toEqual([
      expect.stringMatching(/^unnamed\.graphql: .*name/),
      expect.stringMatching(/^two\.graphql: must hold exactly one operation/),
      expect.stringMatching(/^again\.graphql: the name Same is already used by one\.graphql/),
      expect.stringMatching(/^schema\.graphql: introspection/),
      expect.stringMatching(/^broken\.graphql: Syntax Error/),
    ]);
  });

  it('the committed manifest offers partners products with stock and a product by id', () => {
    const names = [...loadManifest().values()].map((operation) => operation.name);
    expect(names).toEqual(expect.arrayContaining(['PartnerProducts', 'PartnerProduct']));
  });
});
