import type { ApolloServerPlugin } from '@apollo/server';
import { DEFAULT_PAGE_SIZE, requestError } from '@commerce/service-kit';
import {
  type FragmentDefinitionNode,
  type GraphQLSchema,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';

export type OperationLimits = { maxDepth: number; maxAliases: number; maxCost: number };
export type OperationMeasure = { depth: number; aliases: number; cost: number };

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

  const argument = (node: { arguments?: readonly { name: { value: string }; value: ValueNode }[] }, name: string) => {
    const value = node.arguments?.find((arg) => arg.name.value === name)?.value;
    if (!value) return undefined;
    if (value.kind === Kind.INT) return Number(value.value);
    if (value.kind === Kind.VARIABLE) {
      const given = variables[value.name.value];
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

  // Returns the cost of the selection set; `pageSize` is the size of the page its list fields hold.
  const walk = (
    selectionSet: SelectionSetNode,
    parent: SchemaType | undefined,
    level: number,
    pageSize: number | undefined,
    introspection: boolean,
  ): number => {
    let cost = 0;
    for (const selection of selectionSet.selections) {
      if (++walked > MAX_FIELDS_WALKED) return Number.POSITIVE_INFINITY;
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? typeNamed(selection.typeCondition.name.value) : parent;
        cost += walk(selection.selectionSet, type, level, pageSize, introspection);
        continue;
      }
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = fragments[selection.name.value];
        if (!fragment) continue;
        const type = typeNamed(fragment.typeCondition.name.value);
        cost += walk(fragment.selectionSet, type, level, pageSize, introspection);
        continue;
      }
      if (selection.alias) aliases += 1;
      const name = selection.name.value;
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
  return { depth, aliases, cost };
}

/** The first limit a measured operation breaks, as the error the client gets. */
export function limitExceeded(measure: OperationMeasure, limits: OperationLimits) {
  const refuse = (limit: string, actual: number, maximum: number, message: string) =>
    requestError('QUERY_TOO_COMPLEX', message, {
      details: { limit, maximum, ...(Number.isFinite(actual) ? { actual } : {}) },
    });
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

/**
 * Refuses (400 QUERY_TOO_COMPLEX) an operation over the depth, alias or cost limit once it has been
 * parsed and validated, before the gateway plans it or calls any subgraph.
 */
export function operationLimitsPlugin(limits: OperationLimits): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operation, request }) {
          const fragments: Record<string, FragmentDefinitionNode> = {};
          for (const definition of document.definitions) {
            if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
          }
          if (!operation) return; // Apollo refuses it itself: no operation by that name
          const measure = measureOperation(schema, operation, fragments, request.variables ?? {});
          const error = limitExceeded(measure, limits);
          if (error) throw error;
        },
      };
    },
  };
}
