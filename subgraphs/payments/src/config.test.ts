import { describe, expect, it } from 'vitest';
import { readConfig } from './config.ts';

const required = {
  PAYMENTS_DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/commerce_payments',
  ROUTER_SIGNING_SECRET: 'x'.repeat(32),
  REDIS_URL: 'redis://127.0.0.1:6379',
};

describe("payments' settings", () => {
  it('the provider and the consumers have defaults: 5 s timeout, 5 failures open the circuit for 5 s, 16 at once', () => {
    expect(readConfig(required)).toMatchObject({
      provider: {
        url: 'http://127.0.0.1:4010',
        timeoutMs: 5000,
        attempts: 4,
        backoff: { baseMs: 200, maxMs: 5000 },
        breakerFailures: 5,
        breakerHalfOpenAfterMs: 5000,
      },
      consumerConcurrency: 16,
    });
  });

  it('each is read from the environment', () => {
    const config = readConfig({
      ...required,
      PAYMENT_PROVIDER_URL: 'http://127.0.0.1:16010/',
      PAYMENT_PROVIDER_TIMEOUT_MS: '2500',
      PAYMENT_PROVIDER_BREAKER_FAILURES: '3',
      PAYMENTS_CONSUMER_CONCURRENCY: '8',
    });
    expect(config.provider).toMatchObject({ url: 'http://127.0.0.1:16010', timeoutMs: 2500, breakerFailures: 3 });
    expect(config.consumerConcurrency).toBe(8);
  });
});
