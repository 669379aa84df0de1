import { hashPartnerKey, type Identity, inProcessApi, type RunningUnit, runUnit } from '@commerce/service-kit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { asRouter, errorCodes, graphql } from '../../../tests/support/graphql.ts';
import { accountsUnit } from './app.ts';
import { readConfig } from './config.ts';
import { connectDb, type Db } from './db.ts';

// Partner clients in the accounts subgraph, in this process, over the real test database and HTTP.
const env = inject('env');
let db: Db;
let subgraph: RunningUnit;
let staff: Record<string, string>;

const as = (identity: Identity) => asRouter(identity, env.ROUTER_SIGNING_SECRET!);

beforeAll(async () => {
  const config = readConfig({ ...env, ACCOUNTS_PORT: '0', LOG_LEVEL: 'silent' });
  db = connectDb(config.databaseUrl);
  subgraph = await runUnit(accountsUnit(config, db), inProcessApi);
  const staffUser = await db.user.findUniqueOrThrow({ where: { email: 'staff@example.com' } });
  staff = await as({ kind: 'user', userId: staffUser.id, role: 'STAFF' });
});
afterAll(async () => {
  await subgraph?.close();
  await db?.$disconnect();
});

const CREATE = `mutation($name: String!) { createPartnerClient(name: $name) { apiKey client { id name keyPrefix revokedAt createdBy { email } } } }`;
const REVOKE = `mutation($id: ID!) { revokePartnerClient(id: $id) { id revokedAt } }`;
const LIST = '{ partnerClients { id name keyPrefix createdAt revokedAt } }';
const BY_HASH = `query($h: String!) { partnerClientByKeyHash(keyHash: $h) { id } }`;

type Issued = { apiKey: string; client: { id: string; keyPrefix: string; revokedAt: string | null } };

async function issue(name: string): Promise<Issued> {
  const response = await graphql<{ createPartnerClient: Issued }>(subgraph.url, CREATE, { name }, staff);
  expect(response.body.errors).toBeUndefined();
  return response.body.data!.createPartnerClient;
}

describe('partner clients (accounts)', () => {
  it('staff issue a key: shown once, stored only as its SHA-256, never listed again', async () => {
    const issued = await issue('  Acme Feeds  ');
    expect(issued.apiKey).toMatch(/^cpk_[\w-]{43}$/);
    expect(issued.client).toMatchObject({ revokedAt: null, keyPrefix: issued.apiKey.slice(0, 12) });

    const row = await db.partnerClient.findUniqueOrThrow({ where: { id: issued.client.id } });
    expect(row).toMatchObject({ name: 'Acme Feeds', keyHash: hashPartnerKey(issued.apiKey) });
    expect(JSON.stringify(row)).not.toContain(issued.apiKey.slice(4));

    const list = await graphql(subgraph.url, LIST, {}, staff);
    expect(list.body.errors).toBeUndefined();
    expect(JSON.stringify(list.body)).not.toContain(issued.apiKey.slice(4));
    expect(list.body.data?.partnerClients).toContainEqual(
      expect.objectContaining({ id: issued.client.id, keyPrefix: issued.client.keyPrefix }),
    );
  });

  it('customers and partners are FORBIDDEN, anonymous callers UNAUTHENTICATED; nothing is created', async () => {
    const name = `refused-${crypto.randomUUID()}`;
    const customer = await as({ kind: 'user', userId: crypto.randomUUID(), role: 'CUSTOMER' });
    const partner = await as({ kind: 'partner', partnerId: crypto.randomUUID() });
    const anonymous = await as({ kind: 'anonymous' });
    expect(errorCodes(await graphql(subgraph.url, CREATE, { name }, customer))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await graphql(subgraph.url, CREATE, { name }, partner))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await graphql(subgraph.url, CREATE, { name }, anonymous))).toEqual(['UNAUTHENTICATED']);
    expect(errorCodes(await graphql(subgraph.url, LIST, {}, customer))).toEqual(['FORBIDDEN']);
    expect(await db.partnerClient.count({ where: { name } })).toBe(0);
  });

  it('an empty name is BAD_USER_INPUT', async () => {
    expect(errorCodes(await graphql(subgraph.url, CREATE, { name: '   ' }, staff))).toEqual(['BAD_USER_INPUT']);
  });

  it('the router finds an active key by its hash; once revoked (twice is harmless) it finds nothing', async () => {
    const issued = await issue('Revoked Ltd');
    const anonymous = await as({ kind: 'anonymous' });
    const find = () => graphql(subgraph.url, BY_HASH, { h: hashPartnerKey(issued.apiKey) }, anonymous);
    expect((await find()).body.data).toEqual({ partnerClientByKeyHash: { id: issued.client.id } });

    const first = await graphql<{ revokePartnerClient: { revokedAt: string } }>(
      subgraph.url,
      REVOKE,
      { id: issued.client.id },
      staff,
    );
    const second = await graphql<{ revokePartnerClient: { revokedAt: string } }>(
      subgraph.url,
      REVOKE,
      { id: issued.client.id },
      staff,
    );
    expect(first.body.data?.revokePartnerClient.revokedAt).toEqual(expect.any(String));
    expect(second.body.data?.revokePartnerClient.revokedAt).toBe(first.body.data?.revokePartnerClient.revokedAt);
    expect((await find()).body.data).toEqual({ partnerClientByKeyHash: null });
  });

  it('revoking an unknown client is NOT_FOUND', async () => {
    expect(errorCodes(await graphql(subgraph.url, REVOKE, { id: crypto.randomUUID() }, staff))).toEqual(['NOT_FOUND']);
    expect(errorCodes(await graphql(subgraph.url, REVOKE, { id: 'nope' }, staff))).toEqual(['NOT_FOUND']);
  });
});
