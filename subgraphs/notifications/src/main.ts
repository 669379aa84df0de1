import { createLogger, stopOnSignal } from '@commerce/service-kit';
import { startNotifications } from './app.ts';
import { readConfig } from './config.ts';
import { connectDb } from './db.ts';

const config = readConfig();
const db = connectDb(config.NOTIFICATIONS_DATABASE_URL);
const subgraph = await startNotifications(config, db);
stopOnSignal(createLogger('notifications', config.LOG_LEVEL), subgraph.close, () => db.$disconnect());
