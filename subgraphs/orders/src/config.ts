import { loadConfig, subgraphSettings, subgraphShape } from '@commerce/service-kit';
import { z } from 'zod';

/** A saga step's time limit: from 100 ms (tests) to a day. */
const stepTimeoutMs = (fallback: number) => z.coerce.number().int().min(100).max(86_400_000).default(fallback);

const schema = z
  .object({
    ...subgraphShape('orders', 4004),
    /** How long a new order waits for inventory's answer before it is cancelled. */
    ORDER_RESERVATION_TIMEOUT_MS: stepTimeoutMs(30_000),
    /** How long a reserved order waits for payments' answer before it is cancelled. */
    ORDER_PAYMENT_TIMEOUT_MS: stepTimeoutMs(120_000),
    /** Jobs of orders' queue run at once: the saga's answers are short transactions. */
    ORDER_CONSUMER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(8),
  })
  .transform((env) => ({
    ...subgraphSettings('orders', env),
    saga: {
      reservationTimeoutMs: env.ORDER_RESERVATION_TIMEOUT_MS,
      paymentTimeoutMs: env.ORDER_PAYMENT_TIMEOUT_MS,
    },
    consumerConcurrency: env.ORDER_CONSUMER_CONCURRENCY,
  }));

export type OrdersConfig = z.output<typeof schema>;
/** The time limits of the saga's steps. */
export type SagaTimeouts = OrdersConfig['saga'];
export const readConfig = (env?: NodeJS.ProcessEnv): OrdersConfig => loadConfig(schema, env);
