import { createLogger, stopOnSignal } from '@commerce/service-kit';
import { startAccounts } from './app.ts';
import { readConfig } from './config.ts';
import { connectDb } from './db.ts';

const config = readConfig();
const db = connectDb(config.ACCOUNTS_DATABASE_URL);
const subgraph = await startAccounts(config, db);
stopOnSignal(createLogger('accounts', config.LOG_LEVEL), subgraph.close, () => db.$disconnect());
