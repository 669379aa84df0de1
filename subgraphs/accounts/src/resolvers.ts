import { clientError, signedInUser } from '@commerce/service-kit';
import type { Context } from './context.ts';
import type { User } from './generated/prisma/client.ts';
import type { Resolvers } from './generated/resolvers-types.ts';
import { createPartnerClient } from './use-cases/create-partner-client.ts';
import { logIn } from './use-cases/log-in.ts';
import { registerCustomer } from './use-cases/register-customer.ts';
import { revokePartnerClient } from './use-cases/revoke-partner-client.ts';

async function signedIn(user: User, ctx: Context) {
  const { token, expiresAt } = await ctx.tokens({ userId: user.id, role: user.role });
  ctx.signedInNow.add(user.id); // the caller is this user from here on, though their request was anonymous
  return { token, expiresAt: expiresAt.toISOString(), user };
}

export const resolvers: Resolvers = {
  Query: {
    me: (_parent, _args, ctx) => (ctx.identity.kind === 'user' ? ctx.usersById.load(ctx.identity.userId) : null),
    partnerClients: (_parent, _args, ctx) =>
      ctx.db.partnerClient.findMany({ orderBy: [{ createdAt: 'desc' }, { id: 'asc' }] }),
    // @inaccessible: absent from the router's public schema, so only the router itself asks this
    // (every request here is signed by the router). It never learns the key, only its hash.
    partnerClientByKeyHash: (_parent, { keyHash }, ctx) =>
      /^[0-9a-f]{64}$/.test(keyHash) ? ctx.db.partnerClient.findFirst({ where: { keyHash, revokedAt: null } }) : null,
  },
  Mutation: {
    register: async (_parent, { input }, ctx) => signedIn(await registerCustomer(ctx.db, input), ctx),
    login: async (_parent, { email, password }, ctx) => signedIn(await logIn(ctx.db, email, password), ctx),
    createPartnerClient: (_parent, { name }, ctx) =>
      createPartnerClient(ctx.db, name, signedInUser(ctx.identity).userId),
    revokePartnerClient: (_parent, { id }, ctx) => revokePartnerClient(ctx.db, id),
  },
  PartnerClient: {
    createdAt: (client) => client.createdAt.toISOString(),
    revokedAt: (client) => client.revokedAt?.toISOString() ?? null,
    createdBy: (client, _args, ctx) => ctx.usersById.load(client.createdById),
  },
  User: {
    // Another unit may name a user that does not exist (or no longer does): null, not an error.
    __resolveReference: (reference, ctx) => ctx.usersById.load(reference.id),
    // Only the user themself or staff may see an account's details.
    email: (user, _args, ctx) => {
      const identity = ctx.identity;
      if (ctx.signedInNow.has(user.id)) return user.email;
      if (identity.kind === 'user' && (identity.role === 'STAFF' || identity.userId === user.id)) return user.email;
      throw clientError('FORBIDDEN', "Only staff may see another user's email.");
    },
    createdAt: (user) => user.createdAt.toISOString(),
  },
};
