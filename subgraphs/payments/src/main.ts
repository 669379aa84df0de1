import { createLogger, stopOnSignal } from '@commerce/service-kit';
import { startPayments } from './app.ts';
import { readConfig } from './config.ts';
import { connectDb } from './db.ts';

const config = readConfig();
const db = connectDb(config.PAYMENTS_DATABASE_URL);
const subgraph = await startPayments(config, db);
stopOnSignal(createLogger('payments', config.LOG_LEVEL), subgraph.close, () => db.$disconnect());
