import { readFileSync } from 'node:fs';
import type { LiveUpdate } from '@commerce/events';
import { type Identity, readAuthorizationRequirements } from '@commerce/service-kit';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SUPERGRAPH_PATH } from '../config.ts';
import { graphql } from './graphql.ts';
import { assembleUpdate, type PreparedSubscription, prepareOperation } from './operation.ts';

// How a subscription is checked and how each update is put together, on the supergraph's API
// schema, with no process running: the follow-up query it asks the gateway, and what the client is
// sent for the gateway's answers.
const schema = graphql.buildSchema(readFileSync(new URL('../../api-schema.graphql', import.meta.url), 'utf8'));
const requirements = readAuthorizationRequirements(graphql.parse(readFileSync(DEFAULT_SUPERGRAPH_PATH, 'utf8')));
const limits = { maxTokens: 3000, maxFields: 500, maxFieldRepeats: 20, maxDepth: 12, maxAliases: 20, maxCost: 10_000 };
const customer: Identity = { kind: 'user', userId: '11111111-1111-4111-8111-111111111111', role: 'CUSTOMER' };

function prepare(query: string, variables: Record<string, unknown> = {}, identity: Identity = customer) {
  return prepareOperation({ query, variables }, { schema, limits, requirements, identity });
}

function prepared(query: string, variables: Record<string, unknown> = {}): PreparedSubscription {
  const result = prepare(query, variables);
  if (result.kind !== 'subscription') throw new Error(`not a subscription: ${JSON.stringify(result)}`);
  return result.subscription;
}

const orderUpdate: LiveUpdate = {
  eventId: '22222222-2222-4222-8222-222222222222',
  type: 'orders.order.payment-requested',
  entity: 'Order',
  key: '33333333-3333-4333-8333-333333333333',
  owner: customer.kind === 'user' ? customer.userId : undefined,
  snapshot: { status: 'AWAITING_PAYMENT', refundPending: false },
  occurredAt: '2026-12-01T12:00:00.000Z',
};

describe('preparing a subscription', () => {
  it("asks the gateway for the entity by the update's key, with only the variables and fragments the entity's selection uses", () => {
    const subscription = prepared(
      `subscription S($id: ID!, $withItems: Boolean!) {
        live: orderUpdated(id: $id) { cursor o: order { ...Lines status } }
      }
      fragment Lines on Order { items @include(if: $withItems) { quantity } }`,
      { id: orderUpdate.key, withItems: true },
    );
    expect(subscription.fieldName).toBe('orderUpdated');
    expect(subscription.args).toEqual({ id: orderUpdate.key });
    expect(subscription.responseKey).toBe('live');
    expect(subscription.followUp.query).toBe(
      [
        'query LiveUpdate($__liveKey: ID!, $withItems: Boolean!) {',
        '  e1: order(id: $__liveKey) {',
        '    ...Lines',
        '    status',
        '  }',
        '}',
        '',
        'fragment Lines on Order {',
        '  items @include(if: $withItems) {',
        '    quantity',
        '  }',
        '}',
      ].join('\n'),
    );
    expect(subscription.followUp.variables).toEqual({ withItems: true });
  });

  it('refuses what the HTTP path refuses, with the same codes', () => {
    const codes = (query: string, identity?: Identity) => {
      const result = prepare(query, {}, identity);
      return result.kind === 'refused' ? result.errors.map((error) => error.extensions.code) : result.kind;
    };
    expect(codes('subscription { myOrderUpdates { nope } }')).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(codes('subscription { myOrderUpdates {')).toEqual(['GRAPHQL_PARSE_FAILED']);
    expect(codes('subscription { stockChanged { cursor } }')).toEqual(['FORBIDDEN']);
    expect(codes('subscription { myOrderUpdates { cursor } }', { kind: 'anonymous' })).toEqual(['UNAUTHENTICATED']);
    const aliases = Array.from({ length: 21 }, (_, index) => `c${index}: cursor`).join(' ');
    expect(codes(`subscription { myOrderUpdates { ${aliases} } }`)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(codes('query { products(first: 1) { totalCount } }')).toBe('single');
  });
});

describe('an update for one subscriber', () => {
  const subscription = prepared('subscription { myOrderUpdates { cursor at __typename order { id state: status } } }');

  it("puts the event's own fields over what was fetched, under the client's aliases", () => {
    const payload = assembleUpdate(subscription, orderUpdate, '1-0', {
      data: { e3: { id: orderUpdate.key, state: 'CONFIRMED' } },
    });
    expect(payload).toEqual({
      data: {
        myOrderUpdates: {
          cursor: '1-0',
          at: orderUpdate.occurredAt,
          __typename: 'OrderUpdate',
          order: { id: orderUpdate.key, state: 'AWAITING_PAYMENT' },
        },
      },
    });
  });

  it('is hidden when the subscriber may not see the entity, and carries the error when the entity could not be fetched', () => {
    const notFound = {
      data: { e3: null },
      errors: [{ message: 'No order', path: ['e3'], extensions: { code: 'NOT_FOUND' } }],
    };
    expect(assembleUpdate(subscription, orderUpdate, '1-0', notFound)).toBeUndefined();

    const down = {
      data: { e3: null },
      errors: [{ message: 'orders is down', path: ['e3', 'id'], extensions: { code: 'SUBGRAPH_UNAVAILABLE' } }],
    };
    expect(assembleUpdate(subscription, orderUpdate, '1-0', down)).toEqual({
      data: null,
      errors: [
        {
          message: 'orders is down',
          path: ['myOrderUpdates', 'order', 'id'],
          extensions: { code: 'SUBGRAPH_UNAVAILABLE' },
        },
      ],
    });

    const refused = { errors: [{ message: 'Too complex', extensions: { code: 'QUERY_TOO_COMPLEX' } }] };
    expect(assembleUpdate(subscription, orderUpdate, '1-0', refused)).toEqual({
      data: null,
      errors: [{ message: 'Too complex', extensions: { code: 'QUERY_TOO_COMPLEX' } }],
    });
  });
});
