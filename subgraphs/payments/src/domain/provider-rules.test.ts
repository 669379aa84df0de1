import { describe, expect, it } from 'vitest';
import { afterTransientFailure, chargeKey, classifyStatus, refundKey, waitForCircuit } from './provider-rules.ts';

describe('what a provider answer means', () => {
  it('2xx is an answer to keep; 402 is a declined card, for good', () => {
    expect(classifyStatus(200)).toBe('ok');
    expect(classifyStatus(201)).toBe('ok');
    expect(classifyStatus(402)).toBe('declined');
  });

  it('other 4xx are refusals no retry can change; 408 and 429 are the provider’s trouble and worth retrying', () => {
    expect([400, 404, 409, 422].map(classifyStatus)).toEqual(['refused', 'refused', 'refused', 'refused']);
    expect([408, 429].map(classifyStatus)).toEqual(['transient', 'transient']);
  });

  it('5xx (and anything unexpected) is transient', () => {
    expect([500, 502, 503, 504, 302].map(classifyStatus)).toEqual([
      'transient',
      'transient',
      'transient',
      'transient',
      'transient',
    ]);
  });
});

describe('retrying transient failures', () => {
  const policy = { attempts: 4, backoff: { baseMs: 100, maxMs: 1000 } };

  it('retries until the tries are used up, then gives up', () => {
    expect([1, 2, 3].map((n) => afterTransientFailure(n, policy, () => 0).retry)).toEqual([true, true, true]);
    expect(afterTransientFailure(4, policy, () => 0)).toEqual({ retry: false });
    expect(afterTransientFailure(9, policy, () => 0)).toEqual({ retry: false });
  });

  it('the delay doubles per failure, up to the cap; half of it is random', () => {
    const lowest = [1, 2, 3].map((n) => afterTransientFailure(n, { ...policy, attempts: 10 }, () => 0));
    const highest = [1, 2, 3].map((n) => afterTransientFailure(n, { ...policy, attempts: 10 }, () => 1));
    expect(lowest).toEqual([100, 200, 400].map((ms) => ({ retry: true, delayMs: ms / 2 })));
    expect(highest).toEqual([100, 200, 400].map((ms) => ({ retry: true, delayMs: ms })));
    expect(afterTransientFailure(8, { ...policy, attempts: 10 }, () => 1)).toEqual({ retry: true, delayMs: 1000 });
  });
});

describe('waiting for an open circuit', () => {
  it('waits until the breaker lets a trial through, and a little more', () => {
    expect(waitForCircuit(10_000, 5000, 12_000, () => 0)).toBe(3010);
    expect(waitForCircuit(10_000, 5000, 12_000, () => 1)).toBe(3050);
  });

  it('0 once that time has come: the call goes to the breaker, which only turns half-open on a call', () => {
    expect(waitForCircuit(10_000, 5000, 15_000, () => 1)).toBe(0);
    expect(waitForCircuit(10_000, 5000, 20_000, () => 1)).toBe(0);
  });
});

describe('idempotency keys', () => {
  const order = 'a0000000-0000-4000-a000-000000000001';

  it('come from the order alone: the same for every attempt and every process', () => {
    expect(chargeKey(order)).toBe(chargeKey(order));
    expect(chargeKey(order)).toContain(order);
    expect(refundKey(order)).toContain(order);
  });

  it('a charge and a refund of one order never share a key, nor two orders', () => {
    expect(chargeKey(order)).not.toBe(refundKey(order));
    expect(chargeKey(order)).not.toBe(chargeKey(order.replace(/1$/, '2')));
  });
});
