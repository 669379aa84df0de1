import { createLogger, stopOnSignal } from '@commerce/service-kit';
import { startOrders } from './app.ts';
import { readConfig } from './config.ts';
import { connectDb } from './db.ts';

const config = readConfig();
const db = connectDb(config.ORDERS_DATABASE_URL);
const subgraph = await startOrders(config, db);
stopOnSignal(createLogger('orders', config.LOG_LEVEL), subgraph.close, () => db.$disconnect());
