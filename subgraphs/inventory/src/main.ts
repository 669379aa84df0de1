import { createLogger, stopOnSignal } from '@commerce/service-kit';
import { startInventory } from './app.ts';
import { readConfig } from './config.ts';
import { connectDb } from './db.ts';

const config = readConfig();
const db = connectDb(config.INVENTORY_DATABASE_URL);
const subgraph = await startInventory(config, db);
stopOnSignal(createLogger('inventory', config.LOG_LEVEL), subgraph.close, () => db.$disconnect());
