import type { LiveUpdate } from '@commerce/events';
import {
  type AuthorizationRequirements,
  authorizationError,
  type Identity,
  refusedFields,
} from '@commerce/service-kit';
import type {
  DocumentNode,
  FieldNode,
  FragmentDefinitionNode,
  GraphQLError,
  GraphQLFormattedError,
  GraphQLObjectType,
  GraphQLSchema,
  OperationDefinitionNode,
  SelectionNode,
  SelectionSetNode,
  VariableDefinitionNode,
} from 'graphql';
import { type DocumentLimits, fragmentsOf, limitExceeded, measureOperation } from '../edge/limits.ts';
import { asLiveError, graphql, liveError } from './graphql.ts';
import { type EntityFetch, LIVE_FIELDS, type LiveField } from './live-fields.ts';

const { Kind } = graphql;

/** The variable of a follow-up query that takes the update's key. */
const KEY_VARIABLE = '__liveKey';

export type LiveRequest = {
  query: string;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
};

/** A query run against the gateway for each update, with the subscriber's rights. */
export type FollowUp = { query: string; variables: Record<string, unknown>; operationName: string };

type Part =
  | { kind: 'typename'; responseKey: string; typename: string }
  | { kind: 'cursor' | 'at' | 'key'; responseKey: string }
  | { kind: 'entity'; responseKey: string; alias: string; fetch: EntityFetch; overlay: Map<string, string> };

/** A subscription the router can serve: what to listen for and how to answer each update. */
export type PreparedSubscription = {
  field: LiveField;
  fieldName: string;
  args: Record<string, unknown>;
  /** The root field's response key (its alias, or its name). */
  responseKey: string;
  parts: Part[];
  /** The follow-up for every entity field of the update, in one query (empty when only cursors are asked), without the key. */
  followUp: FollowUp;
  /** Identifies the follow-up (query and variables) among subscribers: shared when equal with equal rights. */
  followUpKey: string;
};

/** A checked operation, with the document parsed once (graphql-ws is handed it as it is). */
export type Prepared =
  | { kind: 'subscription'; document: DocumentNode; subscription: PreparedSubscription }
  | { kind: 'single'; document: DocumentNode; operation: OperationDefinitionNode }
  | { kind: 'refused'; errors: GraphQLError[] };

const refused = (...errors: GraphQLError[]): Prepared => ({ kind: 'refused', errors });

type Collected = Map<string, FieldNode[]>;

/** The fields a selection set selects on one object type, by response key, with fragments and @skip/@include applied. */
function collectFields(
  selectionSet: SelectionSetNode,
  typename: string,
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
  into: Collected = new Map(),
  visited = new Set<string>(),
): Collected {
  for (const selection of selectionSet.selections) {
    if (!included(selection, variables)) continue;
    if (selection.kind === Kind.FIELD) {
      const key = selection.alias?.value ?? selection.name.value;
      into.set(key, [...(into.get(key) ?? []), selection]);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      if (selection.typeCondition && selection.typeCondition.name.value !== typename) continue;
      collectFields(selection.selectionSet, typename, fragments, variables, into, visited);
    } else {
      const name = selection.name.value;
      const fragment = fragments[name];
      if (!fragment || visited.has(name) || fragment.typeCondition.name.value !== typename) continue;
      visited.add(name);
      collectFields(fragment.selectionSet, typename, fragments, variables, into, visited);
    }
  }
  return into;
}

function included(selection: SelectionNode, variables: Record<string, unknown>): boolean {
  const skip = graphql.getDirectiveValues(graphql.GraphQLSkipDirective, selection, variables);
  if (skip?.if === true) return false;
  const include = graphql.getDirectiveValues(graphql.GraphQLIncludeDirective, selection, variables);
  return include?.if !== false;
}

/** The variables and fragments a selection uses, fragments' own uses included. */
function usesOf(selections: readonly SelectionNode[], fragments: Record<string, FragmentDefinitionNode>) {
  const variables = new Set<string>();
  const used = new Set<string>();
  const visit = (node: unknown) =>
    graphql.visit(node as SelectionNode, {
      Variable: (variable) => {
        variables.add(variable.name.value);
      },
      FragmentSpread: (spread) => {
        const name = spread.name.value;
        if (used.has(name) || !fragments[name]) return;
        used.add(name);
        visit(fragments[name]);
      },
    });
  for (const selection of selections) visit(selection);
  return { variables, fragments: [...used].map((name) => fragments[name]!) };
}

const field = (
  name: string,
  options: { alias?: string; selections?: readonly SelectionNode[]; keyArgument?: string } = {},
): FieldNode => ({
  kind: Kind.FIELD,
  name: { kind: Kind.NAME, value: name },
  ...(options.alias ? { alias: { kind: Kind.NAME, value: options.alias } } : {}),
  arguments: options.keyArgument
    ? [
        {
          kind: Kind.ARGUMENT,
          name: { kind: Kind.NAME, value: options.keyArgument },
          value: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: KEY_VARIABLE } },
        },
      ]
    : [],
  ...(options.selections ? { selectionSet: { kind: Kind.SELECTION_SET, selections: options.selections } } : {}),
});

/** The entity's own leaf fields a selection asks for, by response key: where a snapshot may go. */
function leafFields(
  nodes: FieldNode[],
  typename: string,
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
): Map<string, string> {
  const leaves = new Map<string, string>();
  for (const node of nodes) {
    if (!node.selectionSet) continue;
    for (const [key, selected] of collectFields(node.selectionSet, typename, fragments, variables)) {
      const first = selected[0]!;
      if (!first.selectionSet) leaves.set(key, first.name.value);
    }
  }
  return leaves;
}

type SchemaField = { type: { toString(): string }; args: readonly unknown[] };
const namedTypeName = (type: { toString(): string }) => String(type).replace(/[[\]!]/g, '');

/**
 * Checks a subscription as the HTTP path checks a query (limits, validation against the supergraph's
 * API schema, authorisation) and works out how to answer it. Queries and mutations sent over the
 * socket are left to Apollo (`single`), which applies the same checks.
 */
export function prepareOperation(
  request: LiveRequest,
  context: {
    schema: GraphQLSchema;
    limits: DocumentLimits;
    requirements: AuthorizationRequirements;
    identity: Identity;
  },
): Prepared {
  const { schema, limits, identity } = context;
  let document: DocumentNode;
  try {
    document = graphql.parse(request.query, { maxTokens: limits.maxTokens });
  } catch (error) {
    const message = (error as Error).message;
    return /tokens/.test(message)
      ? refused(
          liveError(
            'QUERY_TOO_COMPLEX',
            `The query is longer than ${limits.maxTokens} tokens. Split it into several requests.`,
          ),
        )
      : refused(liveError('GRAPHQL_PARSE_FAILED', message));
  }
  const operation = graphql.getOperationAST(document, request.operationName ?? undefined);
  if (!operation) {
    return refused(
      liveError(
        'BAD_REQUEST',
        request.operationName
          ? `The document has no operation named ${request.operationName}.`
          : 'The document holds several operations: name the one to run in `operationName`.',
      ),
    );
  }
  if (operation.operation !== 'subscription') return { kind: 'single', document, operation };

  const fragments = fragmentsOf(document);
  const rawVariables = request.variables ?? {};
  // Measured before validation, which is quadratic in repeated fields (router/src/edge/limits.ts).
  const tooComplex = limitExceeded(measureOperation(schema, operation, fragments, rawVariables), limits);
  if (tooComplex) return refused(asLiveError(tooComplex));
  const invalid = graphql.validate(schema, document);
  if (invalid.length > 0) {
    return refused(
      ...invalid.map(
        (error) =>
          new graphql.GraphQLError(error.message, {
            nodes: error.nodes,
            extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
          }),
      ),
    );
  }
  const refusal = refusedFields(schema, document, operation, context.requirements, identity);
  if (refusal) return refused(asLiveError(authorizationError(refusal, identity)));

  const coerced = graphql.getVariableValues(schema, operation.variableDefinitions ?? [], rawVariables);
  if (coerced.errors) {
    return refused(...coerced.errors.map((error) => liveError('BAD_USER_INPUT', error.message)));
  }
  const variables = coerced.coerced;
  const subscriptionType = schema.getSubscriptionType() as GraphQLObjectType;
  const roots = collectFields(operation.selectionSet, subscriptionType.name, fragments, variables);
  const [responseKey, rootNodes] = [...roots][0] ?? [];
  const rootNode = rootNodes?.[0];
  if (!responseKey || !rootNode) return refused(liveError('BAD_REQUEST', 'The subscription selects no field.'));
  const fieldName = rootNode.name.value;
  const live = LIVE_FIELDS[fieldName];
  if (!live) {
    return refused(liveError('BAD_REQUEST', `The router does not serve the subscription field ${fieldName}.`));
  }
  const definition = subscriptionType.getFields()[fieldName]!;
  const args = graphql.getArgumentValues(definition, rootNode, variables);
  const updateTypename = namedTypeName((definition as unknown as SchemaField).type);
  const updateType = schema.getType(updateTypename) as GraphQLObjectType;

  const parts: Part[] = [];
  const followUpSelections: FieldNode[] = [];
  const rootSelectionSet: SelectionSetNode = {
    kind: Kind.SELECTION_SET,
    selections: rootNodes.flatMap((node) => node.selectionSet?.selections ?? []),
  };
  for (const [key, nodes] of collectFields(rootSelectionSet, updateTypename, fragments, variables)) {
    const name = nodes[0]!.name.value;
    if (name === '__typename') {
      parts.push({ kind: 'typename', responseKey: key, typename: updateTypename });
    } else if (name === 'cursor' || name === 'at') {
      parts.push({ kind: name, responseKey: key });
    } else if (name === live.keyField) {
      parts.push({ kind: 'key', responseKey: key });
    } else {
      const fetch = live.entities[name];
      if (!fetch) return refused(liveError('BAD_REQUEST', `The router cannot fill ${updateTypename}.${name}.`));
      const alias = `e${parts.length}`;
      const selections = nodes.flatMap((node) => node.selectionSet?.selections ?? []);
      const entityTypename = namedTypeName((updateType.getFields()[name] as unknown as SchemaField).type);
      const overlay = fetch.snapshot
        ? leafFields(nodes, entityTypename, fragments, variables)
        : new Map<string, string>();
      parts.push({ kind: 'entity', responseKey: key, alias, fetch, overlay });
      const inner = fetch.inner ? [field(fetch.inner, { selections })] : selections;
      followUpSelections.push(field(fetch.root, { alias, keyArgument: fetch.argument, selections: inner }));
    }
  }
  const followUp = followUpQuery(followUpSelections, operation, fragments, rawVariables);
  return {
    kind: 'subscription',
    document,
    subscription: {
      field: live,
      fieldName,
      args,
      responseKey,
      parts,
      followUp,
      followUpKey: `${followUp.query}\n${JSON.stringify(followUp.variables)}`,
    },
  };
}

/** `$__liveKey: ID!`, the variable every follow-up takes the update's key in. */
const KEY_DEFINITION: VariableDefinitionNode = {
  kind: Kind.VARIABLE_DEFINITION,
  variable: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: KEY_VARIABLE } },
  type: { kind: Kind.NON_NULL_TYPE, type: { kind: Kind.NAMED_TYPE, name: { kind: Kind.NAME, value: 'ID' } } },
};

/** `query <name>($__liveKey: ID!, …variables) { …selections }` and its fragments, printed. */
function printQuery(
  name: string,
  variables: readonly VariableDefinitionNode[],
  selections: readonly SelectionNode[],
  fragments: readonly FragmentDefinitionNode[] = [],
): string {
  return graphql.print({
    kind: Kind.DOCUMENT,
    definitions: [
      {
        kind: Kind.OPERATION_DEFINITION,
        operation: graphql.OperationTypeNode.QUERY,
        name: { kind: Kind.NAME, value: name },
        variableDefinitions: [KEY_DEFINITION, ...variables],
        selectionSet: { kind: Kind.SELECTION_SET, selections },
      },
      ...fragments,
    ],
  });
}

/** `query LiveUpdate($__liveKey: ID!, …the variables it uses) { e0: order(id: $__liveKey) { … } }` and its fragments. */
function followUpQuery(
  selections: FieldNode[],
  operation: OperationDefinitionNode,
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
): FollowUp {
  const operationName = 'LiveUpdate';
  if (selections.length === 0) return { query: '', variables: {}, operationName };
  const uses = usesOf(selections, fragments);
  const definitions = (operation.variableDefinitions ?? []).filter((definition) =>
    uses.variables.has(definition.variable.name.value),
  );
  const used = Object.fromEntries(Object.entries(variables).filter(([name]) => uses.variables.has(name)));
  return { query: printQuery(operationName, definitions, selections, uses.fragments), variables: used, operationName };
}

/** A follow-up's answer, as Apollo gives it. */
export type FollowUpResult = { data?: Record<string, unknown> | null; errors?: readonly GraphQLFormattedError[] };

/** What a subscriber is sent for one update: `next`'s payload, or nothing when the update is not theirs to see. */
export type UpdatePayload = { data: Record<string, unknown> | null; errors?: GraphQLFormattedError[] };

const HIDDEN = new Set(['NOT_FOUND', 'FORBIDDEN', 'UNAUTHENTICATED']);

/**
 * The update for one subscriber, from the follow-up's answer: the update's own fields, each entity
 * as fetched with the snapshot over it, errors' paths moved under the subscription's field. An
 * entity the subscriber may not see (NOT_FOUND, FORBIDDEN) hides the update altogether.
 */
export function assembleUpdate(
  prepared: PreparedSubscription,
  update: LiveUpdate,
  cursor: string,
  result: FollowUpResult | undefined,
): UpdatePayload | undefined {
  const value: Record<string, unknown> = {};
  const errors: GraphQLFormattedError[] = [];
  let missing = false;
  for (const part of prepared.parts) {
    switch (part.kind) {
      case 'typename':
        value[part.responseKey] = part.typename;
        break;
      case 'cursor':
        value[part.responseKey] = cursor;
        break;
      case 'at':
        value[part.responseKey] = update.occurredAt;
        break;
      case 'key':
        value[part.responseKey] = update.key;
        break;
      case 'entity': {
        const fetched = result?.data?.[part.alias] as Record<string, unknown> | null | undefined;
        const entity = (part.fetch.inner ? (fetched?.[part.fetch.inner] as typeof fetched) : fetched) ?? null;
        const own = (result?.errors ?? []).filter((error) => error.path?.[0] === part.alias);
        if (entity === null && own.some((error) => HIDDEN.has(String(error.extensions?.code)))) return undefined;
        if (entity === null) missing = true;
        const overlaid = entity ? { ...entity } : null;
        if (overlaid) {
          for (const [key, name] of part.overlay) {
            if (Object.hasOwn(update.snapshot, name)) overlaid[key] = update.snapshot[name];
          }
        }
        value[part.responseKey] = overlaid;
        for (const error of own) {
          const rest = (error.path ?? []).slice(part.fetch.inner ? 2 : 1);
          errors.push({ ...error, path: [prepared.responseKey, part.responseKey, ...rest] });
        }
        break;
      }
    }
  }
  const aliases = new Set(prepared.parts.flatMap((part) => (part.kind === 'entity' ? [part.alias] : [])));
  for (const error of result?.errors ?? []) {
    if (!aliases.has(error.path?.[0] as string)) errors.push({ message: error.message, extensions: error.extensions });
  }
  // Every entity field is non-null in the schema: one that could not be fetched nulls the update.
  const data = missing ? null : { [prepared.responseKey]: value };
  return errors.length > 0 ? { data, errors } : { data };
}

/** The visibility check of `mustSee`: the entity by the subscription's argument, with nothing else. */
export function visibilityQuery(fetch: EntityFetch, key: string): FollowUp {
  const selection = field(fetch.root, { alias: 'e0', keyArgument: fetch.argument, selections: [field('__typename')] });
  const operationName = 'LiveVisibility';
  return { operationName, query: printQuery(operationName, [], [selection]), variables: { [KEY_VARIABLE]: key } };
}

/** A follow-up's variables for one update: the selection's own and the update's key. */
export const followUpVariables = (followUp: FollowUp, key: string) => ({ ...followUp.variables, [KEY_VARIABLE]: key });
