/**
 * The router's entry point:
 *   tsx router/src/main.ts                          the project's supergraph (router/supergraph.graphql)
 *   tsx router/src/main.ts --supergraph <file>      any composed supergraph (or SUPERGRAPH_PATH=<file>)
 * Each subgraph is called at its `@join__graph(url:)`, or at <NAME>_URL when that is set.
 * ROUTER_WORKERS=<n> (above 1): this process forks n routers that share the port, and stops them
 * when it is stopped.
 */
import cluster from 'node:cluster';
import { parseArgs } from 'node:util';
import { createLogger, stopOnSignal } from '@commerce/service-kit';
import { startRouter } from './app.ts';
import { readConfig } from './config.ts';

const { values } = parseArgs({ options: { supergraph: { type: 'string' } } });
const config = readConfig(
  values.supergraph === undefined ? process.env : { ...process.env, SUPERGRAPH_PATH: values.supergraph },
);

if (config.ROUTER_WORKERS > 1 && cluster.isPrimary) {
  const logger = createLogger('router', config.LOG_LEVEL);
  let stopping = false;
  const fork = () =>
    cluster.fork().on('exit', (code, signal) => {
      if (stopping) return;
      // A worker that dies is replaced: the others keep serving meanwhile.
      logger.error({ code, signal }, 'router worker exited; starting another');
      fork();
    });
  for (let i = 0; i < config.ROUTER_WORKERS; i++) fork();
  logger.info({ workers: config.ROUTER_WORKERS }, 'router workers started');
  stopOnSignal(logger, async () => {
    stopping = true;
    const workers = Object.values(cluster.workers ?? {}).filter((worker) => worker !== undefined);
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve) => {
            worker.once('exit', () => resolve());
            worker.process.kill('SIGTERM');
          }),
      ),
    );
  });
} else {
  const router = await startRouter(config);
  stopOnSignal(router.logger, router.close);
}
