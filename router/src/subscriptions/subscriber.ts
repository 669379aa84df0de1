import type { Identity } from '@commerce/service-kit';
import { compareIds, type LiveEntry, type LiveListener } from './live-streams.ts';
import type { PreparedSubscription, UpdatePayload } from './operation.ts';

/**
 * One subscription of one client: an async iterator graphql-ws drains, fed by the live stream in
 * order. Each update's payload is fetched as soon as the update arrives (shared with subscribers
 * asking the same thing) and sent in stream order. Entries at or before the last one taken are
 * dropped, so a replay and the live tail meet without a duplicate.
 */
export class LiveSubscriber implements LiveListener, AsyncIterableIterator<UpdatePayload> {
  private readonly queue: Array<Promise<UpdatePayload | undefined>> = [];
  private held: LiveEntry[] | undefined;
  private lastId: string | undefined;
  private done = false;
  private ending = false;
  private wake: (() => void) | undefined;
  private readonly releases: Array<() => void> = [];

  constructor(
    readonly prepared: PreparedSubscription,
    readonly identity: Identity,
    private readonly settings: {
      /** Updates waiting for a client that reads too slowly, before it is closed. */
      maxBuffered: number;
      payloadOf: (entry: LiveEntry) => Promise<UpdatePayload | undefined>;
      /** Called once when the client falls too far behind. */
      onOverflow: (waiting: number) => void;
    },
  ) {}

  /** Holds live entries back while a replay runs (resume with `after`); `resume` lets them through. */
  holdLive(after: string) {
    this.lastId = after;
    this.held = [];
  }

  resume() {
    const held = this.held ?? [];
    this.held = undefined;
    for (const entry of held) this.take(entry);
  }

  /** A live entry from the stream. */
  offer(entry: LiveEntry) {
    if (this.held) this.held.push(entry);
    else this.take(entry);
  }

  /** An entry of a replay (or the live tail after it). */
  take(entry: LiveEntry) {
    if (this.done || this.ending) return;
    if (this.lastId !== undefined && compareIds(entry.id, this.lastId) <= 0) return;
    this.lastId = entry.id;
    if (!this.prepared.field.matches(entry.update, this.prepared.args, this.identity)) return;
    if (this.queue.length >= this.settings.maxBuffered) {
      // Nothing more is kept for it: what it was owed goes, so one slow client costs nothing more.
      this.settings.onOverflow(this.queue.length);
      this.release();
      return;
    }
    const payload = this.settings.payloadOf(entry);
    payload.catch(() => {}); // awaited in next(); never an unhandled rejection meanwhile
    this.queue.push(payload);
    this.wake?.();
  }

  /** Sends one last payload (e.g. UNAUTHENTICATED when the token expires), then completes. */
  finish(last?: UpdatePayload) {
    if (this.done || this.ending) return;
    if (last) this.queue.push(Promise.resolve(last));
    this.ending = true;
    this.wake?.();
  }

  onRelease(release: () => void) {
    this.releases.push(release);
  }

  async next(): Promise<IteratorResult<UpdatePayload>> {
    while (!this.done) {
      const head = this.queue.shift();
      if (head) {
        const payload = await head.catch(
          (): UpdatePayload => ({
            data: null,
            errors: [{ message: 'This update could not be fetched.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }],
          }),
        );
        if (payload) return { done: false, value: payload };
        continue;
      }
      if (this.ending) break;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
      this.wake = undefined;
    }
    this.release();
    return { done: true, value: undefined };
  }

  async return(): Promise<IteratorResult<UpdatePayload>> {
    this.release();
    return { done: true, value: undefined };
  }

  async throw(error?: unknown): Promise<IteratorResult<UpdatePayload>> {
    this.release();
    throw error;
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  private release() {
    if (this.done) return;
    this.done = true;
    this.queue.length = 0;
    this.held = undefined;
    for (const release of this.releases.splice(0)) release();
    this.wake?.();
  }
}
