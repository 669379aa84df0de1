import { buildSchema, type OperationDefinitionNode, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import {
  authorizationError,
  isPartner,
  isStaff,
  readAuthorizationRequirements,
  refusedFields,
  scopesOf,
  signedInUser,
  verdictFor,
} from './authorization.ts';
import { ANONYMOUS, type Identity } from './identity.ts';

const partner: Identity = { kind: 'partner', partnerId: '0b7c6a1e-4f7e-4d8a-9a51-2f4b9c3d1e20' };
const staff: Identity = { kind: 'user', userId: '7d0f9d4e-5a43-4a5e-9a52-3c1f2a7b9e10', role: 'STAFF' };
const customer: Identity = { kind: 'user', userId: '1c2d3e4f-5a43-4a5e-9a52-3c1f2a7b9e10', role: 'CUSTOMER' };

// The directives are declared here as a subgraph imports them; only their names and arguments matter.
const SDL = `
  directive @authenticated on FIELD_DEFINITION
  directive @requiresScopes(scopes: [[String!]!]!) on FIELD_DEFINITION
  interface Named { name: String! }
  type User implements Named { id: ID! name: String! orders: [Order!]! @authenticated }
  type Robot implements Named { name: String! secret: String @requiresScopes(scopes: [["staff"]]) }
  type Order { id: ID! note: String @requiresScopes(scopes: [["staff"], ["customer", "partner"]]) }
  union Thing = User | Robot
  type Query { me: User things: [Thing!]! named: [Named!]! }
  type Mutation { archive(id: ID!): Boolean @requiresScopes(scopes: [["staff"]]) }
`;
const schema = buildSchema(SDL);
const requirements = readAuthorizationRequirements(parse(SDL));

function check(query: string, identity: Identity) {
  const document = parse(query);
  const operation = document.definitions.find((d) => d.kind === 'OperationDefinition') as OperationDefinitionNode;
  return refusedFields(schema, document, operation, requirements, identity);
}

describe('scopes and verdicts', () => {
  it('each caller has one scope: customer, staff or partner; anonymous none', () => {
    expect(scopesOf(customer)).toEqual(['customer']);
    expect(scopesOf(staff)).toEqual(['staff']);
    expect(scopesOf(partner)).toEqual(['partner']);
    expect(scopesOf(ANONYMOUS)).toEqual([]);
  });

  it('@authenticated: users pass; anonymous must sign in; a partner is not a user (FORBIDDEN)', () => {
    const requirement = requirements.get('User.orders');
    expect(requirement).toEqual({ authenticated: true, anyOf: [] });
    expect(verdictFor(customer, requirement)).toBe('allowed');
    expect(verdictFor(staff, requirement)).toBe('allowed');
    expect(verdictFor(ANONYMOUS, requirement)).toBe('UNAUTHENTICATED');
    expect(verdictFor(partner, requirement)).toBe('FORBIDDEN');
  });

  it('@requiresScopes: one whole set of scopes is needed; an unguarded field is open', () => {
    const note = requirements.get('Order.note');
    expect(note?.anyOf).toEqual([['staff'], ['customer', 'partner']]);
    expect(verdictFor(staff, note)).toBe('allowed');
    expect(verdictFor(customer, note)).toBe('FORBIDDEN'); // has customer, lacks partner
    expect(verdictFor(partner, note)).toBe('FORBIDDEN');
    expect(verdictFor(ANONYMOUS, note)).toBe('UNAUTHENTICATED');
    expect(verdictFor(ANONYMOUS, requirements.get('Query.me'))).toBe('allowed');
  });

  it('reads guards on type extensions and interfaces, under imported or namespaced names; other directives are no guard', () => {
    const read = readAuthorizationRequirements(
      parse(`
        type Product @key(fields: "id") { id: ID! cost: Int @federation__requiresScopes(scopes: [["staff"]]) }
        extend type Query { basket: [ID!] @federation__authenticated }
        interface Owned { owner: ID @authenticated }
        extend interface Owned { audit: String @requiresScopes(scopes: [["staff"]]) }
        type Open { name: String @deprecated @tag(scopes: [["staff"]]) }
      `),
    );
    expect(Object.fromEntries(read)).toEqual({
      'Product.cost': { authenticated: false, anyOf: [['staff']] },
      'Query.basket': { authenticated: true, anyOf: [] },
      'Owned.owner': { authenticated: true, anyOf: [] },
      'Owned.audit': { authenticated: false, anyOf: [['staff']] },
    });
  });

  it('a directive on a type is refused, not silently ignored', () => {
    expect(() => readAuthorizationRequirements(parse('type Secret @authenticated { id: ID! }'))).toThrow(
      /on its fields/,
    );
  });
});

describe('walking an operation', () => {
  it('finds a guarded field behind a named fragment, an inline fragment and an alias', () => {
    expect(check('{ me { ...F } } fragment F on User { id orders { id } }', ANONYMOUS)).toEqual({
      code: 'UNAUTHENTICATED',
      fields: ['User.orders'],
      needs: [],
    });
    expect(check('{ things { ... on Robot { s: secret } } }', customer)).toEqual({
      code: 'FORBIDDEN',
      fields: ['Robot.secret'],
      needs: ['staff'],
    });
    expect(check('{ things { ... on Robot { secret } } }', staff)).toBeNull();
  });

  it('with no operation to run (an unknown operationName), nothing is refused here: Apollo refuses it', () => {
    const document = parse('mutation { archive(id: "1") }');
    expect(refusedFields(schema, document, undefined, requirements, ANONYMOUS)).toBeNull();
  });

  it('an inline fragment without a type condition is checked on the enclosing type', () => {
    expect(check('{ me { ... { orders { id } } } }', partner)?.fields).toEqual(['User.orders']);
  });

  it('a field asked through an interface counts for every type that may answer it', () => {
    const sdl = `
      directive @requiresScopes(scopes: [[String!]!]!) on FIELD_DEFINITION
      interface Priced { price: Int }
      type Gift implements Priced { price: Int }
      type Service implements Priced { price: Int @requiresScopes(scopes: [["staff"]]) }
      type Query { priced: [Priced!]! }
    `;
    const document = parse('{ priced { price } }');
    const operation = document.definitions[0] as OperationDefinitionNode;
    const guards = readAuthorizationRequirements(parse(sdl));
    expect(refusedFields(buildSchema(sdl), document, operation, guards, customer)).toEqual({
      code: 'FORBIDDEN',
      fields: ['Service.price'],
      needs: ['staff'],
    });
  });

  it('a fragment that spreads itself (refused by validation) is walked once, not forever', () => {
    expect(check('{ me { ...F } } fragment F on User { orders { id } ...F }', ANONYMOUS)?.fields).toEqual([
      'User.orders',
    ]);
  });

  it('checks only the operation that runs, and nothing for open fields', () => {
    expect(check('query Open { me { id name } } mutation Shut { archive(id: "1") }', ANONYMOUS)).toBeNull();
    expect(check('mutation { archive(id: "1") }', customer)?.fields).toEqual(['Mutation.archive']);
  });

  it('the error says who may and carries the HTTP status', () => {
    const forbidden = authorizationError(check('mutation { archive(id: "1") }', customer)!, customer);
    expect(forbidden.message).toBe('You may not use Mutation.archive: it needs the scope staff (you have customer).');
    expect(forbidden.extensions).toMatchObject({
      code: 'FORBIDDEN',
      refusedFields: ['Mutation.archive'],
      http: { status: 403 },
    });
    const eitherSet = authorizationError(check('{ me { orders { note } } }', customer)!, customer);
    expect(eitherSet.message).toBe(
      'You may not use Order.note: it needs the scope customer and partner or staff (you have customer).',
    );
    const several = check('{ things { ... on User { orders { note } } ... on Robot { secret } } }', partner)!;
    expect(several).toEqual({
      code: 'FORBIDDEN',
      fields: ['Order.note', 'Robot.secret', 'User.orders'],
      needs: ['customer and partner', 'staff'],
    });
    expect(authorizationError(several, partner).message).toBe(
      'Partners may not use Order.note, Robot.secret, User.orders; it is for signed-in users of the shop.',
    );
    const partnerRefused = authorizationError(check('{ me { orders { id } } }', partner)!, partner);
    expect(partnerRefused.message).toMatch(/^Partners may not use User.orders/);
    const anonymous = authorizationError(check('{ me { orders { id } } }', ANONYMOUS)!, ANONYMOUS);
    expect(anonymous.message).toBe('Sign in to use User.orders.');
    expect(anonymous.extensions).toMatchObject({ code: 'UNAUTHENTICATED', http: { status: 401 } });
  });
});

describe('helpers', () => {
  it('signedInUser names the user, and fails loudly (not as a client error) for anyone else', () => {
    expect(signedInUser(staff)).toEqual({ userId: (staff as { userId: string }).userId, role: 'STAFF' });
    expect(signedInUser(customer)).toEqual({ userId: (customer as { userId: string }).userId, role: 'CUSTOMER' });
    expect(() => signedInUser(partner)).toThrow(/directive is missing/);
    expect(() => signedInUser(ANONYMOUS)).toThrow(/directive is missing/);
  });

  it('isStaff: only a signed-in member of staff; isPartner: only a partner', () => {
    expect([staff, customer, partner, ANONYMOUS].map(isStaff)).toEqual([true, false, false, false]);
    expect([staff, customer, partner, ANONYMOUS].map(isPartner)).toEqual([false, false, true, false]);
  });
});
