/**
 * Brings every unit's database to the committed migrations, through the Prisma tooling in
 * prisma/ (which runs its offline schema engine), then seeds the demo shop and replays catalog's
 * products, inventory's stock levels and accounts' users to their outboxes (the relays deliver them once the units start).
 */
import { spawnSync } from 'node:child_process';
import { environment, ROOT, type SystemSettings } from './system.ts';

function run(step: string, args: string[], env: Record<string, string>): void {
  const result = spawnSync(args[0]!, args.slice(1), {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (result.status !== 0) throw new Error(`${step} failed (exit code ${result.status ?? result.signal})`);
}

const prismaTask = (task: string) => ['pnpm', '--silent', '--filter', '@commerce/prisma', 'run', task];

/** One task of prisma/package.json (db:create, db:check-drift…) over every unit's database. */
export function runPrismaTask(task: string, settings: SystemSettings): void {
  run(task, prismaTask(task), environment(settings));
}

/** Creates missing databases, applies migrations (or resets to them), generates clients, seeds, replays. */
export function prepareDatabases(settings: SystemSettings, options: { reset: boolean }): void {
  const env = environment(settings);
  run('creating databases', prismaTask('db:create'), env);
  run(
    options.reset ? 'resetting databases' : 'applying migrations',
    prismaTask(options.reset ? 'db:reset' : 'db:migrate'),
    env,
  );
  run('generating Prisma clients', prismaTask('db:generate'), env);
  run('seeding', [process.execPath, '--import', 'tsx', 'prisma/seed/seed.ts'], env);
  // Every product announced again, so a copy that starts empty (orders', inventory's rows) catches up.
  run('replaying catalog events', [process.execPath, '--import', 'tsx', 'scripts/events-replay.ts', 'catalog'], env);
  // Every user announced again (not welcomed again), so notifications can write to seeded users.
  // Every product's stock levels announced again, so the storefront's availability (catalog) catches up.
  run(
    'replaying inventory events',
    [process.execPath, '--import', 'tsx', 'scripts/events-replay.ts', 'inventory'],
    env,
  );
  run('replaying accounts events', [process.execPath, '--import', 'tsx', 'scripts/events-replay.ts', 'accounts'], env);
}
