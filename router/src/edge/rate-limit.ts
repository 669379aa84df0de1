import type { IncomingMessage } from 'node:http';
import { type Identity, type Logger, type Redis, requestError } from '@commerce/service-kit';
import type { GraphQLError } from 'graphql';
import type { RouterMetrics } from '../ops/metrics.ts';

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

/** The same counter read without counting: [count in this window, milliseconds until it ends]. */
const PEEK = `
return {tonumber(redis.call('GET', KEYS[1]) or '0'), redis.call('PTTL', KEYS[1])}
`;

type RateLimitRedis = Redis & {
  rateLimitHit(key: string, windowMs: number): Promise<[number, number]>;
  rateLimitPeek(key: string): Promise<[number, number]>;
};

export type RateLimitSettings = {
  windowSeconds: number;
  /** Requests per window by kind of client: `anonymous`, a user's role (`CUSTOMER`, `STAFF`), `partner`. */
  limits: Record<string, number>;
  /** Failed sign-ins (bad API keys, forged or expired tokens) per address and window, before refusing. */
  authFailureLimit: number;
  /** Requests per address and window to /metrics, /readyz and the playground page. */
  opsPageLimit: number;
  keyPrefix: string;
};

export type Client = { key: string; kind: string };

const addressOf = (req: IncomingMessage) => `ip:${req.socket.remoteAddress ?? 'unknown'}`;

/** Who is counted: a signed-in user by user id, a partner by its id, an anonymous caller by IP address. */
export function clientOf(identity: Identity, req: IncomingMessage): Client {
  switch (identity.kind) {
    case 'user':
      return { key: `user:${identity.userId}`, kind: identity.role };
    case 'partner':
      return { key: `partner:${identity.partnerId}`, kind: 'partner' };
    case 'anonymous':
      return { key: addressOf(req), kind: 'anonymous' };
  }
}

export function createRateLimiter(redis: Redis, settings: RateLimitSettings, metrics: RouterMetrics, logger: Logger) {
  redis.defineCommand('rateLimitHit', { numberOfKeys: 1, lua: HIT });
  redis.defineCommand('rateLimitPeek', { numberOfKeys: 1, lua: PEEK });
  const counters = redis as RateLimitRedis;
  const windowMs = settings.windowSeconds * 1000;
  let lastWarning = 0;

  /** Runs one counter command; undefined when Redis does not answer (the caller fails open). */
  async function counted(command: () => Promise<[number, number]>): Promise<[number, number] | undefined> {
    try {
      return await command();
    } catch (error) {
      // Fail open: without Redis the router still serves, unthrottled, rather than refusing
      // everyone; the outage shows in logs and in router_rate_limit_unchecked_total.
      metrics.rateLimitUnchecked.inc();
      if (Date.now() - lastWarning > 10_000) {
        lastWarning = Date.now();
        logger.warn({ err: error }, 'rate limits not checked: Redis does not answer (failing open)');
      }
      return undefined;
    }
  }

  const tooMany = (kind: string, remainingMs: number, what: string): GraphQLError => {
    const retryAfter = Math.max(1, Math.ceil(remainingMs / 1000));
    metrics.rateLimitRejections.inc({ client: kind });
    return requestError('RATE_LIMITED', `${what} Try again in ${retryAfter} s.`, {
      headers: { 'retry-after': String(retryAfter) },
      details: { retryAfterSeconds: retryAfter },
    });
  };

  const key = (name: string) => `${settings.keyPrefix}:${name}`;

  return {
    /** Counts the request; throws RATE_LIMITED (429, Retry-After) when the client is over its limit. */
    async admit(client: Client): Promise<void> {
      const limit = settings.limits[client.kind] ?? settings.limits.anonymous;
      if (limit === undefined) return;
      const hit = await counted(() => counters.rateLimitHit(key(client.key), windowMs));
      if (!hit || hit[0] <= limit) return;
      throw tooMany(client.kind, hit[1], `Too many requests: ${limit} per ${settings.windowSeconds} s are allowed.`);
    },

    /**
     * Before any credential is checked: an address whose sign-ins failed too often this window is
     * refused (RATE_LIMITED) without a look at its key or token, so guessing keys costs accounts
     * nothing past the limit.
     */
    async admitCredentials(req: IncomingMessage): Promise<void> {
      const seen = await counted(() => counters.rateLimitPeek(key(`auth-failures:${addressOf(req)}`)));
      if (!seen || seen[0] < settings.authFailureLimit) return;
      throw tooMany(
        'auth_failures',
        seen[1],
        `Too many failed sign-ins from your address: ${settings.authFailureLimit} per ${settings.windowSeconds} s are allowed.`,
      );
    },

    /** Counts a failed sign-in (an unknown key, a forged or expired token) against the address. */
    async countAuthFailure(req: IncomingMessage): Promise<void> {
      await counted(() => counters.rateLimitHit(key(`auth-failures:${addressOf(req)}`), windowMs));
    },

    /** Counts a request for an operations page (/metrics, /readyz, the playground); the refusal past the limit. */
    async admitOpsPage(req: IncomingMessage): Promise<GraphQLError | undefined> {
      const hit = await counted(() => counters.rateLimitHit(key(`ops:${addressOf(req)}`), windowMs));
      if (!hit || hit[0] <= settings.opsPageLimit) return undefined;
      return tooMany(
        'ops',
        hit[1],
        `Too many requests: ${settings.opsPageLimit} per ${settings.windowSeconds} s are allowed.`,
      );
    },
  };
}

export type RateLimiter = ReturnType<typeof createRateLimiter>;
