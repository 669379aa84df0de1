import { describe, expect, it } from 'vitest';
import { subgraphConfig } from './config.ts';

const env = {
  ORDERS_DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/commerce_orders',
  ROUTER_SIGNING_SECRET: 'x'.repeat(32),
  REDIS_URL: 'redis://127.0.0.1:6379',
};
const problemsOf = (given: Record<string, string | undefined>) => {
  const parsed = subgraphConfig('orders', 4004).safeParse(given);
  return parsed.success ? [] : parsed.error.issues.map((issue) => issue.path.join('.'));
};

describe('every subgraph reads where its queues are', () => {
  it('REDIS_URL and QUEUE_PREFIX are read; the prefix defaults to commerce', () => {
    expect(subgraphConfig('orders', 4004).parse(env)).toMatchObject({
      redisUrl: 'redis://127.0.0.1:6379',
      queuePrefix: 'commerce',
    });
    expect(subgraphConfig('orders', 4004).parse({ ...env, QUEUE_PREFIX: 'commerce_test_queues' }).queuePrefix).toBe(
      'commerce_test_queues',
    );
  });

  it('a missing REDIS_URL, or a QUEUE_PREFIX with a colon (BullMQ’s separator), is refused by name', () => {
    expect(problemsOf({ ...env, REDIS_URL: undefined })).toEqual(['REDIS_URL']);
    expect(problemsOf({ ...env, REDIS_URL: 'http://127.0.0.1:6379' })).toEqual(['REDIS_URL']);
    expect(problemsOf({ ...env, QUEUE_PREFIX: 'a:b' })).toEqual(['QUEUE_PREFIX']);
  });
});
