import { describe, expect, it } from 'vitest';
import { jitteredBackoff } from './backoff.ts';
import { readProcessRole, runsApi, runsWorkers } from './role.ts';

describe('jittered exponential backoff', () => {
  it('doubles per retry, half fixed and half random, capped', () => {
    expect([1, 2, 3, 4].map((retry) => jitteredBackoff(retry, 100, 10_000, () => 0))).toEqual([50, 100, 200, 400]);
    expect([1, 2, 3, 4].map((retry) => jitteredBackoff(retry, 100, 10_000, () => 1))).toEqual([100, 200, 400, 800]);
    expect(jitteredBackoff(20, 100, 10_000, () => 1)).toBe(10_000);
  });

  it('is spread by jitter, yet never shorter than the longest delay before it', () => {
    const delays = Array.from({ length: 200 }, () => jitteredBackoff(3, 100, 10_000));
    expect(new Set(delays).size).toBeGreaterThan(20);
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(jitteredBackoff(2, 100, 10_000, () => 1));
  });
});

describe('process role', () => {
  it('is all by default; api and worker run one half each', () => {
    expect(readProcessRole({})).toBe('all');
    expect(readProcessRole({ ROLE: 'worker' })).toBe('worker');
    expect([runsApi('api'), runsWorkers('api')]).toEqual([true, false]);
    expect([runsApi('worker'), runsWorkers('worker')]).toEqual([false, true]);
    expect([runsApi('all'), runsWorkers('all')]).toEqual([true, true]);
  });
});
