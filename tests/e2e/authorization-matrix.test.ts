import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type FieldRequirement, readAuthorizationRequirements } from '@commerce/service-kit';
import { Kind, parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { PRODUCTS, stableId } from '../../prisma/seed/fixtures.ts';
import { DEFAULT_SUPERGRAPH_PATH } from '../../router/src/config.ts';
import { sha256 } from '../../router/src/edge/persisted-queries-manifest.ts';
import { errorCodes, type GraphQLResponse, graphql } from '../support/graphql.ts';
import { liveClient } from '../support/live.ts';
import { type RunningRouter, startTestRouter } from '../support/router.ts';
import { signInAda, signInGrace, signInStaff } from '../support/sign-in.ts';
import { untilStockRowOpened } from '../support/stock-rows.ts';

// Who may use what, through the router: every root field and every field the supergraph guards
// with @authenticated / @requiresScopes, run as each kind of caller, against the table below. The
// table also states each field's guard, compared with the supergraph's directive, so a directive
// that goes missing or gets weaker fails here even before any call. A field in the supergraph and
// not in the table fails the test: a new field must say who may use it.
//
// Partners may run only registered operations: their ad-hoc request for any of these fields is
// PERSISTED_QUERY_NOT_IN_LIST on the test router. The `partner` column is what the directives do to
// a partner running the same operation as a registered one, on a router here whose manifest holds
// every operation of the table: the safelist does not stand in for authorisation.
const routerUrl = inject('routerUrl');
const env = inject('env');

const CALLERS = ['anonymous', 'customer', 'otherCustomer', 'partner', 'staff'] as const;
type Caller = (typeof CALLERS)[number];
type Outcome = 'allowed' | 'UNAUTHENTICATED' | 'FORBIDDEN' | 'NOT_FOUND';
/**
 * The directive a field carries: none, `@authenticated`, `@requiresScopes(scopes: [["staff"]])`,
 * `@requiresScopes(scopes: [["customer"]])`.
 */
type Guard = 'anyone' | 'signed-in' | 'staff' | 'customer';

/** What the test made or found before it runs the table; `customer` is Ada, `otherCustomer` Grace. */
type Fixtures = {
  adaOrderId: string;
  adaCancelledOrderId: string;
  adaNotificationId: string;
  pricedProductId: string;
  archivableProductId: string;
  revocablePartnerClientId: string;
};
type Entry = {
  guard: Guard;
  /** A named operation that selects the field (effects are harmless or on the test's own entities). */
  operation: string;
  variables?: (fixtures: Fixtures) => Record<string, unknown>;
  expected: Record<Caller, Outcome>;
};

const everyone: Record<Caller, Outcome> = {
  anonymous: 'allowed',
  customer: 'allowed',
  otherCustomer: 'allowed',
  partner: 'allowed',
  staff: 'allowed',
};
const staffOnly: Record<Caller, Outcome> = {
  anonymous: 'UNAUTHENTICATED',
  customer: 'FORBIDDEN',
  otherCustomer: 'FORBIDDEN',
  partner: 'FORBIDDEN',
  staff: 'allowed',
};
/** Signed-in users, each on their own data (the operation reads `me`). */
const signedIn: Record<Caller, Outcome> = {
  anonymous: 'UNAUTHENTICATED',
  customer: 'allowed',
  otherCustomer: 'allowed',
  partner: 'FORBIDDEN',
  staff: 'allowed',
};
/** Ada's own entity: Grace's request for it is NOT_FOUND, like an id that does not exist. */
const adasOwn: Record<Caller, Outcome> = { ...signedIn, otherCustomer: 'NOT_FOUND' };
/** Customers only, each on their own data: staff and partners are refused. */
const customersOnly: Record<Caller, Outcome> = { ...signedIn, partner: 'FORBIDDEN', staff: 'FORBIDDEN' };

const seededProductId = PRODUCTS[0]!.id;

const MATRIX: Record<string, Entry> = {
  'Query.me': { guard: 'anyone', operation: 'query MatrixMe { me { id } }', expected: everyone },
  'Query.product': {
    guard: 'anyone',
    operation: 'query MatrixProduct($id: ID!) { product(id: $id) { id name } }',
    variables: () => ({ id: seededProductId }),
    expected: everyone,
  },
  'Query.products': {
    guard: 'anyone',
    operation: 'query MatrixProducts { products(first: 1) { totalCount } }',
    expected: everyone,
  },
  'Query.categories': {
    guard: 'anyone',
    operation: 'query MatrixCategories { categories { slug } }',
    expected: everyone,
  },
  'Query.partnerClients': {
    guard: 'staff',
    operation: 'query MatrixPartnerClients { partnerClients { id } }',
    expected: staffOnly,
  },
  'Query.order': {
    guard: 'signed-in',
    operation: 'query MatrixOrder($id: ID!) { order(id: $id) { id status } }',
    variables: (fixtures) => ({ id: fixtures.adaOrderId }),
    expected: adasOwn,
  },
  'Query.notification': {
    guard: 'signed-in',
    operation: 'query MatrixNotification($id: ID!) { notification(id: $id) { id kind } }',
    variables: (fixtures) => ({ id: fixtures.adaNotificationId }),
    expected: adasOwn,
  },
  // Subscriptions run over the router's WebSocket (run() below): 'allowed' is a subscription the
  // router took and kept open.
  'Subscription.orderUpdated': {
    guard: 'signed-in',
    operation: 'subscription MatrixOrderUpdated($id: ID!) { orderUpdated(id: $id) { cursor order { status } } }',
    variables: (fixtures) => ({ id: fixtures.adaOrderId }),
    expected: adasOwn,
  },
  'Subscription.myOrderUpdates': {
    guard: 'signed-in',
    operation: 'subscription MatrixMyOrderUpdates { myOrderUpdates { cursor order { status } } }',
    expected: signedIn,
  },
  'Subscription.notificationAdded': {
    guard: 'signed-in',
    operation: 'subscription MatrixNotificationAdded { notificationAdded { cursor notification { title } } }',
    expected: signedIn,
  },
  'Subscription.stockChanged': {
    guard: 'staff',
    operation: 'subscription MatrixStockChanged { stockChanged { cursor stock { available } } }',
    expected: staffOnly,
  },
  'Query.orders': {
    guard: 'staff',
    operation: 'query MatrixOrders { orders(first: 1) { totalCount } }',
    expected: staffOnly,
  },
  'User.orders': {
    guard: 'signed-in',
    operation: 'query MatrixMyOrders { me { orders(first: 1) { totalCount } } }',
    expected: signedIn,
  },
  'User.notifications': {
    guard: 'signed-in',
    operation: 'query MatrixMyNotifications { me { notifications(first: 1) { totalCount } } }',
    expected: signedIn,
  },
  'User.unreadNotificationCount': {
    guard: 'signed-in',
    operation: 'query MatrixMyUnreadCount { me { unreadNotificationCount } }',
    expected: signedIn,
  },
  'Order.payment': {
    guard: 'signed-in',
    operation: 'query MatrixOrderPayment($id: ID!) { order(id: $id) { payment { status } } }',
    variables: (fixtures) => ({ id: fixtures.adaOrderId }),
    expected: adasOwn,
  },
  // Each customer places an order of their own (a new key per call).
  'Mutation.placeOrder': {
    guard: 'customer',
    operation: 'mutation MatrixPlaceOrder($input: PlaceOrderInput!) { placeOrder(input: $input) { id status } }',
    variables: () => ({
      input: { items: [{ productId: seededProductId, quantity: 1 }], idempotencyKey: crypto.randomUUID() },
    }),
    expected: customersOnly,
  },
  // Ada's seeded order that is cancelled already: cancelling it again returns it and changes nothing.
  'Mutation.cancelOrder': {
    guard: 'customer',
    operation: 'mutation MatrixCancelOrder($id: ID!) { cancelOrder(id: $id) { id status } }',
    variables: (fixtures) => ({ id: fixtures.adaCancelledOrderId }),
    expected: { ...customersOnly, otherCustomer: 'NOT_FOUND' },
  },
  // Staff get past the guard to an order that does not exist: the matrix refunds nothing real
  // (tests/e2e/place-order.test.ts does).
  'Mutation.refundOrder': {
    guard: 'staff',
    operation: 'mutation MatrixRefundOrder($id: ID!) { refundOrder(id: $id, reason: "matrix") { id status } }',
    variables: () => ({ id: crypto.randomUUID() }),
    expected: { ...staffOnly, staff: 'NOT_FOUND' },
  },
  'Mutation.register': {
    guard: 'anyone',
    operation: 'mutation MatrixRegister($input: RegisterInput!) { register(input: $input) { user { id } } }',
    variables: () => ({
      input: { email: `matrix-${crypto.randomUUID()}@example.com`, name: 'Matrix', password: 'matrix-password' },
    }),
    expected: everyone,
  },
  'Mutation.login': {
    guard: 'anyone',
    operation:
      'mutation MatrixLogin($email: String!, $password: String!) { login(email: $email, password: $password) { expiresAt } }',
    variables: () => ({ email: 'ada@example.com', password: 'customer-password' }),
    expected: everyone,
  },
  'Mutation.createPartnerClient': {
    guard: 'staff',
    operation:
      'mutation MatrixCreatePartnerClient($name: String!) { createPartnerClient(name: $name) { client { id } } }',
    variables: () => ({ name: `Matrix ${crypto.randomUUID()}` }),
    expected: staffOnly,
  },
  'Mutation.revokePartnerClient': {
    guard: 'staff',
    operation: 'mutation MatrixRevokePartnerClient($id: ID!) { revokePartnerClient(id: $id) { id } }',
    variables: (fixtures) => ({ id: fixtures.revocablePartnerClientId }),
    expected: staffOnly,
  },
  'Mutation.createProduct': {
    guard: 'staff',
    operation: 'mutation MatrixCreateProduct($input: CreateProductInput!) { createProduct(input: $input) { id } }',
    variables: () => ({ input: newProduct() }),
    expected: staffOnly,
  },
  'Mutation.changeProductPrice': {
    guard: 'staff',
    operation: 'mutation MatrixChangePrice($id: ID!) { changeProductPrice(id: $id, priceCents: 1234) { priceCents } }',
    variables: (fixtures) => ({ id: fixtures.pricedProductId }),
    expected: staffOnly,
  },
  'Mutation.archiveProduct': {
    guard: 'staff',
    operation: 'mutation MatrixArchiveProduct($id: ID!) { archiveProduct(id: $id) { active } }',
    variables: (fixtures) => ({ id: fixtures.archivableProductId }),
    expected: staffOnly,
  },
  'Mutation.restock': {
    guard: 'staff',
    operation: 'mutation MatrixRestock($id: ID!) { restock(productId: $id, quantity: 1) { onHand } }',
    variables: (fixtures) => ({ id: fixtures.pricedProductId }),
    expected: staffOnly,
  },
  'Query.deadLetters': {
    guard: 'staff',
    operation: 'query MatrixDeadLetters { deadLetters(first: 1) { pageInfo { hasNextPage } } }',
    expected: staffOnly,
  },
  'Query.queues': {
    guard: 'staff',
    operation: 'query MatrixQueues { queues { name deadLettered } }',
    expected: staffOnly,
  },
  'Query.auditLog': {
    guard: 'staff',
    operation: 'query MatrixAuditLog { auditLog(first: 1) { pageInfo { hasNextPage } } }',
    expected: staffOnly,
  },
  // Staff get past the guard to a dead letter that does not exist: the matrix retries and discards
  // nothing real (tests/e2e/operations.test.ts does).
  'Mutation.retryDeadLetter': {
    guard: 'staff',
    operation: 'mutation MatrixRetryDeadLetter($id: ID!) { retryDeadLetter(id: $id) { outcome } }',
    variables: () => ({ id: `notifications/matrix-${crypto.randomUUID()}` }),
    expected: { ...staffOnly, staff: 'NOT_FOUND' },
  },
  'Mutation.discardDeadLetter': {
    guard: 'staff',
    operation:
      'mutation MatrixDiscardDeadLetter($id: ID!) { discardDeadLetter(id: $id, reason: "matrix") { outcome } }',
    variables: () => ({ id: `notifications/matrix-${crypto.randomUUID()}` }),
    expected: { ...staffOnly, staff: 'NOT_FOUND' },
  },
  'Mutation.markNotificationRead': {
    guard: 'signed-in',
    operation: 'mutation MatrixMarkRead($id: ID!) { markNotificationRead(id: $id) { id } }',
    variables: (fixtures) => ({ id: fixtures.adaNotificationId }),
    // Only the recipient marks a notification read: for anyone else, staff included, it is not theirs.
    expected: { ...adasOwn, staff: 'NOT_FOUND' },
  },
};

function newProduct() {
  const sku = `MATRIX-${crypto.randomUUID().slice(0, 8).toUpperCase()}`;
  return { sku, name: `Matrix ${sku}`, priceCents: 100, currency: 'EUR' };
}

// What the supergraph says, read as the router reads it.
const supergraph = parse(readFileSync(DEFAULT_SUPERGRAPH_PATH, 'utf8'));
const requirements = readAuthorizationRequirements(supergraph);

/** Every root field of the public API and every guarded field, by coordinate. */
function fieldsToCover(): string[] {
  const coordinates = new Set<string>(requirements.keys());
  for (const definition of supergraph.definitions) {
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION) continue;
    if (!['Query', 'Mutation', 'Subscription'].includes(definition.name.value)) continue;
    for (const field of definition.fields ?? []) {
      const hidden = field.directives?.some((directive) => directive.name.value === 'inaccessible');
      if (!hidden) coordinates.add(`${definition.name.value}.${field.name.value}`);
    }
  }
  return [...coordinates].sort();
}

function guardOf(requirement: FieldRequirement | undefined): string {
  if (!requirement) return 'anyone';
  if (requirement.authenticated && requirement.anyOf.length === 0) return 'signed-in';
  if (!requirement.authenticated && JSON.stringify(requirement.anyOf) === '[["staff"]]') return 'staff';
  if (!requirement.authenticated && JSON.stringify(requirement.anyOf) === '[["customer"]]') return 'customer';
  return JSON.stringify(requirement);
}

/** The outcome of one call, or a description of what went wrong instead. */
function outcomeOf(response: GraphQLResponse<unknown>, coordinate: string): string {
  const [first] = response.body.errors ?? [];
  if (!first) return response.status === 200 ? 'allowed' : `no error but HTTP ${response.status}`;
  const code = first.extensions?.code;
  if (code === 'UNAUTHENTICATED' || code === 'FORBIDDEN') {
    const fields = first.extensions?.refusedFields as string[] | undefined;
    // Refused for this field's own guard, by the router, before planning (nothing ran).
    if (!fields?.includes(coordinate)) return `${code} for ${fields ?? 'no named field'}: ${first.message}`;
    const status = code === 'UNAUTHENTICATED' ? 401 : 403;
    if (response.status !== status || response.body.data) return `${code} with HTTP ${response.status} and data`;
    return code;
  }
  if (code === 'NOT_FOUND') return code;
  return `${String(code)}: ${first.message}`;
}

let fixtures: Fixtures;
let headersOf: Record<Exclude<Caller, 'partner'>, Record<string, string>>;
let partnerKey: string;
let partnerRouter: RunningRouter;
const manifestIdOf = new Map<string, string>();

beforeAll(async () => {
  const [ada, grace, staff] = await Promise.all([signInAda(routerUrl), signInGrace(routerUrl), signInStaff(routerUrl)]);
  headersOf = { anonymous: {}, customer: ada.headers, otherCustomer: grace.headers, staff: staff.headers };
  const asStaff = async <Data>(query: string, variables: Record<string, unknown> = {}) => {
    const response = await graphql<Data>(routerUrl, query, variables, staff.headers);
    expect(response.body.errors).toBeUndefined();
    return response.body.data!;
  };
  const issue = () =>
    asStaff<{ createPartnerClient: { apiKey: string; client: { id: string } } }>(
      'mutation($name: String!) { createPartnerClient(name: $name) { apiKey client { id } } }',
      { name: `Matrix partner ${crypto.randomUUID()}` },
    );
  const create = () =>
    asStaff<{ createProduct: { id: string } }>(
      'mutation($input: CreateProductInput!) { createProduct(input: $input) { id } }',
      { input: newProduct() },
    );
  const [partner, revocable, priced, archivable] = await Promise.all([issue(), issue(), create(), create()]);
  partnerKey = partner.createPartnerClient.apiKey;
  // Restocking needs the stock row inventory opens when it hears of the product.
  await untilStockRowOpened(env, [priced.createProduct.id]);

  // An e-mail notification: marking it read leaves the unread (in-app) count other tests watch alone.
  const notifications = await graphql<{
    me: { notifications: { edges: Array<{ node: { id: string; channel: string } }> } };
  }>(routerUrl, '{ me { notifications(first: 50) { edges { node { id channel } } } } }', {}, ada.headers);
  const edges = notifications.body.data!.me.notifications.edges;
  const email = edges.find(({ node }) => node.channel === 'EMAIL') ?? edges[0];
  expect(email).toBeDefined();

  fixtures = {
    adaOrderId: stableId('order', 'ada-1'),
    adaCancelledOrderId: stableId('order', 'ada-2'),
    adaNotificationId: email!.node.id,
    pricedProductId: priced.createProduct.id,
    archivableProductId: archivable.createProduct.id,
    revocablePartnerClientId: revocable.createPartnerClient.client.id,
  };

  const operations = Object.values(MATRIX).map(({ operation }) => {
    const name = parse(operation).definitions[0]!;
    const type = name.kind === Kind.OPERATION_DEFINITION ? name.operation : 'query';
    const operationName = name.kind === Kind.OPERATION_DEFINITION ? name.name!.value : '';
    manifestIdOf.set(operation, sha256(operation));
    return { id: sha256(operation), name: operationName, type, body: operation };
  });
  const path = join(mkdtempSync(join(tmpdir(), 'matrix-manifest-')), 'manifest.json');
  writeFileSync(path, JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations }));
  partnerRouter = await startTestRouter(env, { PERSISTED_QUERY_MANIFEST: path });
});
afterAll(async () => {
  await partnerRouter?.close();
});

/** Long enough for the router to refuse a subscription it will refuse (it does so before anything runs). */
const REFUSAL_WAIT_MS = 1500;

/** A subscription over graphql-ws: what the router refused it with, or 'allowed' when it kept it open. */
async function subscribeAs(caller: Caller, entry: Entry): Promise<string> {
  const variables = entry.variables?.(fixtures) ?? {};
  const partner = caller === 'partner';
  const client = liveClient(
    partner ? partnerRouter.url : routerUrl,
    partner ? { 'x-api-key': partnerKey } : headersOf[caller],
  );
  try {
    const recorded = partner
      ? client.subscribe('', variables, {
          extensions: { persistedQuery: { version: 1, sha256Hash: manifestIdOf.get(entry.operation) } },
        })
      : client.subscribe(entry.operation, variables);
    await new Promise((resolve) => setTimeout(resolve, REFUSAL_WAIT_MS));
    const [first] = recorded.refused ?? [];
    if (!first)
      return client.closed.length === 0 && !recorded.completed ? 'allowed' : `closed: ${JSON.stringify(client.closed)}`;
    return String(first.extensions?.code);
  } finally {
    await client.dispose();
  }
}

const isSubscription = (entry: Entry) => entry.operation.startsWith('subscription');

async function run(caller: Caller, entry: Entry): Promise<GraphQLResponse<unknown>> {
  const variables = entry.variables?.(fixtures) ?? {};
  if (caller !== 'partner') return graphql(routerUrl, entry.operation, variables, headersOf[caller]);
  const response = await fetch(partnerRouter.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': partnerKey },
    body: JSON.stringify({ documentId: manifestIdOf.get(entry.operation), variables }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as never };
}

describe('authorisation matrix', () => {
  it('covers every root field and every guarded field of the supergraph, and nothing else', () => {
    expect(Object.keys(MATRIX).sort()).toEqual(fieldsToCover());
  });

  it.each(Object.entries(MATRIX))('%s', async (coordinate, entry) => {
    // Soft: a wrong declaration and what it lets through are both reported.
    expect.soft(guardOf(requirements.get(coordinate)), `the supergraph's guard of ${coordinate}`).toBe(entry.guard);

    const actual: Record<string, string> = {};
    if (isSubscription(entry)) {
      const outcomes = await Promise.all(CALLERS.map((caller) => subscribeAs(caller, entry)));
      CALLERS.forEach((caller, index) => {
        actual[caller] = outcomes[index]!;
      });
    } else {
      for (const caller of CALLERS) actual[caller] = outcomeOf(await run(caller, entry), coordinate);
    }
    expect(actual).toEqual(entry.expected);

    // The same operation sent ad hoc by a partner never gets past the safelist.
    const adHoc = await graphql(routerUrl, entry.operation, entry.variables?.(fixtures) ?? {}, {
      'x-api-key': partnerKey,
    });
    expect(errorCodes(adHoc)).toEqual(['PERSISTED_QUERY_NOT_IN_LIST']);
  });
});

describe('the router checks what an operation selects, however it is written', () => {
  it('a staff field inside a named fragment, under an alias, is refused whole, before any subgraph answers', async () => {
    const response = await graphql(
      routerUrl,
      'query Sneaky { products(first: 1) { totalCount } ...Everything } fragment Everything on Query { all: orders(first: 1) { totalCount } }',
      {},
      headersOf.customer,
    );
    expect(response.status).toBe(403);
    expect(errorCodes(response)).toEqual(['FORBIDDEN']);
    expect(response.body.errors?.[0]?.extensions?.refusedFields).toEqual(['Query.orders']);
    expect(response.body.errors?.[0]?.message).toBe(
      'You may not use Query.orders: it needs the scope staff (you have customer).',
    );
    expect(response.body.data ?? null).toBeNull();
  });

  it('a signed-in field in an inline fragment asks an anonymous caller to sign in', async () => {
    const response = await graphql(routerUrl, '{ me { ... on User { orders(first: 1) { totalCount } } } }');
    expect(response.status).toBe(401);
    expect(response.body.errors?.[0]?.message).toBe('Sign in to use User.orders.');
  });
});
