import { createRequire } from 'node:module';
import {
  ERRORS,
  errorCodeDef,
  isCompositeType,
  isCustomScalarType,
  isEnumType,
  isListType,
  isNonNullType,
  isObjectType,
  isSubtype,
  type NamedType,
  type Operation,
  operationFromDocument,
  type Schema,
  type SelectionSet,
  type Type,
  Variable,
} from '@apollo/federation-internals';
import type { ApolloGateway, GraphQLDataSource } from '@apollo/gateway';
import { applyRewrites, isObjectOfType } from '@apollo/gateway/dist/dataRewrites.js';
import { GraphQLDataSourceRequestKind } from '@apollo/gateway/dist/datasources/types.js';
import {
  evaluateCondition,
  type FetchNode,
  type PlanNode,
  type QueryPlan,
  type QueryPlanSelectionNode,
} from '@apollo/query-planner';
import { type DocumentNode, type GraphQLError, type GraphQLSchema, Kind, type OperationDefinitionNode } from 'graphql';
import { getVariableValues } from 'graphql/execution/values.js';
import { mergeEntityFetches } from './plan-merging.ts';

/**
 * graphql's CommonJS build, whose GraphQLError @apollo/gateway and Apollo Server check errors
 * against: where a bundler resolves `graphql` to its .mjs build (vitest does), an error of that
 * other class would be re-wrapped and lose its path.
 */
const { GraphQLError: GraphQLErrorClass } = createRequire(import.meta.url)('graphql') as typeof import('graphql');

type GatewayExecutor = ApolloGateway['executor'];
type RequestContext = Parameters<GatewayExecutor>[0];
type ExecutionResult = Awaited<ReturnType<GatewayExecutor>>;
// biome-ignore lint/suspicious/noExplicitAny: response data is untyped JSON, as in the gateway
type Json = any;

/** What the gateway keeps privately and the executor reads: the same planner, schemas and subgraphs. */
type GatewayInternals = {
  apiSchema?: Schema;
  schema?: GraphQLSchema;
  supergraphSchema?: GraphQLSchema;
  queryPlanner?: { buildQueryPlan(operation: Operation, options: object): QueryPlan };
  serviceMap: Record<string, { dataSource: GraphQLDataSource }>;
  recursiveSelectionsLimitDisabled: boolean;
  nonLocalSelectionsLimitDisabled: boolean;
};

// ——— the response's shape, compiled once per operation ———

type Condition = boolean | string; // a literal, or the name of a Boolean variable
type Leaf = 'custom' | 'Boolean' | 'Int' | 'ID' | 'Float' | 'String' | Set<string>;
type TypeShape = {
  /** As the gateway prints it in messages: `[Product!]`, `String`. */
  display: string;
  nonNull?: TypeShape;
  list?: TypeShape;
  composite?: string;
  leaf?: Leaf;
};
type FieldShape = {
  kind: 'field';
  responseName: string;
  /** A name plain objects inherit (`constructor`, `toString`…): read as an own property only. */
  inherited: boolean;
  typename: boolean;
  type: TypeShape;
  selections: Shape[] | undefined;
  skip?: Condition;
  include?: Condition;
};
type FragmentShape = {
  kind: 'fragment';
  typeCondition: string | undefined;
  /** Whether the condition applies, by runtime type name (or parent type's, with no __typename). */
  applies: Map<string, boolean>;
  selections: Shape[];
  skip?: Condition;
  include?: Condition;
};
type Shape = FieldShape | FragmentShape;

function typeShape(type: Type): TypeShape {
  const display = type.toString();
  if (isNonNullType(type)) return { display, nonNull: typeShape(type.ofType) };
  if (isListType(type)) return { display, list: typeShape(type.ofType) };
  if (isCompositeType(type)) return { display, composite: type.name };
  if (isCustomScalarType(type)) return { display, leaf: 'custom' };
  if (isEnumType(type)) return { display, leaf: new Set(type.values.map((value) => value.name)) };
  return { display, leaf: type.name as Leaf };
}

/** Why an operation is left to the gateway's own executor. */
class Unsupported extends Error {}

function conditionsOf(element: { appliedDirectivesOf(name: string): Array<{ arguments(): Record<string, unknown> }> }) {
  const read = (name: string): Condition | undefined => {
    const directive = element.appliedDirectivesOf(name)[0];
    if (!directive) return undefined;
    const value = directive.arguments().if;
    return value instanceof Variable ? value.name : (value as boolean);
  };
  const skip = read('skip');
  const include = read('include');
  return { ...(skip === undefined ? {} : { skip }), ...(include === undefined ? {} : { include }) };
}

function compileSelections(selectionSet: SelectionSet): Shape[] {
  return selectionSet.selections().map((selection): Shape => {
    if (selection.kind === 'FieldSelection') {
      const field = selection.element;
      if (field.definition.isSchemaIntrospectionField()) throw new Unsupported('introspection');
      const responseName = field.responseName();
      // The response is written in plain objects (JSON.stringify is faster on them than on
      // prototype-less ones): an alias that would set an object's prototype is left to the gateway.
      if (responseName === '__proto__') throw new Unsupported('__proto__');
      return {
        kind: 'field',
        responseName,
        inherited: responseName in Object.prototype,
        typename: field.name === '__typename',
        type: typeShape(field.definition.type!),
        selections: selection.selectionSet ? compileSelections(selection.selectionSet) : undefined,
        ...conditionsOf(field),
      };
    }
    const fragment = selection.element;
    return {
      kind: 'fragment',
      typeCondition: fragment.typeCondition?.name,
      applies: new Map(),
      selections: compileSelections(selection.selectionSet),
      ...conditionsOf(fragment),
    };
  });
}

function hasUnsupportedNode(node: PlanNode | undefined): boolean {
  if (!node) return false;
  switch (node.kind) {
    case 'Sequence':
    case 'Parallel':
      return node.nodes.some(hasUnsupportedNode);
    case 'Flatten':
      return hasUnsupportedNode(node.node);
    case 'Condition':
      return hasUnsupportedNode(node.ifClause) || hasUnsupportedNode(node.elseClause);
    case 'Fetch':
      return false;
    default:
      return true; // Defer
  }
}

type Prepared =
  | { fallback: true }
  | {
      fallback: false;
      operation: Operation;
      definition: OperationDefinitionNode;
      plan: QueryPlan;
      shape: Shape[];
      rootType: string;
      defaults: Record<string, unknown>;
    };

// ——— the per-schema facts the shaping reads ———

type SchemaFacts = {
  schema: Schema;
  kinds: Map<string, { object: boolean; composite: boolean }>;
};

function factsOf(schema: Schema): SchemaFacts {
  const kinds = new Map<string, { object: boolean; composite: boolean }>();
  for (const type of schema.types())
    kinds.set(type.name, { object: isObjectType(type), composite: isCompositeType(type) });
  return { schema, kinds };
}

/** The gateway's typeConditionApplies, memoised per fragment and type. */
function conditionApplies(facts: SchemaFacts, fragment: FragmentShape, typename: unknown, parentType: string) {
  const condition = fragment.typeCondition;
  if (condition === undefined) return true;
  const candidate = typename ? (typename as string) : parentType;
  let applies = fragment.applies.get(candidate);
  if (applies === undefined) {
    const type = facts.schema.type(candidate);
    applies = !!type && isSubtype(facts.schema.type(condition) as NamedType, type);
    fragment.applies.set(candidate, applies);
  }
  return applies;
}

// ——— writing the response (the gateway's resultShaping, over the compiled shape) ———

const INTEGER = /^-?(?:0|[1-9][0-9]*)$/;

function validLeaf(leaf: Leaf, value: unknown): boolean {
  if (leaf === 'custom') return true;
  if (typeof value === 'boolean') return leaf === 'Boolean';
  if (typeof value === 'number' && Number.isFinite(value)) {
    if (leaf === 'Int' || leaf === 'ID') return INTEGER.test(String(value));
    return leaf === 'Float';
  }
  if (typeof value === 'string') {
    if (leaf instanceof Set) return leaf.has(value);
    return leaf !== 'Boolean' && leaf !== 'Int' && leaf !== 'Float';
  }
  return false;
}

type Shaping = { facts: SchemaFacts; variables: Record<string, unknown>; errors: GraphQLError[] };

const { hasOwn } = Object;

function skipped(selection: Shape, variables: Record<string, unknown>): boolean {
  const value = (condition: Condition) => {
    if (typeof condition === 'boolean') return condition;
    const given = variables[condition];
    if (typeof given !== 'boolean') throw new Error(`Unexpected value ${given} for variable $${condition}`);
    return given;
  };
  return (
    (selection.skip !== undefined && value(selection.skip)) ||
    (selection.include !== undefined && !value(selection.include))
  );
}

function describeLast(path: Array<string | number>, current: TypeShape, parentType: string) {
  const element = path[path.length - 1];
  return typeof element === 'string'
    ? `field ${parentType}.${element}`
    : `array element of type ${current.display} at index ${element}`;
}

/** Set by updateValue beside its return value (no object per value). */
let lastInvalid = false;
let lastHasErrors = false;

/** Returns true when a null must bubble up to the parent (the gateway's NULL_BUBBLE_UP). */
function applySelections(
  input: Json,
  selections: Shape[],
  output: Json,
  shaping: Shaping,
  path: Array<string | number>,
  parentType: string,
): boolean {
  for (const selection of selections) {
    if ((selection.skip !== undefined || selection.include !== undefined) && skipped(selection, shaping.variables))
      continue;
    if (selection.kind === 'field') {
      const responseName = selection.responseName;
      const outputValue = selection.inherited
        ? hasOwn(output, responseName)
          ? output[responseName]
          : undefined
        : output[responseName];
      let inputValue = (hasOwn(input, responseName) ? input[responseName] : undefined) ?? null;
      if (selection.typename) {
        if (outputValue === undefined) {
          if (inputValue === null && responseName !== '__typename') inputValue = input.__typename ?? null;
          const named =
            typeof inputValue === 'string' && shaping.facts.kinds.has(inputValue) ? (inputValue as string) : parentType;
          if (!shaping.facts.kinds.get(named)?.object) return true;
          output[responseName] = named;
        }
        continue;
      }
      path.push(responseName);
      const updated = updateValue(
        outputValue,
        selection.type,
        inputValue,
        selection.selections,
        path,
        shaping,
        parentType,
      );
      output[responseName] = updated;
      path.pop();
      if (lastInvalid) return true;
    } else {
      const typename = input.__typename;
      if (typename && typeof typename !== 'string') throw new Error(`Got unexpected value for __typename: ${typename}`);
      if (conditionApplies(shaping.facts, selection, typename, parentType)) {
        const bubble = applySelections(
          input,
          selection.selections,
          output,
          shaping,
          path,
          selection.typeCondition ?? parentType,
        );
        if (bubble) return true;
      }
    }
  }
  return false;
}

function updateValue(
  outputValue: Json,
  type: TypeShape,
  inputValue: Json,
  selections: Shape[] | undefined,
  path: Array<string | number>,
  shaping: Shaping,
  parentType: string,
): Json {
  if (outputValue === null || (outputValue !== undefined && !selections)) {
    lastInvalid = false;
    lastHasErrors = false;
    return outputValue;
  }
  if (type.nonNull) {
    const updated = updateValue(outputValue, type.nonNull, inputValue, selections, path, shaping, parentType);
    if (updated === null) {
      if (!lastHasErrors) {
        shaping.errors.push(
          ERRORS.INVALID_GRAPHQL.err(
            `Cannot return null for non-nullable ${describeLast(path, type.nonNull, parentType)}.`,
            { path: Array.from(path) },
          ),
        );
      }
      lastInvalid = true;
      lastHasErrors = true;
      return updated;
    }
    lastInvalid = false;
    lastHasErrors = false;
    return updated;
  }
  if (inputValue === null) {
    lastInvalid = false;
    lastHasErrors = false;
    return null;
  }
  if (type.list) {
    if (!Array.isArray(inputValue)) {
      throw new Error(`Invalid non-list value ${inputValue} returned by subgraph for list type ${type.display}`);
    }
    if (outputValue !== undefined && !Array.isArray(outputValue)) {
      throw new Error(`Invalid non-list value ${outputValue} returned by subgraph for list type ${type.display}`);
    }
    const outputList: Json[] = outputValue === undefined ? new Array(inputValue.length).fill(undefined) : outputValue;
    if (inputValue.length !== outputList.length) {
      throw new Error(
        `[${inputValue}].length (${inputValue.length}) !== [${outputList}].length (${outputList.length})`,
      );
    }
    let nullify = false;
    let hasErrors = false;
    const updated = new Array(outputList.length);
    for (let i = 0; i < outputList.length; i++) {
      path.push(i);
      updated[i] = updateValue(outputList[i], type.list, inputValue[i], selections, path, shaping, parentType);
      path.pop();
      nullify ||= lastInvalid;
      hasErrors ||= lastHasErrors;
    }
    lastInvalid = false;
    lastHasErrors = hasErrors;
    return nullify ? null : updated;
  }
  if (type.composite) {
    if (!selections) throw new Error(`Invalid empty selection set for composite type ${type.display}`);
    if (typeof inputValue !== 'object') {
      throw new Error(`Invalid non-object value ${inputValue} returned by subgraph for composite type ${type.display}`);
    }
    const inputTypename = inputValue.__typename;
    if (inputTypename !== undefined && typeof inputTypename !== 'string') {
      throw new Error(`Invalid non-string value ${inputTypename} for __typename at ${path}`);
    }
    let objectType = type.composite;
    if (inputTypename) {
      if (!shaping.facts.kinds.get(inputTypename)?.composite) {
        shaping.errors.push(
          ERRORS.INVALID_GRAPHQL.err(
            `Invalid __typename found for object at ${describeLast(path, type, parentType)}.`,
            {
              path: Array.from(path),
            },
          ),
        );
        lastInvalid = false;
        lastHasErrors = true;
        return null;
      }
      objectType = inputTypename;
    }
    const outputObject = outputValue === undefined ? {} : outputValue;
    const bubble = applySelections(inputValue, selections, outputObject, shaping, path, objectType);
    lastInvalid = false;
    lastHasErrors = bubble;
    return bubble ? null : outputObject;
  }
  const valid = validLeaf(type.leaf!, inputValue);
  if (!valid) {
    shaping.errors.push(
      ERRORS.INVALID_GRAPHQL.err(`Invalid value found for ${describeLast(path, type, parentType)}.`, {
        path: Array.from(path),
      }),
    );
  }
  lastInvalid = false;
  lastHasErrors = !valid;
  return valid ? inputValue : null;
}

// ——— walking the plan ———

type Cursor = { path: Array<string | number>; data: Json; fullResult: Json };

/** One subgraph call's outcome, shared by every fetch of the request that asks the same. */
type CallOutcome = { data: Json; errors?: readonly Json[] } | { failure: unknown };
type Batch = { outcome: Promise<CallOutcome>; representations: Json[]; fetch?: FetchNode };
/** Representations the fetches of one turn ask of a subgraph with the same selection, sent together. */
type PendingBatch = Batch & {
  key: string;
  fetch: FetchNode;
  variables: Record<string, unknown>;
  cursor: Cursor;
  resolve: (outcome: Promise<CallOutcome>) => void;
};
/** Where an entity's answer will be: its batch and its place in the batch's representations. */
type Slot = { batch: Batch; index: number; used: boolean };
/** A key whose representation has no __typename: nothing is asked for it. */
const NOT_AN_ENTITY: Slot = {
  batch: { outcome: Promise.resolve({ data: null }), representations: [] },
  index: -1,
  used: false,
};

type Execution = {
  requestContext: RequestContext;
  prepared: Extract<Prepared, { fallback: false }>;
  /** The gateway's data source per subgraph (updated in place when the supergraph changes). */
  services: Record<string, { dataSource: GraphQLDataSource }>;
  supergraphSchema: GraphQLSchema;
  errors: unknown[];
  /** Entities (or whole answers) this request already asked a subgraph for: fetch key → representation → slot. */
  asked: Map<string, Map<string, Slot>>;
  /** Batches not sent yet, by fetch key: filled until the turn ends. */
  batches: Map<string, PendingBatch>;
};

const getOwn = (value: Json, key: string) => (hasOwn(value, key) ? value[key] : undefined);

function flattenAt(value: Json, path: Array<string | number>, from = 0): Json {
  if (from === path.length) return value;
  if (value === undefined || value === null) return value;
  const current = path[from];
  if (current === '@') {
    // flatMap's semantics (one level of nested lists spread), without a closure per element.
    const out: Json[] = [];
    for (const element of value as Json[]) {
      const found = flattenAt(element, path, from + 1);
      if (Array.isArray(found)) for (const item of found) out.push(item);
      else out.push(found);
    }
    return out;
  }
  if (typeof current !== 'string') throw new Error(`Unexpected ${typeof current} found in path`);
  if (Array.isArray(value)) throw new Error(`Unexpected array in result for path element ${current}`);
  return flattenAt(getOwn(value, current), path, from + 1);
}

function hydratedPaths(
  parent: Array<string | number>,
  path: Array<string | number>,
  data: Json,
  result: Array<Array<string | number>>,
) {
  const head = path[0];
  if (data == null) return;
  if (head == null) result.push(parent.slice());
  else if (head === '@') {
    (data as Json[]).forEach((value, i) => {
      parent.push(i);
      hydratedPaths(parent, path.slice(1), value, result);
      parent.pop();
    });
  } else if (Array.isArray(data)) {
    data.forEach((value, i) => {
      parent.push(i);
      hydratedPaths(parent, path, value, result);
      parent.pop();
    });
  } else if (hasOwn(data, head as string)) {
    parent.push(head);
    hydratedPaths(parent, path.slice(1), data[head], result);
    parent.pop();
  }
}

function representationOf(schema: GraphQLSchema, source: Json, selections: readonly QueryPlanSelectionNode[]): Json {
  if (source === null) return null;
  const result: Json = {}; // a plain object: JSON.stringify is faster on it
  for (const selection of selections) {
    if (selection.kind === Kind.FIELD) {
      const responseName = selection.alias ?? selection.name;
      const value = hasOwn(source, responseName) ? source[responseName] : undefined;
      if (value === undefined) return null;
      const nested = selection.selections;
      if (Array.isArray(value)) {
        result[responseName] = value.map((element) => (nested ? representationOf(schema, element, nested) : element));
      } else result[responseName] = nested ? representationOf(schema, value, nested) : value;
    } else if (selection.typeCondition && source && isObjectOfType(schema, source, selection.typeCondition)) {
      merge(result, representationOf(schema, source, selection.selections));
    }
  }
  return result;
}

/** A leaf in a key: strings length-prefixed (no escaping, and no string can pass for another or for a number). */
const scalarKey = (value: unknown) =>
  typeof value === 'string'
    ? `s${value.length}:${value}`
    : typeof value === 'object' && value !== null
      ? `j${JSON.stringify(value)}`
      : String(value);

/**
 * A string that two entities share exactly when representationOf would give them equal
 * representations (null when it would give none), built without the representation itself.
 */
function keyOfRepresentation(
  schema: GraphQLSchema,
  source: Json,
  selections: readonly QueryPlanSelectionNode[],
): string | null {
  if (source === null) return 'null';
  let key = '{';
  for (const selection of selections) {
    if (selection.kind === Kind.FIELD) {
      const responseName = selection.alias ?? selection.name;
      const value = hasOwn(source, responseName) ? source[responseName] : undefined;
      if (value === undefined) return null;
      const nested = selection.selections;
      key += `${responseName}:`;
      if (Array.isArray(value)) {
        key += '[';
        for (const element of value) {
          key += `${nested ? (keyOfRepresentation(schema, element, nested) ?? 'null') : scalarKey(element)},`;
        }
        key += ']';
      } else key += nested ? (keyOfRepresentation(schema, value, nested) ?? 'null') : scalarKey(value);
      key += ',';
    } else if (selection.typeCondition && source && isObjectOfType(schema, source, selection.typeCondition)) {
      key += `...${selection.typeCondition}${keyOfRepresentation(schema, source, selection.selections) ?? 'null'}`;
    }
  }
  return `${key}}`;
}

/** The gateway's downstreamServiceError: the subgraph's message and extensions, its name, a path in this response. */
function downstreamError(original: Json, serviceName: string, path: Array<string | number> | undefined): GraphQLError {
  const message = original.message || `Error while fetching subquery from service "${serviceName}"`;
  const options = { originalError: original, path, extensions: { ...original.extensions, serviceName } };
  const codeDef = errorCodeDef(original);
  if (!codeDef && original.extensions?.code) return new GraphQLErrorClass(message, options);
  return (codeDef ?? ERRORS.DOWNSTREAM_SERVICE_ERROR).err(message, options);
}

/** A copy for a second place in the response, so that later merges into one place do not show in the other. */
function copyOf(value: Json): Json {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(copyOf);
  const copy: Json = {};
  for (const key of Object.keys(value)) copy[key] = copyOf(value[key]);
  return copy;
}

async function callSubgraph(
  execution: Execution,
  fetch: FetchNode,
  variables: Record<string, unknown>,
  cursor: Cursor,
): Promise<CallOutcome> {
  const service = execution.services[fetch.serviceName]?.dataSource;
  try {
    if (!service) throw new Error(`Couldn't find service with name "${fetch.serviceName}"`);
    const { requestContext } = execution;
    const response = await service.process({
      kind: GraphQLDataSourceRequestKind.INCOMING_OPERATION,
      request: { query: fetch.operation, variables, operationName: fetch.operationName },
      incomingRequestContext: requestContext,
      context: requestContext.context,
      document: fetch.operationDocumentNode,
      pathInIncomingRequest: cursor.path,
    } as never);
    if (response.errors && !response.extensions?.ftv1) {
      const metrics = requestContext.metrics as { nonFtv1ErrorPaths?: Array<{ subgraph: string; path: unknown }> };
      const paths = response.errors.map((error) => ({ subgraph: fetch.serviceName, path: error.path }));
      if (metrics.nonFtv1ErrorPaths) metrics.nonFtv1ErrorPaths.push(...paths);
      else metrics.nonFtv1ErrorPaths = paths;
    }
    return { data: response.data, ...(response.errors ? { errors: response.errors } : {}) };
  } catch (failure) {
    return { failure };
  }
}

function variablesFor(execution: Execution, fetch: FetchNode) {
  const variables: Record<string, unknown> = Object.create(null);
  const provided = execution.requestContext.request.variables;
  for (const name of fetch.variableUsages ?? []) {
    if (provided && hasOwn(provided, name) && provided[name] !== undefined) variables[name] = provided[name];
  }
  return variables;
}

const fetchKeys = new WeakMap<FetchNode, string>();
/**
 * What makes two fetches ask the same: the subgraph, the operation without its name (the planner
 * names each fetch apart, `Q__products__2`, `Q__products__6`, even when they ask the same) and
 * the rewrites applied to the answer.
 */
function keyOf(fetch: FetchNode): string {
  let key = fetchKeys.get(fetch);
  if (key === undefined) {
    const selection = fetch.operationName ? fetch.operation.replace(` ${fetch.operationName}`, ' ') : fetch.operation;
    const rewrites =
      fetch.inputRewrites || fetch.outputRewrites ? JSON.stringify([fetch.inputRewrites, fetch.outputRewrites]) : '';
    key = `${fetch.serviceName}\u0000${selection}\u0000${rewrites}`;
    fetchKeys.set(fetch, key);
  }
  return key;
}

/** Sends a batch once every fetch started in the same turn has added its representations to it. */
function flush(execution: Execution, batch: PendingBatch) {
  execution.batches.delete(batch.key);
  batch.resolve(
    callSubgraph(execution, batch.fetch, { ...batch.variables, representations: batch.representations }, batch.cursor),
  );
}

function batchFor(
  execution: Execution,
  key: string,
  fetch: FetchNode,
  variables: Record<string, unknown>,
  cursor: Cursor,
) {
  let batch = execution.batches.get(key);
  if (!batch) {
    let resolve!: (outcome: Promise<CallOutcome>) => void;
    const outcome = new Promise<CallOutcome>((done) => {
      resolve = done;
    });
    batch = { key, fetch, variables, cursor, representations: [], outcome, resolve };
    execution.batches.set(key, batch);
    const pending = batch;
    queueMicrotask(() => flush(execution, pending));
  }
  return batch;
}

/**
 * deepMerge of @apollo/gateway, without its per-key helper calls. `copy`: what the target takes
 * from the source is copied, not shared (an answer merged into a second place in the response).
 */
function merge(target: Json, source: Json, copy = false): void {
  if (source === undefined || source === null) return;
  for (const key of Object.keys(source)) {
    const value = source[key];
    if (value === undefined) continue;
    if (!hasOwn(target, key) && key in target) {
      Object.defineProperty(target, key, { configurable: true, enumerable: true, value: undefined, writable: true });
    }
    const existing = target[key];
    if (existing && typeof value === 'object' && value !== null && !Array.isArray(value)) merge(existing, value, copy);
    else if (Array.isArray(value) && Array.isArray(existing) && value.length === existing.length) {
      for (let i = 0; i < value.length; i++) {
        const into = existing[i];
        const from = value[i];
        if (isObject(into) && isObject(from)) merge(into, from, copy);
        else existing[i] = copy ? copyOf(from) : from;
      }
    } else target[key] = copy ? copyOf(value) : value;
  }
}
const isObject = (value: unknown) => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A fetch of the plan. Within one request an entity (or a whole root answer) is asked of a
 * subgraph once per selection: a representation another fetch already asked for (or the same
 * fetch, twice) waits for that answer, and the fetches that start together with the same
 * selection (parallel branches of the plan) send their new representations in one call.
 */
async function executeFetch(execution: Execution, fetch: FetchNode, cursor: Cursor): Promise<void> {
  const entities: Json[] = Array.isArray(cursor.data)
    ? cursor.data.filter((entity) => entity !== null && entity !== undefined)
    : [cursor.data];
  if (entities.length < 1) return;
  const variables = variablesFor(execution, fetch);
  const variablesKey = fetch.variableUsages?.length ? JSON.stringify(variables) : '';
  const key = variablesKey ? `${keyOf(fetch)}\u0000${variablesKey}` : keyOf(fetch);
  let asked = execution.asked.get(key);
  if (!asked) {
    asked = new Map();
    execution.asked.set(key, asked);
  }

  if (!fetch.requires) {
    let slot = asked.get('');
    if (!slot) {
      const call = callSubgraph(execution, fetch, variables, cursor);
      slot = { batch: { outcome: call, representations: [undefined] }, index: 0, used: false };
      asked.set('', slot);
    }
    const outcome = await slot.batch.outcome;
    if ('failure' in outcome) throw outcome.failure;
    // The same answer twice in a request: its errors twice, each at its own path, as two calls would.
    if (outcome.errors) {
      for (const error of outcome.errors) {
        execution.errors.push(
          downstreamError(error, fetch.serviceName, error.path ? [...cursor.path, ...error.path] : undefined),
        );
      }
    }
    let data = outcome.data;
    if (data) {
      if (slot.used) data = copyOf(data);
      slot.used = true;
      applyRewrites(execution.supergraphSchema, fetch.outputRewrites, data);
    }
    for (const entity of entities) merge(entity, data);
    return;
  }

  if ('representations' in variables) throw new Error(`Variables cannot contain key "representations"`);
  const schema = execution.supergraphSchema;
  const slots: Slot[] = [];
  const representationToEntity: number[] = [];
  let own: Batch | undefined;
  for (let index = 0; index < entities.length; index++) {
    // The key first: most entities of a deep answer repeat one already asked, and need no representation.
    const representationKey = keyOfRepresentation(schema, entities[index], fetch.requires);
    if (representationKey === null) continue;
    let slot = asked.get(representationKey);
    if (slot === undefined) {
      const representation = representationOf(schema, entities[index], fetch.requires);
      if (!representation?.__typename) {
        asked.set(representationKey, NOT_AN_ENTITY);
        continue;
      }
      applyRewrites(schema, fetch.inputRewrites, representation);
      const batch = batchFor(execution, key, fetch, variables, cursor);
      own ??= batch;
      slot = { batch, index: batch.representations.length, used: false };
      batch.representations.push(representation);
      asked.set(representationKey, slot);
    } else if (slot === NOT_AN_ENTITY) continue;
    slots.push(slot);
    representationToEntity.push(index);
  }
  if (slots.length < 1) return;
  const batches = [...new Set(slots.map((slot) => slot.batch))];
  const outcomes = new Map(await Promise.all(batches.map(async (batch) => [batch, await batch.outcome] as const)));

  // Errors first, as the gateway reports them: each at the path of every entity it concerns.
  let paths: Array<Array<string | number>> | undefined;
  let failure: unknown;
  for (const [batch, outcome] of outcomes) {
    if ('failure' in outcome) {
      failure ??= outcome.failure;
      continue;
    }
    for (const error of outcome.errors ?? []) {
      const errorPath = error.path as Array<string | number> | undefined;
      if (typeof errorPath?.[1] === 'number') {
        if (!paths) {
          paths = [];
          hydratedPaths([], cursor.path, cursor.fullResult, paths);
        }
        for (let i = 0; i < slots.length; i++) {
          if (slots[i]!.batch !== batch || slots[i]!.index !== errorPath[1]) continue;
          execution.errors.push(
            downstreamError(error, fetch.serviceName, [...(paths[i] ?? []), ...errorPath.slice(2)]),
          );
        }
      } else if (batch === own && batch.fetch === fetch) {
        execution.errors.push(
          downstreamError(error, fetch.serviceName, errorPath ? [...cursor.path, ...errorPath] : undefined),
        );
      }
    }
  }
  if (failure !== undefined) throw failure;

  let malformed: Error | undefined;
  for (let i = 0; i < slots.length; i++) {
    const slot = slots[i]!;
    const outcome = outcomes.get(slot.batch) as { data: Json };
    if (!outcome.data) continue;
    const received = outcome.data._entities;
    if (!Array.isArray(received)) {
      malformed ??= new Error(`Expected "data._entities" in response to be an array`);
      continue;
    }
    if (received.length !== slot.batch.representations.length) {
      malformed ??= new Error(`Expected "data._entities" to contain ${slot.batch.representations.length} elements`);
      continue;
    }
    const entity = received[slot.index];
    const existing = entities[representationToEntity[i]!];
    if (entity && !entity.__typename) entity.__typename = existing.__typename;
    applyRewrites(execution.supergraphSchema, fetch.outputRewrites, entity);
    // An entity answered once and wanted in several places: the first takes it, the others a copy.
    merge(existing, entity, slot.used);
    slot.used = true;
  }
  if (malformed) throw malformed;
}

async function executeNode(execution: Execution, node: PlanNode, cursor: Cursor | undefined): Promise<void> {
  if (!cursor) return;
  switch (node.kind) {
    case 'Sequence':
      for (const child of node.nodes) await executeNode(execution, child, cursor);
      return;
    case 'Parallel':
      await Promise.all(node.nodes.map((child) => executeNode(execution, child, cursor)));
      return;
    case 'Flatten': {
      const data = flattenAt(cursor.data, node.path);
      await executeNode(
        execution,
        node.node,
        data ? { path: cursor.path.concat(node.path), data, fullResult: cursor.fullResult } : undefined,
      );
      return;
    }
    case 'Fetch':
      try {
        await executeFetch(execution, node, cursor);
      } catch (error) {
        execution.errors.push(error);
      }
      return;
    case 'Condition': {
      const { operation } = execution.prepared;
      const branch = evaluateCondition(node, operation.variableDefinitions, execution.requestContext.request.variables)
        ? node.ifClause
        : node.elseClause;
      if (branch) await executeNode(execution, branch, cursor);
      return;
    }
    default:
      throw new Error(`${node.kind} is not supported by the router's executor`);
  }
}

function shape(execution: Execution, input: Json): ExecutionResult {
  const { prepared, requestContext } = execution;
  const errors = execution.errors as GraphQLError[];
  const shaping: Shaping = {
    facts: factsFor(prepared.operation.schema()),
    variables: { __proto__: null, ...prepared.defaults, ...requestContext.request.variables },
    errors: [],
  };
  let data: Json;
  try {
    data = {};
    if (applySelections(input, prepared.shape, data, shaping, [], prepared.rootType)) data = null;
  } catch (error) {
    if (error instanceof GraphQLErrorClass) return { errors: [error] };
    return { errors: [new GraphQLErrorClass((error as Error).message, { originalError: error as Error })] };
  }
  if (errors.length === 0 && shaping.errors.length > 0) {
    return { extensions: { valueCompletion: shaping.errors }, data };
  }
  return errors.length === 0 ? { data } : { errors, data };
}

const factsBySchema = new WeakMap<Schema, SchemaFacts>();
function factsFor(schema: Schema): SchemaFacts {
  let facts = factsBySchema.get(schema);
  if (!facts) {
    facts = factsOf(schema);
    factsBySchema.set(schema, facts);
  }
  return facts;
}

/** The operation a request names, as the gateway picks it; undefined when it would refuse the document. */
function operationIn(document: DocumentNode, operationName: string | null | undefined) {
  const operations = document.definitions.filter((definition) => definition.kind === Kind.OPERATION_DEFINITION);
  if (!operationName) return operations.length === 1 ? operations[0] : undefined;
  return operations.find((operation) => operation.name?.value === operationName);
}

/** How many prepared operations the executor keeps (the least recently prepared go first). */
const MAX_PREPARED = 1000;

/**
 * The router's own query-plan executor in place of the gateway's (ROUTER_EXECUTOR=own): the same
 * plans from the same planner, run over the same subgraph data sources, with the response written
 * from a shape compiled once per operation instead of re-deriving the operation on every request;
 * identical entity fetches within a request go out once. Mutations, subscriptions, introspection
 * and @defer stay with the gateway's executor, as does anything it would refuse.
 */
export function useOwnExecutor(gateway: ApolloGateway, counted: (executor: 'own' | 'gateway') => void): void {
  const internals = gateway as unknown as GatewayInternals;
  const gatewayExecutor = gateway.executor;
  const fallback: GatewayExecutor = (requestContext) => {
    counted('gateway');
    return gatewayExecutor(requestContext);
  };
  const prepared = new Map<string, Prepared>();
  let schemaSeen: Schema | undefined;

  const prepare = (requestContext: RequestContext): Prepared => {
    const { request, document } = requestContext;
    const definition = operationIn(document, request.operationName);
    if (definition?.operation !== 'query' || !internals.apiSchema || !internals.queryPlanner) {
      return { fallback: true };
    }
    try {
      const operation = operationFromDocument(internals.apiSchema, document, {
        operationName: request.operationName ?? undefined,
      });
      const plan = internals.queryPlanner.buildQueryPlan(operation, {
        recursiveSelectionsLimitDisabled: internals.recursiveSelectionsLimitDisabled,
        nonLocalSelectionsLimitDisabled: internals.nonLocalSelectionsLimitDisabled,
      });
      if (hasUnsupportedNode(plan.node as PlanNode | undefined)) return { fallback: true };
      return {
        fallback: false,
        operation,
        definition,
        plan: plan.node ? { ...plan, node: mergeEntityFetches(plan.node as PlanNode) } : plan,
        shape: compileSelections(operation.selectionSet),
        rootType: internals.apiSchema.schemaDefinition.rootType('query')!.name,
        defaults: operation.collectDefaultedVariableValues(),
      };
    } catch {
      // Introspection (Unsupported), or a document the gateway refuses: it answers as it always has.
      return { fallback: true };
    }
  };

  gateway.executor = async (requestContext) => {
    if (internals.apiSchema !== schemaSeen) {
      prepared.clear();
      schemaSeen = internals.apiSchema;
    }
    const { request, queryHash } = requestContext;
    const key = request.operationName ? `${queryHash}\u0000${request.operationName}` : queryHash;
    let found = prepared.get(key);
    if (!found) {
      found = prepare(requestContext);
      if (prepared.size >= MAX_PREPARED) prepared.delete(prepared.keys().next().value!);
      prepared.set(key, found);
    }
    if (found.fallback) return fallback(requestContext);
    if (found.definition.variableDefinitions?.length) {
      const { errors } = getVariableValues(
        internals.schema!,
        found.definition.variableDefinitions,
        request.variables ?? {},
      );
      if (errors) return { errors };
    }
    counted('own');
    const execution: Execution = {
      requestContext,
      prepared: found,
      services: internals.serviceMap,
      supergraphSchema: internals.supergraphSchema!,
      errors: [],
      asked: new Map(),
      batches: new Map(),
    };
    const data = Object.create(null);
    if (found.plan.node)
      await executeNode(execution, found.plan.node as PlanNode, { path: [], data, fullResult: data });
    return shape(execution, data);
  };
}
