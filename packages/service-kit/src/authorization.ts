import {
  type DirectiveNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLError,
  type GraphQLSchema,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  valueFromASTUntyped,
} from 'graphql';
import { requestError } from './errors.ts';
import type { Identity, Role } from './identity.ts';

/**
 * Authorisation is declared in each subgraph's schema.graphql with Federation's `@authenticated`
 * and `@requiresScopes`, and enforced from those declarations twice: by the router before it
 * plans (router/src/edge/authorization.ts) and by every subgraph on its own (startSubgraph), so a
 * request that skipped the router is refused alike. Both use the functions below.
 *
 * Scopes, derived from who is calling (`scopesOf`):
 * - `customer`: a signed-in customer;
 * - `staff`: a signed-in member of staff;
 * - `partner`: a partner calling with an API key.
 * `@authenticated` means "a signed-in user" (customer or staff). A partner is authenticated as a
 * company, not as a user of the shop: it may not use an `@authenticated` field (FORBIDDEN).
 */
export type Scope = 'customer' | 'staff' | 'partner';

export function scopesOf(identity: Identity): Scope[] {
  if (identity.kind === 'partner') return ['partner'];
  if (identity.kind === 'user') return identity.role === 'STAFF' ? ['staff'] : ['customer'];
  return [];
}

/** What one field asks of its caller. `anyOf`: the caller must hold every scope of one of the sets. */
export type FieldRequirement = { authenticated: boolean; anyOf: string[][] };
/** Keyed by field coordinate, `Type.field`. */
export type AuthorizationRequirements = ReadonlyMap<string, FieldRequirement>;

// A subgraph may use the directives under their imported names or federation's namespaced ones.
const AUTHENTICATED = new Set(['authenticated', 'federation__authenticated']);
const REQUIRES_SCOPES = new Set(['requiresScopes', 'federation__requiresScopes']);
const isGuard = (directive: DirectiveNode) =>
  AUTHENTICATED.has(directive.name.value) || REQUIRES_SCOPES.has(directive.name.value);

/**
 * Reads the field requirements from a schema document: a subgraph's schema.graphql or the composed
 * supergraph. Only fields are guarded here; a directive on a type is refused rather than ignored.
 */
export function readAuthorizationRequirements(document: DocumentNode): AuthorizationRequirements {
  const requirements = new Map<string, FieldRequirement>();
  for (const definition of document.definitions) {
    if ('directives' in definition && definition.directives?.some(isGuard) && 'name' in definition) {
      throw new Error(
        `${definition.name?.value}: put @authenticated / @requiresScopes on its fields; this project reads them on fields only.`,
      );
    }
    if (
      definition.kind !== Kind.OBJECT_TYPE_DEFINITION &&
      definition.kind !== Kind.OBJECT_TYPE_EXTENSION &&
      definition.kind !== Kind.INTERFACE_TYPE_DEFINITION &&
      definition.kind !== Kind.INTERFACE_TYPE_EXTENSION
    ) {
      continue;
    }
    for (const field of definition.fields ?? []) {
      const authenticated = field.directives?.some((directive) => AUTHENTICATED.has(directive.name.value)) ?? false;
      const anyOf = (field.directives ?? [])
        .filter((directive) => REQUIRES_SCOPES.has(directive.name.value))
        .flatMap((directive) => {
          const argument = directive.arguments?.find((candidate) => candidate.name.value === 'scopes');
          return argument ? (valueFromASTUntyped(argument.value) as string[][]) : [];
        });
      if (authenticated || anyOf.length > 0) {
        requirements.set(`${definition.name.value}.${field.name.value}`, { authenticated, anyOf });
      }
    }
  }
  return requirements;
}

export type Verdict = 'allowed' | 'UNAUTHENTICATED' | 'FORBIDDEN';

/** Whether this caller may use a field with this requirement. */
export function verdictFor(identity: Identity, requirement: FieldRequirement | undefined): Verdict {
  if (!requirement) return 'allowed';
  if (identity.kind === 'anonymous') return 'UNAUTHENTICATED';
  if (requirement.authenticated && identity.kind !== 'user') return 'FORBIDDEN';
  if (requirement.anyOf.length === 0) return 'allowed';
  const held = new Set<string>(scopesOf(identity));
  return requirement.anyOf.some((scopes) => scopes.every((scope) => held.has(scope))) ? 'allowed' : 'FORBIDDEN';
}

// The schema may come from another copy of `graphql` than this module (the gateway's and
// @apollo/subgraph's CommonJS beside this ESM): graphql's `isObjectType`-style checks would refuse
// its types, so they are read by shape here, as router/src/edge/limits.ts does.
type SchemaType = {
  name: string;
  ofType?: SchemaType;
  getFields?: () => Record<string, { type: SchemaType }>;
  /** A union's members. */
  getTypes?: () => readonly SchemaType[];
};
const namedType = (type: SchemaType): SchemaType => (type.ofType ? namedType(type.ofType) : type);
const typeNamed = (schema: GraphQLSchema, name: string) => schema.getType(name) as SchemaType | undefined;

/** The object types a field of an interface or union may resolve on; none for an object type. */
function possibleTypesOf(schema: GraphQLSchema, type: SchemaType): readonly SchemaType[] {
  if (type.getTypes) return type.getTypes();
  return schema.getImplementations(type as never).objects as unknown as readonly SchemaType[]; // none for an object
}

/** `needs`: the scope sets that would have allowed the refused fields, e.g. `staff`. */
export type Refusal = { code: 'UNAUTHENTICATED' | 'FORBIDDEN'; fields: string[]; needs: string[] };

/**
 * Walks the operation that will run (its fragments included) and returns the fields the caller
 * may not use, or null. A field of an interface or union counts for every type it may resolve to.
 */
export function refusedFields(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode | undefined,
  requirements: AuthorizationRequirements,
  identity: Identity,
): Refusal | null {
  if (!operation) return null; // nothing will run: Apollo refuses it before execution
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const refused = new Set<string>();
  const needs = new Set<string>();
  const walked = new Set<string>();

  const walk = (selectionSet: SelectionSetNode, parent: SchemaType) => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        if (name.startsWith('__')) continue; // __typename, introspection: not the schema's fields
        for (const type of [parent, ...possibleTypesOf(schema, parent)]) {
          const coordinate = `${type.name}.${name}`;
          const requirement = requirements.get(coordinate);
          if (verdictFor(identity, requirement) === 'allowed') continue;
          refused.add(coordinate);
          for (const scopes of requirement?.anyOf ?? []) needs.add(scopes.join(' and '));
        }
        const field = parent.getFields?.()[name];
        if (selection.selectionSet && field) walk(selection.selectionSet, namedType(field.type));
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? typeNamed(schema, selection.typeCondition.name.value) : parent;
        if (type) walk(selection.selectionSet, type);
      } else {
        const fragment = fragments.get(selection.name.value);
        if (!fragment || walked.has(fragment.name.value)) continue;
        walked.add(fragment.name.value);
        const type = typeNamed(schema, fragment.typeCondition.name.value);
        if (type) walk(fragment.selectionSet, type);
      }
    }
  };

  const root = schema.getRootType(operation.operation) as SchemaType | null | undefined;
  if (root) walk(operation.selectionSet, root);
  if (refused.size === 0) return null;
  return {
    code: identity.kind === 'anonymous' ? 'UNAUTHENTICATED' : 'FORBIDDEN',
    fields: [...refused].sort(),
    needs: [...needs].sort(),
  };
}

/**
 * The whole operation is refused when any field in it is (Apollo Router would null just those
 * fields; one clear refusal is simpler to act on). The error names the fields.
 */
export function authorizationError(refusal: Refusal, identity: Identity): GraphQLError {
  const fields = refusal.fields.join(', ');
  const message =
    refusal.code === 'UNAUTHENTICATED'
      ? `Sign in to use ${fields}.`
      : identity.kind === 'partner'
        ? `Partners may not use ${fields}; it is for signed-in users of the shop.`
        : `You may not use ${fields}: it needs the scope ${refusal.needs.join(' or ')} (you have ${scopesOf(identity).join(', ')}).`;
  return requestError(refusal.code, message, { details: { refusedFields: refusal.fields } });
}

export type SignedInUser = { userId: string; role: Role };

/** The user behind a request that a directive has already limited to signed-in users. */
export function signedInUser(identity: Identity): SignedInUser {
  if (identity.kind !== 'user') {
    // Only reachable if a resolver runs without its field's @authenticated / @requiresScopes.
    throw new Error('A field for signed-in users ran for a caller who is not one: its directive is missing.');
  }
  return { userId: identity.userId, role: identity.role };
}

export function isStaff(identity: Identity): boolean {
  return identity.kind === 'user' && identity.role === 'STAFF';
}

export function isPartner(identity: Identity): identity is { kind: 'partner'; partnerId: string } {
  return identity.kind === 'partner';
}
