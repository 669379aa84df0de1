import { loadConfig, type SubgraphSettings, subgraphSettings, subgraphShape, url } from '@commerce/service-kit';
import { z } from 'zod';

const wholeMs = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** How payments talks to the payment provider: one setting per knob, each with a default. */
export type ProviderSettings = {
  /** The provider's base URL (the sandbox, scripts/sandbox/payment-provider.ts, on one machine). */
  url: string;
  /** One request gives up after this long (the provider answering in 2 s must still succeed). */
  timeoutMs: number;
  /** Transient failures one call takes, with the circuit closed, before it gives up (and throws). */
  attempts: number;
  /** Delay before retry n: exponential from baseMs, capped at maxMs, half of it random (jitter). */
  backoff: { baseMs: number; maxMs: number };
  /** The circuit opens after this many transient failures in a row… */
  breakerFailures: number;
  /** …and lets one trial call through (half-open) this long after opening. */
  breakerHalfOpenAfterMs: number;
};

export type PaymentsConfig = SubgraphSettings & {
  provider: ProviderSettings;
  /** Events of payments' queue handled at once: charges waiting on the provider hold a slot each. */
  consumerConcurrency: number;
};

const schema = z
  .object({
    ...subgraphShape('payments', 4005),
    PAYMENT_PROVIDER_URL: url.default('http://127.0.0.1:4010'),
    PAYMENT_PROVIDER_TIMEOUT_MS: wholeMs(100, 120_000).default(5000),
    PAYMENT_PROVIDER_RETRY_ATTEMPTS: wholeMs(1, 100).default(4),
    PAYMENT_PROVIDER_RETRY_BASE_MS: wholeMs(1, 60_000).default(200),
    PAYMENT_PROVIDER_RETRY_MAX_MS: wholeMs(1, 600_000).default(5000),
    PAYMENT_PROVIDER_BREAKER_FAILURES: wholeMs(1, 1000).default(5),
    PAYMENT_PROVIDER_BREAKER_HALF_OPEN_AFTER_MS: wholeMs(100, 600_000).default(5000),
    PAYMENTS_CONSUMER_CONCURRENCY: wholeMs(1, 256).default(16),
  })
  .refine((env) => env.PAYMENT_PROVIDER_RETRY_MAX_MS >= env.PAYMENT_PROVIDER_RETRY_BASE_MS, {
    path: ['PAYMENT_PROVIDER_RETRY_MAX_MS'],
    message: 'must be at least PAYMENT_PROVIDER_RETRY_BASE_MS',
  })
  .transform(
    (env): PaymentsConfig => ({
      ...subgraphSettings('payments', env),
      provider: {
        url: env.PAYMENT_PROVIDER_URL.replace(/\/+$/, ''),
        timeoutMs: env.PAYMENT_PROVIDER_TIMEOUT_MS,
        attempts: env.PAYMENT_PROVIDER_RETRY_ATTEMPTS,
        backoff: { baseMs: env.PAYMENT_PROVIDER_RETRY_BASE_MS, maxMs: env.PAYMENT_PROVIDER_RETRY_MAX_MS },
        breakerFailures: env.PAYMENT_PROVIDER_BREAKER_FAILURES,
        breakerHalfOpenAfterMs: env.PAYMENT_PROVIDER_BREAKER_HALF_OPEN_AFTER_MS,
      },
      consumerConcurrency: env.PAYMENTS_CONSUMER_CONCURRENCY,
    }),
  );

export const readConfig = (env?: NodeJS.ProcessEnv): PaymentsConfig => loadConfig(schema, env);
