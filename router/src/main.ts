import { stopOnSignal } from '@commerce/service-kit';
import { startRouter } from './app.ts';
import { readConfig } from './config.ts';

const router = await startRouter(readConfig());
stopOnSignal(router.logger, router.close);
