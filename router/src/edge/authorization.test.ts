import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ANONYMOUS, type Identity } from '@commerce/service-kit';
import { buildSchema, type OperationDefinitionNode, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { authorizationPlugin, supergraphForGateway } from './authorization.ts';

// The router's enforcement on its own, in this process, on the committed supergraph and API schema.
const ROUTER = join(import.meta.dirname, '../..');
const supergraph = readFileSync(join(ROUTER, 'supergraph.graphql'), 'utf8');
const apiSchema = buildSchema(readFileSync(join(ROUTER, 'api-schema.graphql'), 'utf8'));
const staff: Identity = { kind: 'user', userId: '7d0f9d4e-5a43-4a5e-9a52-3c1f2a7b9e10', role: 'STAFF' };

async function resolved(query: string, identity: Identity) {
  const hooks = await authorizationPlugin(supergraph).requestDidStart!({} as never);
  const document = parse(query);
  const operation = document.definitions[0] as OperationDefinitionNode;
  await hooks!.didResolveOperation!({ schema: apiSchema, document, operation, contextValue: { identity } } as never);
}

describe('the router enforces the supergraph’s directives before planning', () => {
  it('a guarded field refuses the operation; open fields and callers with the scope pass', async () => {
    const archive = 'mutation { archiveProduct(id: "p") { id } }';
    await expect(resolved(archive, ANONYMOUS)).rejects.toMatchObject({
      extensions: { code: 'UNAUTHENTICATED', refusedFields: ['Mutation.archiveProduct'] },
    });
    await expect(resolved(archive, staff)).resolves.toBeUndefined();
    await expect(resolved('{ products(first: 1) { totalCount } }', ANONYMOUS)).resolves.toBeUndefined();
  });

  it('the gateway gets the two enforced links no longer marked for security; any other keeps its mark', () => {
    const forGateway = supergraphForGateway(supergraph);
    expect(forGateway).toContain('@link(url: "https://specs.apollo.dev/authenticated/v0.1")');
    expect(forGateway).toContain('@link(url: "https://specs.apollo.dev/requiresScopes/v0.1")');
    expect(forGateway).toContain('@link(url: "https://specs.apollo.dev/inaccessible/v0.2", for: SECURITY)');
    expect(forGateway.replace(/@link\([^)]*\)/g, '')).toBe(supergraph.replace(/@link\([^)]*\)/g, ''));
  });
});
