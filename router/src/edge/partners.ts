import type { IncomingMessage } from 'node:http';
import {
  ANONYMOUS,
  hashPartnerKey,
  IDENTITY_HEADER,
  type Identity,
  type Logger,
  PARTNER_KEY_HEADER,
  requestError,
  signIdentity,
} from '@commerce/service-kit';
import type { Subgraph } from '../execution/subgraphs.ts';

/**
 * Partners by API key. The router hashes the key and asks accounts (through a field that is
 * @inaccessible, so absent from the public schema) which active client holds it. Answers, "yes,
 * this client" and "no such key" alike, are kept in this process for `cacheSeconds`: a revoked
 * key stops working on every replica at most that long after it is revoked, and a flood of wrong
 * keys costs accounts one lookup per key per period. Failures to ask are not kept.
 */
export type PartnerDirectoryOptions = {
  /** The subgraph that knows the keys (accounts, in the project's supergraph); none: every key is refused. */
  subgraph: Subgraph | undefined;
  routerSigningSecret: string;
  cacheSeconds: number;
  logger: Logger;
  /** Entries kept at most; the oldest go first (random wrong keys must not grow memory). */
  maxEntries?: number;
  lookupTimeoutMs?: number;
};

type Answer = { partnerId: string } | null;

const LOOKUP = `query PartnerByKeyHash($keyHash: String!) { partnerClientByKeyHash(keyHash: $keyHash) { id } }`;
const MAX_KEY_LENGTH = 200;

export function hasPartnerKey(req: IncomingMessage): boolean {
  return req.headers[PARTNER_KEY_HEADER] !== undefined;
}

export function createPartnerDirectory(options: PartnerDirectoryOptions) {
  const { cacheSeconds, logger, maxEntries = 10_000, lookupTimeoutMs = 2_000 } = options;
  const cache = new Map<string, { answer: Answer; expiresAt: number }>();
  const inFlight = new Map<string, Promise<Answer>>();

  async function ask(subgraph: Subgraph, keyHash: string): Promise<Answer> {
    let response: Response;
    try {
      response = await fetch(subgraph.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [IDENTITY_HEADER]: await signIdentity(ANONYMOUS, options.routerSigningSecret, subgraph.name),
        },
        body: JSON.stringify({ query: LOOKUP, variables: { keyHash } }),
        signal: AbortSignal.timeout(lookupTimeoutMs),
      });
    } catch (error) {
      logger.error({ err: error, subgraph: subgraph.name }, 'partner key lookup: the subgraph did not answer');
      throw unavailable();
    }
    const body = (await response.json().catch(() => null)) as {
      data?: { partnerClientByKeyHash: { id: string } | null };
      errors?: unknown[];
    } | null;
    if (!response.ok || !body?.data || body.errors) {
      logger.error({ status: response.status, errors: body?.errors }, 'partner key lookup failed');
      throw unavailable();
    }
    const client = body.data.partnerClientByKeyHash;
    return client ? { partnerId: client.id } : null;
  }

  async function lookUp(subgraph: Subgraph, keyHash: string): Promise<Answer> {
    const now = Date.now();
    const cached = cache.get(keyHash);
    if (cached && cached.expiresAt > now) return cached.answer;
    const pending = inFlight.get(keyHash);
    if (pending) return pending;
    const asking = ask(subgraph, keyHash)
      .then((answer) => {
        cache.delete(keyHash);
        if (cache.size >= maxEntries) cache.delete(cache.keys().next().value!);
        cache.set(keyHash, { answer, expiresAt: Date.now() + cacheSeconds * 1000 });
        return answer;
      })
      .finally(() => inFlight.delete(keyHash));
    inFlight.set(keyHash, asking);
    return asking;
  }

  return {
    /** The partner calling with this request's `x-api-key`; UNAUTHENTICATED (401) when the key is unknown or revoked. */
    async identify(req: IncomingMessage): Promise<Identity> {
      const apiKey = req.headers[PARTNER_KEY_HEADER];
      if (req.headers.authorization) {
        throw requestError('UNAUTHENTICATED', 'Send either an API key or a bearer token, not both.');
      }
      if (typeof apiKey !== 'string' || apiKey.length === 0 || apiKey.length > MAX_KEY_LENGTH) {
        throw requestError('UNAUTHENTICATED', 'Send one API key in the `x-api-key` header.');
      }
      if (!options.subgraph) throw requestError('UNAUTHENTICATED', 'This API takes no API keys.');
      const answer = await lookUp(options.subgraph, hashPartnerKey(apiKey));
      if (!answer) throw requestError('UNAUTHENTICATED', 'The API key is not valid, or has been revoked.');
      return { kind: 'partner', partnerId: answer.partnerId };
    },
  };
}

export type PartnerDirectory = ReturnType<typeof createPartnerDirectory>;

function unavailable() {
  return requestError('SUBGRAPH_UNAVAILABLE', 'API keys cannot be checked just now; try again shortly.');
}
