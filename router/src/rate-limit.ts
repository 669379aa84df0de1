import type { IncomingMessage } from 'node:http';
import { type Identity, type Logger, type Redis, requestError } from '@commerce/service-kit';
import type { RouterMetrics } from './metrics.ts';

/**
 * A fixed window per client: the first request of a window creates the counter with the window's
 * expiry, later ones increment it. One script, so the increment and the expiry are atomic and
 * every router replica on the same Redis counts into the same key.
 * Returns [requests in this window, milliseconds until it ends].
 */
const HIT = `
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
`;

type RateLimitRedis = Redis & { rateLimitHit(key: string, windowMs: number): Promise<[number, number]> };

export type RateLimitSettings = {
  windowSeconds: number;
  /** Requests per window by kind of client: `anonymous`, a user's role (`CUSTOMER`, `STAFF`), `partner`. */
  limits: Record<string, number>;
  keyPrefix: string;
};

export type Client = { key: string; kind: string };

/** Who is counted: a signed-in user by user id, a partner by its id, an anonymous caller by IP address. */
export function clientOf(identity: Identity, req: IncomingMessage): Client {
  switch (identity.kind) {
    case 'user':
      return { key: `user:${identity.userId}`, kind: identity.role };
    case 'partner':
      return { key: `partner:${identity.partnerId}`, kind: 'partner' };
    case 'anonymous':
      return { key: `ip:${req.socket.remoteAddress ?? 'unknown'}`, kind: 'anonymous' };
  }
}

export function createRateLimiter(redis: Redis, settings: RateLimitSettings, metrics: RouterMetrics, logger: Logger) {
  redis.defineCommand('rateLimitHit', { numberOfKeys: 1, lua: HIT });
  const counters = redis as RateLimitRedis;
  const windowMs = settings.windowSeconds * 1000;
  let lastWarning = 0;

  return {
    /** Counts the request; throws RATE_LIMITED (429, Retry-After) when the client is over its limit. */
    async admit(identity: Identity, req: IncomingMessage): Promise<void> {
      const client = clientOf(identity, req);
      const limit = settings.limits[client.kind] ?? settings.limits.anonymous;
      if (limit === undefined) return;
      let count: number;
      let remainingMs: number;
      try {
        [count, remainingMs] = await counters.rateLimitHit(`${settings.keyPrefix}:${client.key}`, windowMs);
      } catch (error) {
        // Fail open: without Redis the router still serves, unthrottled, rather than refusing
        // everyone; the outage shows in logs and in router_rate_limit_unchecked_total.
        metrics.rateLimitUnchecked.inc();
        if (Date.now() - lastWarning > 10_000) {
          lastWarning = Date.now();
          logger.warn({ err: error }, 'rate limits not checked: Redis does not answer (failing open)');
        }
        return;
      }
      if (count <= limit) return;
      const retryAfter = Math.max(1, Math.ceil(remainingMs / 1000));
      metrics.rateLimitRejections.inc({ client: client.kind });
      throw requestError(
        'RATE_LIMITED',
        `Too many requests: ${limit} per ${settings.windowSeconds} s are allowed. Try again in ${retryAfter} s.`,
        { headers: { 'retry-after': String(retryAfter) }, details: { retryAfterSeconds: retryAfter } },
      );
    },
  };
}

export type RateLimiter = ReturnType<typeof createRateLimiter>;
