import type { FetchNode, FlattenNode, PlanNode, QueryPlanSelectionNode } from '@apollo/query-planner';
import {
  type DocumentNode,
  type FieldNode,
  type InlineFragmentNode,
  Kind,
  parse,
  print,
  stripIgnoredCharacters,
  visit,
} from 'graphql';

/**
 * Apollo's planner asks a subgraph for an entity's fields in two fetches when one of them
 * `@requires` fields of another subgraph: the plain ones (`inStock`, needing only the key) at once,
 * in parallel with the other subgraph's fetch, and the required one (`shippingEstimate`, needing
 * `price` and `weight`) after it. When nothing else in the plan waits for the plain fields, the
 * first fetch can ride on the second: one call to the subgraph where there were two, for the
 * same entities and the same answer. Only the timing changes, and nothing reads the plain fields
 * before the plan ends.
 *
 * The one visible difference: when the other subgraph fails to give an entity what the second
 * fetch requires, that entity is not asked for at all, so its plain fields are null with the error
 * instead of filled. Hive's planner makes the same trade.
 */
export function mergeEntityFetches(node: PlanNode): PlanNode {
  const readByOthers = requiredFieldNames(node);
  return rewrite(node, readByOthers);
}

type EntityFetch = {
  node: FlattenNode & { node: FetchNode };
  typeCondition: string;
  requires: string[];
  /** The fetch's operation, and in it the `... on Type` of `_entities` with the fields it asks. */
  document: DocumentNode;
  fragment: InlineFragmentNode;
  fields: FieldNode[];
};

const hasRewrites = (fetch: FetchNode) =>
  !!(fetch.inputRewrites?.length || fetch.outputRewrites?.length || fetch.contextRewrites?.length);

function rewrite(node: PlanNode, readByOthers: Set<string>): PlanNode {
  switch (node.kind) {
    case 'Sequence':
      return { ...node, nodes: node.nodes.map((child) => rewrite(child, readByOthers)) };
    case 'Parallel':
      return mergeInParallel({ ...node, nodes: node.nodes.map((child) => rewrite(child, readByOthers)) }, readByOthers);
    case 'Condition':
      return {
        ...node,
        ...(node.ifClause ? { ifClause: rewrite(node.ifClause, readByOthers) } : {}),
        ...(node.elseClause ? { elseClause: rewrite(node.elseClause, readByOthers) } : {}),
      };
    default:
      return node;
  }
}

/**
 * In a Parallel, a branch that is one entity fetch of plain fields is folded into a fetch later
 * in another branch (through its Sequences and Parallels, not its Conditions: it must run whenever
 * the folded one would have) at the same path, of the same subgraph and type, requiring at least
 * what it requires.
 */
function mergeInParallel(parallel: Extract<PlanNode, { kind: 'Parallel' }>, readByOthers: Set<string>): PlanNode {
  let nodes = parallel.nodes;
  for (const candidate of parallel.nodes) {
    if (!nodes.includes(candidate)) continue; // already merged with another
    const folded = entityFetchOf(candidate);
    if (!folded || !foldable(folded, readByOthers)) continue;
    for (let i = 0; i < nodes.length; i++) {
      const sibling = nodes[i]!;
      if (sibling === candidate) continue;
      const merged = foldInto(sibling, folded);
      if (merged === sibling) continue;
      nodes = nodes.map((node, index) => (index === i ? merged : node)).filter((node) => node !== candidate);
      break;
    }
  }
  return nodes === parallel.nodes ? parallel : { ...parallel, nodes };
}

function foldInto(node: PlanNode, folded: EntityFetch): PlanNode {
  if (node.kind === 'Sequence' || node.kind === 'Parallel') {
    for (let i = 0; i < node.nodes.length; i++) {
      const child = node.nodes[i]!;
      const merged = foldInto(child, folded);
      if (merged !== child) return { ...node, nodes: node.nodes.map((other, index) => (index === i ? merged : other)) };
    }
    return node;
  }
  const target = entityFetchOf(node);
  if (!target || !accepts(target, folded)) return node;
  return { ...target.node, node: withFields(target, folded.fields) };
}

function accepts(target: EntityFetch, folded: EntityFetch): boolean {
  const fetch = target.node.node;
  const names = new Set(target.fields.map(responseNameOf));
  return (
    fetch.serviceName === folded.node.node.serviceName &&
    samePath(target.node.path, folded.node.path) &&
    target.typeCondition === folded.typeCondition &&
    folded.requires.every((selection) => target.requires.includes(selection)) &&
    !folded.fields.some((field) => names.has(responseNameOf(field))) &&
    !hasRewrites(fetch)
  );
}

/** Plain fields nobody reads before the plan ends, asked with nothing but the representations. */
function foldable(folded: EntityFetch, readByOthers: Set<string>): boolean {
  const fetch = folded.node.node;
  return (
    !fetch.variableUsages?.length &&
    !hasRewrites(fetch) &&
    folded.fields.every(
      (field) =>
        !field.selectionSet &&
        !field.arguments?.length &&
        !field.directives?.length &&
        !readByOthers.has(responseNameOf(field)),
    )
  );
}

/** `Flatten(path) { Fetch { _entities { ... on Type { fields } } } }`, read apart; undefined for any other node. */
function entityFetchOf(node: PlanNode): EntityFetch | undefined {
  if (node.kind !== 'Flatten' || node.node.kind !== 'Fetch') return undefined;
  const fetch = node.node;
  if (fetch.operationKind !== 'query' || fetch.requires?.length !== 1) return undefined;
  const [required] = fetch.requires;
  if (required?.kind !== Kind.INLINE_FRAGMENT || !required.typeCondition) return undefined;
  const document = fetch.operationDocumentNode ?? parse(fetch.operation, { noLocation: true });
  const fragment = entitiesFragmentOf(document);
  if (fragment?.typeCondition?.name.value !== required.typeCondition) return undefined;
  if (!fragment.selectionSet.selections.every((selection) => selection.kind === Kind.FIELD)) return undefined;
  return {
    node: node as EntityFetch['node'],
    typeCondition: required.typeCondition,
    requires: required.selections.map((selection) => JSON.stringify(selection)),
    document,
    fragment,
    fields: fragment.selectionSet.selections as FieldNode[],
  };
}

/** The `... on Type` of an operation that is `_entities(representations:) { ... on Type { … } }` and nothing else. */
function entitiesFragmentOf(document: DocumentNode): InlineFragmentNode | undefined {
  const operations = document.definitions.filter((definition) => definition.kind === Kind.OPERATION_DEFINITION);
  if (operations.length !== 1) return undefined;
  const [entities] = operations[0]!.selectionSet.selections;
  if (operations[0]!.selectionSet.selections.length !== 1 || entities?.kind !== Kind.FIELD) return undefined;
  if (entities.name.value !== '_entities' || entities.alias) return undefined;
  const fragments = entities.selectionSet?.selections;
  if (fragments?.length !== 1 || fragments[0]!.kind !== Kind.INLINE_FRAGMENT) return undefined;
  return fragments[0];
}

/** The target's fetch asking the folded fields too, first (as the planner orders a fetch that asks both). */
function withFields(target: EntityFetch, fields: FieldNode[]): FetchNode {
  const fetch = target.node.node;
  const merged: DocumentNode = visit(target.document, {
    InlineFragment: (node) =>
      node === target.fragment
        ? { ...node, selectionSet: { ...node.selectionSet, selections: [...fields, ...node.selectionSet.selections] } }
        : undefined,
  });
  return { ...fetch, operation: stripIgnoredCharacters(print(merged)), operationDocumentNode: merged };
}

/** Every field name some fetch of the plan sends in its representations or some Flatten walks through. */
function requiredFieldNames(node: PlanNode, names = new Set<string>()): Set<string> {
  const collect = (selections: readonly QueryPlanSelectionNode[] | undefined) => {
    for (const selection of selections ?? []) {
      if (selection.kind === Kind.FIELD) names.add(selection.alias ?? selection.name);
      collect(selection.selections);
    }
  };
  switch (node.kind) {
    case 'Sequence':
    case 'Parallel':
      for (const child of node.nodes) requiredFieldNames(child, names);
      break;
    case 'Flatten':
      for (const element of node.path) if (typeof element === 'string') names.add(element);
      requiredFieldNames(node.node, names);
      break;
    case 'Condition':
      if (node.ifClause) requiredFieldNames(node.ifClause, names);
      if (node.elseClause) requiredFieldNames(node.elseClause, names);
      break;
    case 'Fetch':
      collect(node.requires);
      break;
    default:
      break; // @defer: such plans stay with the gateway's executor
  }
  return names;
}

const responseNameOf = (field: FieldNode) => field.alias?.value ?? field.name.value;
const samePath = (a: readonly unknown[], b: readonly unknown[]) =>
  a.length === b.length && a.every((element, index) => element === b[index]);
