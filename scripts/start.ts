/**
 * Runs the whole system locally: databases migrated and seeded, every subgraph, then the router.
 * Ctrl-C stops everything. Called by scripts/start.sh once Node, pnpm, Postgres and Redis are there.
 */
import { prepareDatabases } from './lib/databases.ts';
import { localSecrets, type RunningProcess, type SystemSettings, startSystem, stopSystem } from './lib/system.ts';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set; run ./scripts/start.sh, which finds or starts the services`);
  return value;
}

const settings: SystemSettings = {
  postgresUrl: required('POSTGRES_URL'),
  redisUrl: required('REDIS_URL'),
  routerPort: Number(process.env.ROUTER_PORT ?? 4000),
  databasePrefix: process.env.DATABASE_PREFIX ?? 'commerce_',
  secrets: localSecrets(),
  logLevel: process.env.LOG_LEVEL ?? 'info',
};

prepareDatabases(settings, { reset: process.argv.includes('--reset') });

let processes: RunningProcess[] = [];
let stopping = false;
async function shutdown(code: number) {
  if (stopping) return;
  stopping = true;
  console.log('\n==> stopping…');
  await stopSystem(processes);
  console.log('==> stopped');
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

try {
  processes = await startSystem(settings, { kind: 'console' });
} catch (error) {
  console.error(`==> could not start the system: ${(error as Error).message}`);
  process.exit(1);
}
for (const { child, name } of processes) {
  child.once('exit', (code, signal) => {
    if (stopping) return;
    // The rest keep running: the router answers without it (partial data and an error naming it),
    // which is exactly what a failure should look like.
    console.error(`==> ${name} stopped unexpectedly (${signal ?? `exit code ${code}`}); the others keep running`);
  });
}

const router = processes.find((p) => p.name === 'router')!;
console.log(`
==> the commerce supergraph is running
    GraphQL (queries, mutations):  ${router.url}
    subscriptions (graphql-ws):    ${router.url.replace(/^http/, 'ws')}
${processes
  .filter((p) => p.name !== 'router')
  .map((p) =>
    [`    ${p.name.padEnd(30)} ${p.url}`, ...(p.details ?? []).map((line) => `    ${''.padEnd(30)} ${line}`)].join(
      '\n',
    ),
  )
  .join('\n')}
    demo sign-ins (local only): staff@example.com / staff-password,
                                ada@example.com, grace@example.com / customer-password
    Ctrl-C stops everything.
`);
