/**
 * Composes the subgraphs' SDL into router/supergraph.graphql, and prints the clients' view of it
 * (the API schema: no federation directives, no @inaccessible fields) into router/api-schema.graphql
 * for frontend code generators, since introspection is for staff only. Both are committed.
 *   pnpm compose            write them (tsx router/scripts/compose.ts)
 *   pnpm compose --check    fail when composition fails or a committed file is stale
 * The URLs written here (scripts/lib/units.ts) are the defaults; the router takes each from the
 * supergraph unless <UNIT>_URL overrides it.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { composeServices } from '@apollo/composition';
import { parse, printSchema } from 'graphql';
import { defaultUnitUrl, UNIT_PORTS, type Unit } from '../../scripts/lib/units.ts';

const root = join(import.meta.dirname, '../..');
const targets = { supergraph: 'router/supergraph.graphql', api: 'router/api-schema.graphql' };
const check = process.argv.includes('--check');

const names = readdirSync(join(root, 'subgraphs'))
  .filter((name) => existsSync(join(root, 'subgraphs', name, 'schema.graphql')))
  .sort();
const missingPorts = names.filter((name) => !(name in UNIT_PORTS));
if (missingPorts.length > 0) {
  console.error(`No default port for subgraph(s): ${missingPorts.join(', ')} (scripts/lib/units.ts)`);
  process.exit(1);
}

const result = composeServices(
  names.map((name) => ({
    name,
    url: defaultUnitUrl(name as Unit),
    typeDefs: parse(readFileSync(join(root, 'subgraphs', name, 'schema.graphql'), 'utf8')),
  })),
);
if (result.errors) {
  console.error(`The subgraphs do not compose:\n${result.errors.map((error) => `  - ${error.message}`).join('\n')}`);
  process.exit(1);
}
const header = '# Composed by router/scripts/compose.ts from subgraphs/*/schema.graphql. Do not edit.\n';
const files = [
  { path: targets.supergraph, text: `${header}${result.supergraphSdl}\n` },
  { path: targets.api, text: `${header}${printSchema(result.schema.toAPISchema().toGraphQLJSSchema())}\n` },
];
if (check) {
  const stale = files.filter(
    ({ path, text }) => !existsSync(join(root, path)) || readFileSync(join(root, path), 'utf8') !== text,
  );
  if (stale.length > 0) {
    console.error(`${stale.map(({ path }) => path).join(' and ')} stale. Run: pnpm compose`);
    process.exit(1);
  }
  console.log(`supergraph and API schema up to date (${names.length} subgraphs)`);
} else {
  for (const { path, text } of files) writeFileSync(join(root, path), text);
  console.log(`supergraph and API schema written (${names.length} subgraphs: ${names.join(', ')})`);
}
