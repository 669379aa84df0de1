import { runUnit } from '@commerce/service-kit';
import { inventoryUnit } from './app.ts';
import { readConfig } from './config.ts';
import { connectDb } from './db.ts';

const config = readConfig();
await runUnit(inventoryUnit(config, connectDb(config.databaseUrl)));
