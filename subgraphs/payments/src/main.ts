import { stopOnSignal } from '@commerce/service-kit';
import { startPayments } from './app.ts';
import { readConfig } from './config.ts';
import { connectDb } from './db.ts';

const config = readConfig();
const db = connectDb(config.databaseUrl);
const subgraph = await startPayments(config, db);
stopOnSignal(subgraph.logger, subgraph.close, () => db.$disconnect());
