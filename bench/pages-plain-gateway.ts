/**
 * The baseline of bench/pages.ts: plain @apollo/gateway on @apollo/server's standalone server, over
 * the project's running subgraphs (router/supergraph.graphql, each subgraph at its <NAME>_URL).
 * Our subgraphs answer only requests carrying the router's signed identity header, which a plain
 * gateway does not send: so it is given the least that lets it in, and nothing else of the
 * router's. A context that reads the caller's bearer token (JWT_VERIFICATION_KEYS, as the router
 * does; none or a bad one is anonymous), and a willSendRequest that signs that identity for each
 * subgraph with ROUTER_SIGNING_SECRET, per request, as the router does. No limits, no rate limits,
 * no resilience, no access log, no authorisation of its own. `tsx bench/pages-plain-gateway.ts <supergraph> <port>`.
 */
import { readFileSync } from 'node:fs';
import { ApolloGateway, type GraphQLDataSourceProcessOptions, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import {
  ANONYMOUS,
  IDENTITY_HEADER,
  type Identity,
  parseKeyRing,
  signIdentity,
  verifyAccessToken,
} from '@commerce/service-kit';

type Context = { identity: Identity };

const [supergraphPath, port] = process.argv.slice(2);
if (!supergraphPath || !port) throw new Error('usage: pages-plain-gateway.ts <supergraph> <port>');
const signingSecret = process.env.ROUTER_SIGNING_SECRET;
const verificationKeys = process.env.JWT_VERIFICATION_KEYS;
if (!signingSecret) throw new Error('ROUTER_SIGNING_SECRET must be set (the running system’s)');
if (!verificationKeys) throw new Error('JWT_VERIFICATION_KEYS must be set (the running system’s)');
const ring = parseKeyRing(verificationKeys);

class SignedDataSource extends RemoteGraphQLDataSource<Context> {
  constructor(
    private readonly audience: string,
    url: string,
  ) {
    super({ url });
  }
  override async willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<Context>) {
    request.http?.headers.set(
      IDENTITY_HEADER,
      await signIdentity(context.identity ?? ANONYMOUS, signingSecret!, this.audience),
    );
  }
}

/**
 * @apollo/gateway refuses a supergraph whose `for: SECURITY` features it does not enforce, and it
 * enforces neither @authenticated nor @requiresScopes: the links lose that mark, as our router
 * does (router/src/edge/authorization.ts). The subgraphs enforce both themselves, so every page
 * here is still authorised, by them.
 */
const supergraphSdl = readFileSync(supergraphPath, 'utf8').replace(
  /(@link\(url: "https:\/\/specs\.apollo\.dev\/(?:authenticated|requiresScopes)\/v0\.1"), for: SECURITY\)/g,
  '$1)',
);
const gateway = new ApolloGateway({
  supergraphSdl,
  buildService: ({ name, url }) => new SignedDataSource(name, process.env[`${name.toUpperCase()}_URL`] ?? url!),
});
const server = new ApolloServer<Context>({ gateway });
const { url } = await startStandaloneServer(server, {
  listen: { port: Number(port), host: '127.0.0.1' },
  context: async ({ req }): Promise<Context> => {
    const token = req.headers.authorization?.match(/^Bearer (.+)$/)?.[1];
    if (!token) return { identity: ANONYMOUS };
    const verified = await verifyAccessToken(token, ring);
    return { identity: verified.ok ? { kind: 'user', ...verified.claims } : ANONYMOUS };
  },
});
console.log(`plain @apollo/gateway ready at ${url}`);
process.on('SIGTERM', () => process.exit(0));
