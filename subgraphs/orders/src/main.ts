import { runUnit } from '@commerce/service-kit';
import { ordersUnit } from './app.ts';
import { readConfig } from './config.ts';
import { connectDb } from './db.ts';

const config = readConfig();
await runUnit(ordersUnit(config, connectDb(config.databaseUrl)));
