import { type LiveUnit, type LiveUpdate, liveStreamKey, liveUnits } from '@commerce/events';
import { createRedis, LIVE_ENTRY_FIELD, type Logger, liveKeyPrefix, type Redis } from '@commerce/service-kit';

/** One entry of a live stream: its id (the subscriber's cursor) and the update. */
export type LiveEntry = { id: string; update: LiveUpdate };

/** What listens to a stream: the router's subscribers, each told of every entry in order. */
export type LiveListener = { offer(entry: LiveEntry): void };

/** Stream entry ids (`<ms>-<seq>`), in order. */
export function compareIds(a: string, b: string): number {
  const [aMs = 0, aSeq = 0] = a.split('-').map(Number);
  const [bMs = 0, bSeq = 0] = b.split('-').map(Number);
  return aMs === bMs ? aSeq - bSeq : aMs - bMs;
}

export const isStreamId = (value: string) => /^\d{1,15}-\d{1,15}$/.test(value);

function entryOf([id, fields]: [string, string[]]): LiveEntry | undefined {
  const at = fields.indexOf(LIVE_ENTRY_FIELD);
  try {
    return at >= 0 ? { id, update: JSON.parse(fields[at + 1]!) as LiveUpdate } : undefined;
  } catch {
    return undefined;
  }
}

const READ_COUNT = 500;
const BLOCK_MS = 2000;

/**
 * The router's reading of the units' live streams: one blocking XREAD over every stream, on one
 * connection, whatever the number of subscribers, handing each entry to the listeners of its
 * stream in order. It reads only while someone listens: the first listener starts it from the
 * streams' current ends (`ready` resolves once it knows them), the last one leaving stops it, so
 * a router nobody subscribes to reads nothing (four reads an order placed, otherwise). After a
 * Redis outage it reads on from the last entry it saw, so nothing in the stream is skipped.
 * `replay` reads what a reconnecting subscriber missed, on a second connection.
 */
export function startLiveStreams(options: {
  redisUrl: string;
  queuePrefix: string;
  /** Names this router's connections in Redis' CLIENT LIST (router-live-reader:<instance>). */
  instance: string;
  logger: Logger;
}) {
  const { logger } = options;
  const prefix = liveKeyPrefix(options.queuePrefix);
  // Blocking reads must not time out client-side; ioredis reconnects by itself.
  const reader: Redis = createRedis(options.redisUrl, `router-live-reader:${options.instance}`, logger, {
    commandTimeout: undefined,
    maxRetriesPerRequest: null,
  });
  const ranges: Redis = createRedis(options.redisUrl, `router-live-replay:${options.instance}`, logger);
  const listeners = new Map<LiveUnit, Set<LiveListener>>(liveUnits.map((unit) => [unit, new Set()]));
  const listening = () => [...listeners.values()].some((set) => set.size > 0);
  const keys = liveUnits.map((unit) => liveStreamKey(prefix, unit));
  const unitOfKey = new Map(liveUnits.map((unit, index) => [keys[index]!, unit]));
  const lastIds = new Map<LiveUnit, string>();
  let stopped = false;
  /** The loop while it runs (someone listens, or the last one just left and its read is out). */
  let reading: Promise<void> | undefined;
  /** Set as the loop leaves (nobody listens): a listener coming now waits for the next run. */
  let exiting = false;
  let positioned: () => void = () => {};
  /** Resolves once the running reader knows where each stream ends: from then on it misses nothing. */
  let ready = Promise.resolve();

  // On the connection that fails fast: with Redis down the router still starts, and reads once it is back.
  async function startingPoints() {
    for (const [index, unit] of liveUnits.entries()) {
      const [last] = await ranges.xrevrange(keys[index]!, '+', '-', 'COUNT', 1);
      lastIds.set(unit, last?.[0] ?? '0-0');
    }
  }

  async function loop() {
    let failing = false;
    while (!stopped && listening()) {
      try {
        if (lastIds.size < liveUnits.length) {
          await startingPoints();
          positioned();
        }
        const ids = liveUnits.map((unit) => lastIds.get(unit)!);
        const reply = (await reader.xread('COUNT', READ_COUNT, 'BLOCK', BLOCK_MS, 'STREAMS', ...keys, ...ids)) as Array<
          [string, Array<[string, string[]]>]
        > | null;
        if (failing) logger.info('live streams: reading again');
        failing = false;
        for (const [key, entries] of reply ?? []) {
          const unit = unitOfKey.get(key)!;
          for (const raw of entries) {
            lastIds.set(unit, raw[0]);
            const entry = entryOf(raw);
            if (!entry) continue;
            for (const listener of listeners.get(unit)!) listener.offer(entry);
          }
        }
      } catch (error) {
        if (stopped) return;
        if (!failing) logger.warn({ err: error }, 'live streams: read failed; retrying');
        failing = true;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
    exiting = true;
  }

  /**
   * A first listener starts the reader from the streams' ends as they are then, with a `ready`
   * of its own. One that comes while the loop is leaving waits for the run that follows it.
   */
  function startReading() {
    if (stopped || (reading && !exiting)) return;
    ready = new Promise<void>((resolve) => {
      positioned = resolve;
    });
    if (!reading) run();
  }

  function run() {
    lastIds.clear();
    exiting = false;
    reading = loop().finally(() => {
      reading = undefined;
      if (listening() && !stopped) run();
    });
  }

  return {
    /**
     * Resolves once the reader, started by the first listener, knows where each stream ends: a
     * listener hears every entry after that point (a replay from a cursor covers what came before).
     */
    get ready() {
      return ready;
    },
    /** Hands every entry of the unit's stream to the listener until the returned function is called. */
    listen(unit: LiveUnit, listener: LiveListener): () => void {
      listeners.get(unit)!.add(listener);
      startReading();
      return () => listeners.get(unit)!.delete(listener);
    },
    /** Entries of a stream after `cursor` (exclusive), oldest first, up to what is there now. */
    async *replay(unit: LiveUnit, cursor: string): AsyncGenerator<LiveEntry> {
      const key = liveStreamKey(prefix, unit);
      let from = cursor;
      while (true) {
        const page = (await ranges.xrange(key, `(${from}`, '+', 'COUNT', READ_COUNT)) as Array<[string, string[]]>;
        for (const raw of page) {
          const entry = entryOf(raw);
          if (entry) yield entry;
        }
        if (page.length < READ_COUNT) return;
        from = page[page.length - 1]![0];
      }
    },
    async stop() {
      stopped = true;
      reader.disconnect();
      ranges.disconnect();
    },
  };
}

export type LiveStreams = ReturnType<typeof startLiveStreams>;
