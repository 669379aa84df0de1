import { stopOnSignal } from '@commerce/service-kit';
import { startOperations } from './app.ts';
import { readConfig } from './config.ts';
import { connectDb } from './db.ts';

const config = readConfig();
const db = connectDb(config.databaseUrl);
const subgraph = await startOperations(config, db);
stopOnSignal(subgraph.logger, subgraph.close, () => db.$disconnect());
