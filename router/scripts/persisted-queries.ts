/**
 * Writes router/persisted-query-manifest.json (committed): the operations partners may run, from
 * router/operations/*.graphql, each checked against the supergraph's public schema.
 *   pnpm persisted-queries            write it (tsx router/scripts/persisted-queries.ts)
 *   pnpm persisted-queries --check    fail when an operation is invalid or the file is stale
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApolloGateway } from '@apollo/gateway';
import { parse, validate } from 'graphql';
import { DEFAULT_SUPERGRAPH_PATH } from '../src/config.ts';
import { supergraphForGateway } from '../src/edge/authorization.ts';
import { buildManifest } from '../src/edge/persisted-queries-manifest.ts';

const routerDir = join(import.meta.dirname, '..');
const operationsDir = join(routerDir, 'operations');
const target = join(routerDir, 'persisted-query-manifest.json');
const check = process.argv.includes('--check');

const files = readdirSync(operationsDir)
  .filter((name) => name.endsWith('.graphql'))
  .sort()
  .map((name) => ({ path: `router/operations/${name}`, text: readFileSync(join(operationsDir, name), 'utf8') }));
const { manifest, problems } = buildManifest(files);

// The public (API) schema, as clients see it: what the gateway serves, without @inaccessible fields.
const gateway = new ApolloGateway({
  supergraphSdl: supergraphForGateway(readFileSync(DEFAULT_SUPERGRAPH_PATH, 'utf8')),
});
const { schema } = await gateway.load();
for (const operation of manifest.operations) {
  for (const error of validate(schema, parse(operation.body))) problems.push(`${operation.name}: ${error.message}`);
}
await gateway.stop();

if (problems.length > 0) {
  console.error(`Persisted queries are not valid:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  process.exit(1);
}
const json = `${JSON.stringify(manifest, null, 2)}\n`;
if (check) {
  if (!existsSync(target) || readFileSync(target, 'utf8') !== json) {
    console.error('router/persisted-query-manifest.json is stale. Run: pnpm persisted-queries');
    process.exit(1);
  }
  console.log(`persisted-query manifest up to date (${manifest.operations.length} operations)`);
} else {
  writeFileSync(target, json);
  console.log(
    `persisted-query manifest written (${manifest.operations.length} operations: ${manifest.operations.map((o) => o.name).join(', ')})`,
  );
}
