import type { UnitName } from '@commerce/events';
import type { ConnectionOptions, JobsOptions } from 'bullmq';

/**
 * Queue naming. BullMQ forbids ':' in queue names (it separates the parts of its Redis keys), so
 * the parts are joined with dots: `<unit>.events` holds the events a unit consumes,
 * `<unit>.dead-letter` the ones it gave up on. All keys live under one BullMQ prefix
 * (`queuePrefix`, default "commerce"), so a test can use a prefix of its own.
 */
export const defaultQueuePrefix = 'commerce';
export const eventQueueName = (unit: UnitName) => `${unit}.events`;
export const deadLetterQueueName = (unit: UnitName) => `${unit}.dead-letter`;

/** The dead-letter job of a job: derived from its id, so a redo after a crash adds nothing new. */
export const deadLetterJobId = (jobId: string) => `dead.${jobId}`;
/** A retried dead letter's job: the old job may still exist, so it gets a new (derived) id. */
export const retryJobId = (deadLetterJobIdValue: string) => `retry.${deadLetterJobIdValue}`;

/** Completed jobs are kept this long, so a re-publish within it is deduplicated by job id. */
export const completedJobRetentionSeconds = 24 * 3600;
export const failedJobRetentionSeconds = 7 * 24 * 3600;

/**
 * How many attempts BullMQ itself allows. The consumer decides when to give up (its `attempts`
 * setting) and dead-letters the job then, so this only has to be larger than any such setting.
 */
const attemptsCeiling = 1000;
export const jitteredBackoffType = 'jittered-exponential';

/** The options of every event job, added by the relay or by a dead-letter retry. */
export function eventJobOptions(jobId: string): JobsOptions {
  return {
    jobId,
    attempts: attemptsCeiling,
    backoff: { type: jitteredBackoffType },
    removeOnComplete: { age: completedJobRetentionSeconds },
    removeOnFail: { age: failedJobRetentionSeconds },
  };
}

/** What a dead-letter job carries. */
export interface DeadLetterData {
  /** The job's data as it came: the envelope (or whatever a buggy producer sent). */
  envelope: unknown;
  error: string;
  attemptsMade: number;
  originalQueue: string;
  originalJobId: string;
  failedAt: string;
}

/**
 * BullMQ connection options from a redis:// URL. `maxRetriesPerRequest: null` as BullMQ requires:
 * its commands wait for a reconnect instead of failing.
 */
export function redisConnection(url: string): ConnectionOptions {
  const parsed = new URL(url);
  const db = Number(parsed.pathname.slice(1) || 0);
  return {
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1',
    port: Number(parsed.port) || 6379,
    username: decodeURIComponent(parsed.username) || undefined,
    password: decodeURIComponent(parsed.password) || undefined,
    db,
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
    maxRetriesPerRequest: null,
  };
}
