import { runUnit } from '@commerce/service-kit';
import { catalogUnit } from './app.ts';
import { readConfig } from './config.ts';
import { connectDb } from './db.ts';

const config = readConfig();
const unit = catalogUnit(config, connectDb(config.databaseUrl));
const running = await runUnit(unit);
// A copy lost with Redis, or never built: rebuilt from catalog's database (reads use Postgres meanwhile).
await unit.storefront
  .repairIfNeeded()
  .catch((error) => running.logger.warn({ err: error }, 'storefront read model: not checked'));
