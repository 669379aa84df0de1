import { runUnit } from '@commerce/service-kit';
import { paymentsUnit } from './app.ts';
import { readConfig } from './config.ts';
import { connectDb } from './db.ts';

const config = readConfig();
await runUnit(paymentsUnit(config, connectDb(config.databaseUrl)));
