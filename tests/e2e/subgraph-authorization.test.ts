import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Identity, readAuthorizationRequirements } from '@commerce/service-kit';
import {
  type DocumentNode,
  type FieldDefinitionNode,
  Kind,
  type ObjectTypeDefinitionNode,
  parse,
  type TypeNode,
} from 'graphql';
import { describe, expect, inject, it } from 'vitest';
import { stableId } from '../../prisma/seed/fixtures.ts';
import { UNITS, type Unit } from '../../scripts/lib/units.ts';
import { errorCodes } from '../support/graphql.ts';
import { callSubgraph } from '../support/subgraph-call.ts';

// Every subgraph enforces its own @authenticated / @requiresScopes: a request that reaches it
// without going through the router, with a validly signed identity, is refused exactly as the
// router would refuse it. Each guarded field of each unit's schema.graphql is called directly, in
// an operation built from the schema here (root fields as they are, other fields through
// `_entities`), so a unit whose enforcement is missing fails here even where the router would
// have stopped the request. Refused calls never reach a resolver, so their arguments are dummies.
const env = inject('env');
const ROOT = join(import.meta.dirname, '../..');

const anonymous: Identity = { kind: 'anonymous' };
const customer: Identity = { kind: 'user', userId: stableId('user', 'ada@example.com'), role: 'CUSTOMER' };
const partner: Identity = { kind: 'partner', partnerId: crypto.randomUUID() };

type Probe = { coordinate: string; customerRefused: boolean; query: string; variables: Record<string, unknown> };

function probesOf(unit: Unit): Probe[] {
  const document = parse(readFileSync(join(ROOT, 'subgraphs', unit, 'schema.graphql'), 'utf8'));
  const types = new Map<string, ObjectTypeDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.OBJECT_TYPE_DEFINITION) types.set(definition.name.value, definition);
  }
  return [...readAuthorizationRequirements(document)].map(([coordinate, requirement]) => {
    const [typeName, fieldName] = coordinate.split('.') as [string, string];
    const field = types.get(typeName)?.fields?.find((candidate) => candidate.name.value === fieldName);
    if (!field) throw new Error(`${unit}: ${coordinate} is guarded but not an object type's field`);
    const call = `${fieldName}${argumentsOf(document, field)}${selectionOf(document, field.type)}`;
    // A customer holds the `customer` scope only: refused where every set of scopes asks for more.
    const customerRefused =
      requirement.anyOf.length > 0 && !requirement.anyOf.some((set) => set.every((scope) => scope === 'customer'));
    // Subscription fields are served by the router, but a subgraph sent one directly refuses it alike.
    if (typeName === 'Query' || typeName === 'Mutation' || typeName === 'Subscription') {
      return { coordinate, customerRefused, query: `${typeName.toLowerCase()} { ${call} }`, variables: {} };
    }
    return {
      coordinate,
      customerRefused,
      query: `query($representations: [_Any!]!) { _entities(representations: $representations) { ... on ${typeName} { ${call} } } }`,
      variables: { representations: [{ __typename: typeName, id: crypto.randomUUID() }] },
    };
  });
}

const namedTypeOf = (type: TypeNode): string =>
  type.kind === Kind.NAMED_TYPE ? type.name.value : namedTypeOf(type.type);

/** Literal values for the field's required arguments, from their types. */
function argumentsOf(document: DocumentNode, field: FieldDefinitionNode): string {
  const required = (field.arguments ?? []).filter((argument) => argument.type.kind === Kind.NON_NULL_TYPE);
  if (required.length === 0) return '';
  return `(${required.map((argument) => `${argument.name.value}: ${literalOf(document, namedTypeOf(argument.type))}`).join(', ')})`;
}

function literalOf(document: DocumentNode, typeName: string): string {
  if (typeName === 'ID') return `"${crypto.randomUUID()}"`;
  if (typeName === 'Int') return '1';
  if (typeName === 'Boolean') return 'false';
  if (typeName === 'String') return '"authorisation probe"';
  const definition = document.definitions.find(
    (candidate) => 'name' in candidate && candidate.name?.value === typeName,
  );
  if (definition?.kind === Kind.ENUM_TYPE_DEFINITION) return definition.values![0]!.name.value;
  if (definition?.kind === Kind.INPUT_OBJECT_TYPE_DEFINITION) {
    const fields = (definition.fields ?? []).filter((input) => input.type.kind === Kind.NON_NULL_TYPE);
    return `{ ${fields.map((input) => `${input.name.value}: ${literalOf(document, namedTypeOf(input.type))}`).join(', ')} }`;
  }
  throw new Error(`No probe value for the argument type ${typeName}`);
}

function selectionOf(document: DocumentNode, type: TypeNode): string {
  const name = namedTypeOf(type);
  const definition = document.definitions.find((candidate) => 'name' in candidate && candidate.name?.value === name);
  const composite =
    definition?.kind === Kind.OBJECT_TYPE_DEFINITION || definition?.kind === Kind.INTERFACE_TYPE_DEFINITION;
  return composite ? ' { __typename }' : '';
}

const probes = UNITS.flatMap((unit) => probesOf(unit).map((probe) => ({ unit, ...probe })));

describe('each subgraph enforces its own authorisation directives on a direct call', () => {
  it('finds guarded fields in every unit that has any (the probes below are not empty)', () => {
    const units = new Set(probes.map((probe) => probe.unit));
    expect([...units].sort()).toEqual([
      'accounts',
      'catalog',
      'inventory',
      'notifications',
      'operations',
      'orders',
      'payments',
    ]);
  });

  it.each(probes)(
    '$unit $coordinate: anonymous UNAUTHENTICATED, partner FORBIDDEN, customer per scope',
    async ({ unit, coordinate, customerRefused, query, variables }) => {
      const asAnonymous = await callSubgraph(env, unit, anonymous, query, variables);
      expect(asAnonymous.status).toBe(401);
      expect(errorCodes(asAnonymous)).toEqual(['UNAUTHENTICATED']);
      expect(asAnonymous.body.errors?.[0]?.extensions?.refusedFields).toContain(coordinate);

      const asPartner = await callSubgraph(env, unit, partner, query, variables);
      expect(asPartner.status).toBe(403);
      expect(errorCodes(asPartner)).toEqual(['FORBIDDEN']);
      expect(asPartner.body.errors?.[0]?.extensions?.refusedFields).toContain(coordinate);

      const asCustomer = await callSubgraph(env, unit, customer, query, variables);
      const refusedByDirective = (asCustomer.body.errors ?? []).some((error) =>
        (error.extensions?.refusedFields as string[] | undefined)?.includes(coordinate),
      );
      expect(refusedByDirective).toBe(customerRefused);
      if (customerRefused) expect(asCustomer.status).toBe(403);
    },
  );
});

describe('payments decides on its own who sees a payment', () => {
  // Orders hides someone else's order, so through the router a payment is never asked for on a
  // foreign order; here payments is asked directly, as an entity reference, where nothing hides it.
  const adaOrder = stableId('order', 'ada-1'); // seeded with a captured payment
  const PAYMENT = `query($representations: [_Any!]!) {
    _entities(representations: $representations) { ... on Order { payment { id status amountCents } } }
  }`;
  const askFor = (identity: Identity) =>
    callSubgraph<{ _entities: Array<{ payment: { status: string } | null }> }>(env, 'payments', identity, PAYMENT, {
      representations: [{ __typename: 'Order', id: adaOrder }],
    });

  it("another customer gets no payment for Ada's order; Ada and staff see it", async () => {
    const grace: Identity = { kind: 'user', userId: stableId('user', 'grace@example.com'), role: 'CUSTOMER' };
    const staff: Identity = { kind: 'user', userId: stableId('user', 'staff@example.com'), role: 'STAFF' };

    const asGrace = await askFor(grace);
    expect(asGrace.body.errors).toBeUndefined();
    expect(asGrace.body.data?._entities).toEqual([{ payment: null }]);

    const asAda = await askFor(customer);
    expect(asAda.body.data?._entities[0]?.payment?.status).toBe('CAPTURED');
    const asStaff = await askFor(staff);
    expect(asStaff.body.data?._entities[0]?.payment?.status).toBe('CAPTURED');
  });
});
