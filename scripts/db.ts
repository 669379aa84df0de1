/**
 * Runs one of prisma/'s database tasks (create, migrate, reset, generate, check-drift) for every
 * unit, with the database URLs the launcher uses: `commerce_<unit>`, or with --test
 * `<TEST_DATABASE_PREFIX><unit>` (default `commerce_test_`). POSTGRES_URL names the server
 * (scripts/start.sh and test.sh find it and set it for their own run).
 *   pnpm db:migrate                (tsx scripts/db.ts migrate)
 *   tsx scripts/db.ts check-drift --test
 */
import { runPrismaTask } from './lib/databases.ts';
import { localSecrets, newSecrets } from './lib/system.ts';

const [task] = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
const test = process.argv.includes('--test');
const postgresUrl = process.env.POSTGRES_URL;
if (!task || !postgresUrl) {
  console.error('usage: POSTGRES_URL=… pnpm db:<create|migrate|reset|generate|check-drift> [--test]');
  process.exit(2);
}
runPrismaTask(`db:${task}`, {
  postgresUrl,
  redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  routerPort: 4000,
  databasePrefix: test ? (process.env.TEST_DATABASE_PREFIX ?? 'commerce_test_') : 'commerce_',
  secrets: test ? newSecrets() : localSecrets(),
});
