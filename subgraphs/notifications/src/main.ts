import { runUnit } from '@commerce/service-kit';
import { notificationsUnit } from './app.ts';
import { readConfig } from './config.ts';
import { connectDb } from './db.ts';

const config = readConfig();
await runUnit(notificationsUnit(config, connectDb(config.databaseUrl)));
