/**
 * Starts the system once for the whole test run: test databases reset to the committed
 * migrations and seeded, every subgraph and the router on their own ports (TEST_ROUTER_PORT,
 * 14000… by default), so a local run on 4000 is left alone. Needs POSTGRES_URL and REDIS_URL (scripts/test.sh finds them).
 */
import { rmSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
import { prepareDatabases } from '../scripts/lib/databases.ts';
import {
  environment,
  mailDirectory,
  newSecrets,
  ROOT,
  type RunningProcess,
  type SystemSettings,
  startSystem,
  stopSystem,
} from '../scripts/lib/system.ts';
import { untilStorefrontCaughtUp } from './support/storefront.ts';

let processes: RunningProcess[] = [];

declare module 'vitest' {
  export interface ProvidedContext {
    env: Record<string, string>;
    routerUrl: string;
  }
}

export async function setup(project: TestProject) {
  const postgresUrl = process.env.POSTGRES_URL;
  const redisUrl = process.env.REDIS_URL;
  if (!postgresUrl || !redisUrl) {
    throw new Error('POSTGRES_URL and REDIS_URL must be set: run the tests with ./scripts/test.sh');
  }
  const settings: SystemSettings = {
    postgresUrl,
    redisUrl,
    routerPort: Number(process.env.TEST_ROUTER_PORT ?? 14000),
    // Two checkouts on one machine run their suites side by side with their own prefix and ports.
    databasePrefix: process.env.TEST_DATABASE_PREFIX ?? 'commerce_test_',
    secrets: newSecrets(),
    logLevel: process.env.LOG_LEVEL ?? 'info',
  };
  prepareDatabases(settings, { reset: true });
  // The mail sink's folder too: a run sees only the e-mails of its own system.
  rmSync(mailDirectory(settings), { recursive: true, force: true });
  processes = await startSystem(settings, { kind: 'files', dir: `${ROOT}/.run/test-logs` });
  // Tests read products with their availability from the first moment: the read model first catches up.
  await untilStorefrontCaughtUp(environment(settings));
  project.provide('env', environment(settings));
  project.provide('routerUrl', `http://127.0.0.1:${settings.routerPort}/graphql`);
}

export async function teardown() {
  await stopSystem(processes);
}
