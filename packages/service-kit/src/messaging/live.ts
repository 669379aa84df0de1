import { type CommerceEvent, type LiveUnit, type LiveUpdate, liveStreamKey, liveUpdateOf } from '@commerce/events';
import type { Redis } from 'ioredis';

/** The prefix of the live streams and their de-duplication keys: `<queue prefix>:live`. */
export const liveKeyPrefix = (queuePrefix: string) => `${queuePrefix}:live`;

/** The field of a stream entry that holds the update (JSON). */
export const LIVE_ENTRY_FIELD = 'u';

// Appends once per event: the marker key (kept as long as the stream keeps entries) makes a relay's
// second publication of an event (a crash before marking it) a no-op, so a reader of the stream
// never sees an update twice. Entries older than the window are trimmed as the stream grows.
const APPEND_ONCE = `
if redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[1]) then
  return redis.call('XADD', KEYS[1], 'MINID', '~', ARGV[2], '*', '${LIVE_ENTRY_FIELD}', ARGV[3])
end
return false`;

type AppendOnce = { commerceAppendLiveOnce(...keysAndArgs: string[]): unknown };

export type LivePublisher = {
  /** Appends the live updates of these events (those that have one), in order. */
  publish(events: readonly unknown[]): Promise<void>;
};

/**
 * The relay's side of subscriptions: after the outbox rows' events reached their queues, their
 * live updates go to the unit's stream (packages/events/src/live.ts), where every router reads
 * them, and from where a reconnecting client is given what it missed, for `windowSeconds`.
 */
export function createLivePublisher(options: {
  redis: Redis;
  unit: LiveUnit;
  queuePrefix: string;
  windowSeconds: number;
}): LivePublisher {
  const prefix = liveKeyPrefix(options.queuePrefix);
  const stream = liveStreamKey(prefix, options.unit);
  const windowMs = options.windowSeconds * 1000;
  options.redis.defineCommand('commerceAppendLiveOnce', { numberOfKeys: 2, lua: APPEND_ONCE });
  return {
    async publish(events) {
      const updates = events
        .map((event) => liveUpdateOf(event as CommerceEvent))
        .filter((update): update is LiveUpdate => update !== undefined);
      if (updates.length === 0) return;
      const pipeline = options.redis.pipeline() as unknown as AppendOnce & { exec: Redis['exec'] };
      const oldest = Date.now() - windowMs;
      for (const update of updates) {
        pipeline.commerceAppendLiveOnce(
          stream,
          `${prefix}:seen:${update.eventId}`,
          String(windowMs),
          String(oldest),
          JSON.stringify(update),
        );
      }
      const results = (await pipeline.exec()) ?? [];
      const failed = results.find(([error]) => error);
      if (failed) throw failed[0];
    },
  };
}
