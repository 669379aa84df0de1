import { runUnit } from '@commerce/service-kit';
import { catalogUnit } from './app.ts';
import { readConfig } from './config.ts';
import { connectDb } from './db.ts';

const config = readConfig();
await runUnit(catalogUnit(config, connectDb(config.databaseUrl)));
