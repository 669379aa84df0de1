import { runUnit } from '@commerce/service-kit';
import { accountsUnit } from './app.ts';
import { readConfig } from './config.ts';
import { connectDb } from './db.ts';

const config = readConfig();
await runUnit(accountsUnit(config, connectDb(config.databaseUrl)));
