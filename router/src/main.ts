/**
 * The router's entry point:
 *   tsx router/src/main.ts                          the project's supergraph (router/supergraph.graphql)
 *   tsx router/src/main.ts --supergraph <file>      any composed supergraph (or SUPERGRAPH_PATH=<file>)
 * Each subgraph is called at its `@join__graph(url:)`, or at <NAME>_URL when that is set.
 */
import { parseArgs } from 'node:util';
import { stopOnSignal } from '@commerce/service-kit';
import { startRouter } from './app.ts';
import { readConfig } from './config.ts';

const { values } = parseArgs({ options: { supergraph: { type: 'string' } } });
const router = await startRouter(
  readConfig(values.supergraph === undefined ? process.env : { ...process.env, SUPERGRAPH_PATH: values.supergraph }),
);
stopOnSignal(router.logger, router.close);
