import { composeServices } from '@apollo/composition';
import { operationFromDocument, Supergraph } from '@apollo/federation-internals';
import { type FetchNode, type PlanNode, QueryPlanner } from '@apollo/query-planner';
import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { mergeEntityFetches } from './plan-merging.ts';

const SUBGRAPHS = {
  reviews: `
    type Query { reviews: [Review] }
    type Review { body: String product: Product }
    extend type Product @key(fields: "upc") { upc: String! @external }
  `,
  products: `
    type Product @key(fields: "upc") { upc: String! name: String price: Int weight: Int }
  `,
  inventory: `
    extend type Product @key(fields: "upc") {
      upc: String! @external
      price: Int @external
      weight: Int @external
      inStock: Boolean
      warehouse: String
      shippingEstimate: Int @requires(fields: "price weight")
    }
  `,
  // carrier needs inventory's warehouse and products' price: the plan asks warehouse in parallel
  // with products (a fetch of plain fields, foldable by its shape) and shipping after both.
  shipping: `
    extend type Product @key(fields: "upc") {
      upc: String! @external
      warehouse: String @external
      price: Int @external
      carrier: String @requires(fields: "warehouse price")
    }
  `,
};

const composed = composeServices(
  Object.entries(SUBGRAPHS).map(([name, typeDefs]) => ({
    name,
    url: `http://127.0.0.1/${name}`,
    typeDefs: parse(typeDefs),
  })),
);
if (composed.errors) throw new Error(composed.errors.map((error) => error.message).join('\n'));
const supergraph = Supergraph.build(composed.supergraphSdl!);
const planner = new QueryPlanner(supergraph);

function planOf(query: string): PlanNode {
  const plan = planner.buildQueryPlan(operationFromDocument(supergraph.apiSchema(), parse(query)));
  return plan.node as PlanNode;
}

function fetchesOf(node: PlanNode | undefined, service: string, found: FetchNode[] = []): FetchNode[] {
  if (!node) return found;
  if (node.kind === 'Fetch') {
    if (node.serviceName === service) found.push(node);
  } else if (node.kind === 'Sequence' || node.kind === 'Parallel') {
    for (const child of node.nodes) fetchesOf(child, service, found);
  } else if (node.kind === 'Flatten') fetchesOf(node.node, service, found);
  else if (node.kind === 'Condition') {
    fetchesOf(node.ifClause, service, found);
    fetchesOf(node.elseClause, service, found);
  }
  return found;
}

const selectionOf = (fetch: FetchNode) => fetch.operation.slice(fetch.operation.indexOf('{...on'));

describe('folding an entity fetch into a later one of the same subgraph', () => {
  it('a plain field asked beside an @requires field: one fetch of both, after the fields it requires', () => {
    const plan = planOf('{ reviews { product { name inStock shippingEstimate } } }');
    expect(fetchesOf(plan, 'inventory').map(selectionOf).sort()).toEqual([
      '{...on Product{inStock}}}',
      '{...on Product{shippingEstimate}}}',
    ]);

    const merged = mergeEntityFetches(plan);
    const [inventory, ...others] = fetchesOf(merged, 'inventory');
    expect(others).toEqual([]);
    expect(inventory!.operation).toMatch(/^query(?: \w+)?\(\$representations:\[_Any!\]!\)\{_entities\(/);
    expect(selectionOf(inventory!)).toBe('{...on Product{inStock shippingEstimate}}}');
    expect(JSON.stringify(inventory!.requires)).toContain('"price"');
    // The document the data source may read says what the text says.
    expect(JSON.stringify(inventory!.operationDocumentNode)).toContain('"inStock"');
    // The products fetch is untouched, and still comes first.
    expect(fetchesOf(merged, 'products')).toEqual(fetchesOf(plan, 'products'));
    const sequence = (merged.kind === 'Sequence' ? merged.nodes : []).find((node) => node.kind !== 'Fetch');
    expect(JSON.stringify(sequence)).toMatch(/"serviceName":"products".*"serviceName":"inventory"/);
  });

  it('a plain field that another fetch requires is left where it is, so that fetch still finds it', () => {
    const query = '{ reviews { product { name warehouse carrier shippingEstimate } } }';
    const plan = planOf(query);
    const merged = mergeEntityFetches(plan);
    expect(merged).toEqual(plan);
    expect(fetchesOf(merged, 'inventory').map(selectionOf).sort()).toEqual([
      '{...on Product{shippingEstimate}}}',
      '{...on Product{warehouse}}}',
    ]);
  });

  it('a plan with nothing to fold comes back as it was', () => {
    for (const query of ['{ reviews { product { inStock } } }', '{ reviews { product { name shippingEstimate } } }']) {
      const plan = planOf(query);
      expect(mergeEntityFetches(plan)).toEqual(plan);
    }
  });
});
