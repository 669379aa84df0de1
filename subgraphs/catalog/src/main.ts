import { createLogger, stopOnSignal } from '@commerce/service-kit';
import { startCatalog } from './app.ts';
import { readConfig } from './config.ts';
import { connectDb } from './db.ts';

const config = readConfig();
const db = connectDb(config.CATALOG_DATABASE_URL);
const subgraph = await startCatalog(config, db);
stopOnSignal(createLogger('catalog', config.LOG_LEVEL), subgraph.close, () => db.$disconnect());
