import { createHash } from 'node:crypto';
import { type DocumentNode, Kind, type OperationDefinitionNode, parse, print, visit } from 'graphql';
import type { PersistedQueryManifest } from './persisted-queries.ts';

/**
 * Builds the partners' safelist in Apollo's `apollo-persisted-query-manifest` format from
 * `.graphql` files: one named operation per file (with any fragments it uses), its body printed
 * in GraphQL's canonical form and its id the SHA-256 of that body. Problems are returned, one
 * sentence each, rather than thrown, so a run reports them all.
 */
export function buildManifest(files: Array<{ path: string; text: string }>): {
  manifest: PersistedQueryManifest;
  problems: string[];
} {
  const problems: string[] = [];
  const operations: PersistedQueryManifest['operations'] = [];
  const seen = new Map<string, string>();
  for (const { path, text } of files) {
    let document: DocumentNode;
    try {
      document = parse(text);
    } catch (error) {
      problems.push(`${path}: ${(error as Error).message}`);
      continue;
    }
    const definitions = document.definitions.filter(
      (definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION,
    );
    const [operation] = definitions;
    if (definitions.length !== 1 || !operation) {
      problems.push(`${path}: must hold exactly one operation (it holds ${definitions.length}).`);
      continue;
    }
    const name = operation.name?.value;
    if (!name) {
      problems.push(`${path}: the operation needs a name.`);
      continue;
    }
    if (seen.has(name)) {
      problems.push(`${path}: the name ${name} is already used by ${seen.get(name)}.`);
      continue;
    }
    seen.set(name, path);
    if (selectsIntrospection(document)) {
      problems.push(`${path}: introspection (__schema, __type) is not offered to partners.`);
      continue;
    }
    const body = print(document);
    operations.push({ id: sha256(body), name, type: operation.operation, body });
  }
  operations.sort((a, b) => a.name.localeCompare(b.name));
  return { manifest: { format: 'apollo-persisted-query-manifest', version: 1, operations }, problems };
}

export const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

export function selectsIntrospection(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    Field(node) {
      if (node.name.value === '__schema' || node.name.value === '__type') found = true;
    },
  });
  return found;
}
