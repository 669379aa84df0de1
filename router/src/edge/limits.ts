import type { ApolloServerPlugin } from '@apollo/server';
import { DEFAULT_PAGE_SIZE, requestError } from '@commerce/service-kit';
import {
  type DocumentNode,
  type FragmentDefinitionNode,
  GraphQLError,
  type GraphQLSchema,
  Kind,
  type OperationDefinitionNode,
  parse,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';

export type OperationLimits = {
  maxDepth: number;
  maxAliases: number;
  maxCost: number;
  /** Selections (fields, fragments spread) in an operation with its fragments expanded, aliased or not. */
  maxFields: number;
  /** Times one response name may be selected in one selection set, fragments included. */
  maxFieldRepeats: number;
};
export type OperationMeasure = { depth: number; aliases: number; cost: number; fields: number; repeats: number };

/** Fields walked per operation at most: past this a document (fragment bombs) is refused unmeasured. */
const MAX_FIELDS_WALKED = 20_000;

// The schema comes from the gateway, which may hold another copy of `graphql` than this module
// (CommonJS beside ESM): graphql's `isListType`-style checks would refuse its types, so types are
// read by shape here.
type SchemaType = { ofType?: SchemaType; toString(): string; getFields?: () => Record<string, SchemaField> };
type SchemaField = { type: SchemaType; args: readonly { name: string }[] };

const namedType = (type: SchemaType): SchemaType => (type.ofType ? namedType(type.ofType) : type);
/** `[T]`, `[T]!`, `[T!]!`: a list once an outer non-null is taken off. */
const isList = (type: SchemaType): boolean => String(type).replace(/!$/, '').startsWith('[');

/**
 * How deep, how aliased and how costly one operation is, on the supergraph's API schema.
 *
 * Cost: every field costs 1; the selection under a list field costs as many times over as the list
 * holds at most: its `first` argument, else the default page size. A connection field taking `first`
 * (`products(first: 50)`) passes that size down to its list fields (`edges`), which are the page.
 * Introspection (`__schema`, `__type`) is answered from the router's memory and costs nothing; its
 * type-wrapper chain (`ofType { ofType { … } }`) does not count towards depth, so the standard
 * introspection query of a playground passes (graphql's own validation already refuses deeply
 * nested introspection such as `fields { type { fields … } } }`).
 */
export function measureOperation(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Record<string, unknown> = {},
): OperationMeasure {
  let depth = 0;
  let aliases = 0;
  let walked = 0;
  let repeats = 0;
  // A variable the request leaves out takes the operation's default: `($f: Int = 100)` costs 100.
  const defaults = Object.fromEntries(
    (operation.variableDefinitions ?? []).map((definition) => [
      definition.variable.name.value,
      definition.defaultValue,
    ]),
  );

  const argument = (node: { arguments?: readonly { name: { value: string }; value: ValueNode }[] }, name: string) => {
    const value = node.arguments?.find((arg) => arg.name.value === name)?.value;
    if (!value) return undefined;
    if (value.kind === Kind.INT) return Number(value.value);
    if (value.kind === Kind.VARIABLE) {
      const name = value.name.value;
      const given = variables[name];
      if (given === undefined) return defaults[name]?.kind === Kind.INT ? Number(defaults[name].value) : undefined;
      return typeof given === 'number' ? given : undefined;
    }
    return undefined;
  };

  const typeNamed = (name: string) => schema.getType(name) as SchemaType | undefined;
  const fieldOf = (parent: SchemaType | undefined, name: string): SchemaField | undefined => {
    if (name === '__schema') return { type: typeNamed('__Schema')!, args: [] };
    if (name === '__type') return { type: typeNamed('__Type')!, args: [{ name: 'name' }] };
    return parent?.getFields?.()[name];
  };

  // Fragments being expanded on the current path: a cycle (invalid, refused by validation later)
  // is not followed.
  const expanding = new Set<string>();

  // Returns the cost of the selection set; `pageSize` is the size of the page its list fields hold.
  // `siblings` counts response names in the selection set as merged with its fragments: graphql's
  // validation compares every pair of same-named fields there, so many repeats cost it quadratic time.
  const walk = (
    selectionSet: SelectionSetNode,
    parent: SchemaType | undefined,
    level: number,
    pageSize: number | undefined,
    introspection: boolean,
    siblings = new Map<string, number>(),
  ): number => {
    let cost = 0;
    for (const selection of selectionSet.selections) {
      if (++walked > MAX_FIELDS_WALKED) return Number.POSITIVE_INFINITY;
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? typeNamed(selection.typeCondition.name.value) : parent;
        cost += walk(selection.selectionSet, type, level, pageSize, introspection, siblings);
        continue;
      }
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = fragments[selection.name.value];
        if (!fragment || expanding.has(fragment.name.value)) continue;
        const type = typeNamed(fragment.typeCondition.name.value);
        expanding.add(fragment.name.value);
        cost += walk(fragment.selectionSet, type, level, pageSize, introspection, siblings);
        expanding.delete(fragment.name.value);
        continue;
      }
      if (selection.alias) aliases += 1;
      const name = selection.name.value;
      const responseName = selection.alias?.value ?? name;
      const seen = (siblings.get(responseName) ?? 0) + 1;
      siblings.set(responseName, seen);
      repeats = Math.max(repeats, seen);
      if (name === '__typename') continue;
      const inIntrospection = introspection || name.startsWith('__');
      const fieldLevel = inIntrospection && name === 'ofType' ? level : level + 1;
      depth = Math.max(depth, fieldLevel);
      const field = fieldOf(parent, name);
      if (!selection.selectionSet || !field) {
        cost += inIntrospection ? 0 : 1;
        continue;
      }
      const takesFirst = field.args.some((arg) => arg.name === 'first');
      const first = takesFirst ? argument(selection, 'first') : undefined;
      const size = (value: number | undefined) => Math.max(0, value ?? DEFAULT_PAGE_SIZE);
      const list = isList(field.type);
      const times = list ? size(first ?? pageSize) : 1;
      const childPage = !list && takesFirst ? size(first) : undefined;
      const inner = walk(selection.selectionSet, namedType(field.type), fieldLevel, childPage, inIntrospection);
      cost += inIntrospection ? 0 : 1 + times * inner;
    }
    return cost;
  };

  const root = (schema.getRootType(operation.operation) ?? undefined) as SchemaType | undefined;
  const cost = walk(operation.selectionSet, root, 0, undefined, false);
  const fields = walked > MAX_FIELDS_WALKED ? Number.POSITIVE_INFINITY : walked;
  return { depth, aliases, cost, fields, repeats };
}

/** The first limit a measured operation breaks, as the error the client gets. */
export function limitExceeded(measure: OperationMeasure, limits: OperationLimits) {
  const refuse = (limit: string, actual: number, maximum: number, message: string) =>
    requestError('QUERY_TOO_COMPLEX', message, {
      details: { limit, maximum, ...(Number.isFinite(actual) ? { actual } : {}) },
    });
  if (measure.fields > limits.maxFields) {
    const fields = Number.isFinite(measure.fields) ? String(measure.fields) : 'too many to count';
    return refuse(
      'fields',
      measure.fields,
      limits.maxFields,
      `The query selects ${fields} fields; the limit is ${limits.maxFields}. Split it into several requests.`,
    );
  }
  if (measure.repeats > limits.maxFieldRepeats) {
    return refuse(
      'repeats',
      measure.repeats,
      limits.maxFieldRepeats,
      `The query selects one field ${measure.repeats} times in the same place; the limit is ${limits.maxFieldRepeats}. Ask for it once.`,
    );
  }
  if (measure.depth > limits.maxDepth) {
    return refuse(
      'depth',
      measure.depth,
      limits.maxDepth,
      `The query is ${measure.depth} levels deep; the limit is ${limits.maxDepth}. Ask for less nesting.`,
    );
  }
  if (measure.aliases > limits.maxAliases) {
    return refuse(
      'aliases',
      measure.aliases,
      limits.maxAliases,
      `The query uses ${measure.aliases} aliases; the limit is ${limits.maxAliases}. Split it into several requests.`,
    );
  }
  if (measure.cost > limits.maxCost) {
    const cost = Number.isFinite(measure.cost) ? String(measure.cost) : 'too large to measure';
    return refuse(
      'cost',
      measure.cost,
      limits.maxCost,
      `The query's cost is ${cost}; the limit is ${limits.maxCost}. Ask for smaller pages (\`first\`) or fewer fields.`,
    );
  }
  return undefined;
}

export type DocumentLimits = OperationLimits & { maxTokens: number };

// graphql 16 writes "Document contains more that N tokens"; a later version may fix the spelling.
const TOO_MANY_TOKENS = /Document contains more (?:than|that) \d+ tokens/;

/** A document's fragments by name. */
export function fragmentsOf(document: DocumentNode): Record<string, FragmentDefinitionNode> {
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
  }
  return fragments;
}

/** How many screened documents (with their variables) keep their verdict; the oldest go first. */
const SCREENED_LIMIT = 1000;
/** Longer documents are screened every time rather than kept. */
const SCREENED_MAX_LENGTH = 16_384;

/** The variables as a key: most operations send none, or a few scalars. */
const variablesKey = (variables: Record<string, unknown>) =>
  Object.keys(variables).length === 0 ? '' : JSON.stringify(variables);

/**
 * The operation limits, applied twice:
 * - `screen`, on a query as it arrives over HTTP, before Apollo parses and validates it. graphql's
 *   validation is quadratic in fields selected under one name (OverlappingFieldsCanBeMergedRule):
 *   a 33 KB document held the event loop for seconds. The screen parses with a token limit (linear,
 *   and it stops at the limit) and measures every operation of the unvalidated document; that walk
 *   is linear and bounded by MAX_FIELDS_WALKED.
 * - `plugin`, once Apollo has resolved the operation, for documents the screen did not see (an APQ
 *   hash, a `documentId`). It also refuses a request whose operation cannot be chosen.
 * Either refuses with 400 QUERY_TOO_COMPLEX before the gateway plans anything.
 */
export function createOperationLimits(limits: DocumentLimits) {
  let schema: GraphQLSchema | undefined;
  // The verdict depends on the document, its variables and the schema only: a client sending the
  // same query again (the usual case) is not parsed and measured again. Null: let through.
  const screened = new Map<string, GraphQLError | null>();
  const measured = new WeakMap<OperationDefinitionNode, Map<string, GraphQLError | null>>();

  const screen = (query: string, variables: Record<string, unknown>): GraphQLError | undefined => {
    if (query.length > SCREENED_MAX_LENGTH) return screenAnew(query, variables);
    const key = `${variablesKey(variables)}\u0000${query}`;
    const known = screened.get(key);
    if (known !== undefined) return known ?? undefined;
    const verdict = screenAnew(query, variables);
    if (screened.size >= SCREENED_LIMIT) screened.delete(screened.keys().next().value!);
    screened.set(key, verdict ?? null);
    return verdict;
  };

  const screenAnew = (query: string, variables: Record<string, unknown>): GraphQLError | undefined => {
    let document: DocumentNode;
    try {
      document = parse(query, { maxTokens: limits.maxTokens, noLocation: true });
    } catch (error) {
      if (error instanceof GraphQLError && TOO_MANY_TOKENS.test(error.message)) {
        return requestError(
          'QUERY_TOO_COMPLEX',
          `The query is longer than ${limits.maxTokens} tokens. Split it into several requests.`,
          { details: { limit: 'tokens', maximum: limits.maxTokens } },
        );
      }
      return undefined; // a syntax error: Apollo answers it as GRAPHQL_PARSE_FAILED
    }
    if (!schema) return undefined;
    const fragments = fragmentsOf(document);
    for (const definition of document.definitions) {
      if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
      const error = limitExceeded(measureOperation(schema, definition, fragments, variables), limits);
      if (error) return error;
    }
    return undefined;
  };

  const plugin: ApolloServerPlugin = {
    async serverWillStart() {
      return {
        schemaDidLoadOrUpdate({ apiSchema }) {
          schema = apiSchema;
          screened.clear(); // costs are the new schema's (an operation's measures go with its parse)
        },
      };
    },
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operation, request, contextValue }) {
          // A subscription's follow-up was measured as the subscription itself (one alias more).
          if ((contextValue as { liveFollowUp?: true }).liveFollowUp) return;
          if (!operation) {
            // Left to Apollo, the gateway would fail on it: a 500 and a stack in the log.
            throw requestError(
              'BAD_REQUEST',
              request.operationName
                ? `The document has no operation named ${request.operationName}.`
                : 'The document holds several operations: name the one to run in `operationName`.',
            );
          }
          // Apollo keeps a parsed document per query and schema: its operation's verdict is kept with it.
          let verdicts = measured.get(operation);
          if (!verdicts) {
            verdicts = new Map();
            measured.set(operation, verdicts);
          }
          const key = variablesKey(request.variables ?? {});
          let error = verdicts.get(key);
          if (error === undefined) {
            const measure = measureOperation(schema, operation, fragmentsOf(document), request.variables ?? {});
            error = limitExceeded(measure, limits) ?? null;
            if (verdicts.size < SCREENED_LIMIT) verdicts.set(key, error);
          }
          if (error) throw error;
        },
      };
    },
  };

  return { screen, plugin, limits };
}
