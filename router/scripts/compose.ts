/**
 * Composes the subgraphs' SDL into router/supergraph.graphql (committed).
 *   pnpm compose            write it (tsx router/scripts/compose.ts)
 *   pnpm compose --check    fail when composition fails or the committed file is stale
 * The URLs written here are the defaults; the router takes each subgraph's URL from its config.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { DEFAULT_SUBGRAPH_PORTS } from '../src/subgraphs.ts';

const root = join(import.meta.dirname, '../..');
const target = join(root, 'router/supergraph.graphql');
const check = process.argv.includes('--check');

const names = readdirSync(join(root, 'subgraphs'))
  .filter((name) => existsSync(join(root, 'subgraphs', name, 'schema.graphql')))
  .sort();
const missingPorts = names.filter((name) => !(name in DEFAULT_SUBGRAPH_PORTS));
if (missingPorts.length > 0) {
  console.error(`No default port for subgraph(s): ${missingPorts.join(', ')} (router/src/subgraphs.ts)`);
  process.exit(1);
}

const result = composeServices(
  names.map((name) => ({
    name,
    url: `http://127.0.0.1:${DEFAULT_SUBGRAPH_PORTS[name as keyof typeof DEFAULT_SUBGRAPH_PORTS]}/graphql`,
    typeDefs: parse(readFileSync(join(root, 'subgraphs', name, 'schema.graphql'), 'utf8')),
  })),
);
if (result.errors) {
  console.error(`The subgraphs do not compose:\n${result.errors.map((error) => `  - ${error.message}`).join('\n')}`);
  process.exit(1);
}
const sdl = `# Composed by router/scripts/compose.ts from subgraphs/*/schema.graphql. Do not edit.\n${result.supergraphSdl}\n`;
if (check) {
  if (!existsSync(target) || readFileSync(target, 'utf8') !== sdl) {
    console.error('router/supergraph.graphql is stale. Run: pnpm compose');
    process.exit(1);
  }
  console.log(`supergraph up to date (${names.length} subgraphs)`);
} else {
  writeFileSync(target, sdl);
  console.log(`supergraph written (${names.length} subgraphs: ${names.join(', ')})`);
}
