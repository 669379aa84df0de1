import { type ConstDirectiveNode, type DocumentNode, Kind, parse } from 'graphql';

/** A subgraph the supergraph names: its name and the URL composition wrote for it. */
export type Subgraph = { name: string; url: string };

const JOIN_SPEC = 'https://specs.apollo.dev/join/';

const stringArgument = (directive: ConstDirectiveNode, name: string): string | undefined => {
  const argument = directive.arguments?.find((candidate) => candidate.name.value === name);
  return argument?.value.kind === Kind.STRING ? argument.value.value : undefined;
};

/** The prefix the supergraph gives the join spec's names: `join` unless its @link says `as:`. */
function joinPrefix(document: DocumentNode): string {
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.SCHEMA_DEFINITION && definition.kind !== Kind.SCHEMA_EXTENSION) continue;
    for (const directive of definition.directives ?? []) {
      if (directive.name.value !== 'link') continue;
      if (!stringArgument(directive, 'url')?.startsWith(JOIN_SPEC)) continue;
      return stringArgument(directive, 'as') ?? 'join';
    }
  }
  throw new Error(`the supergraph has no @link to the join spec (${JOIN_SPEC}…): is it a composed supergraph?`);
}

/**
 * Every subgraph of a supergraph, in the order its `join__Graph` enum lists them, from each
 * value's `@join__graph(name:, url:)`: what the router routes to, and nothing hard-coded.
 */
export function subgraphsOf(supergraphSdl: string): Subgraph[] {
  const document = parse(supergraphSdl, { noLocation: true });
  const prefix = joinPrefix(document);
  const graphs = document.definitions.find(
    (definition) => definition.kind === Kind.ENUM_TYPE_DEFINITION && definition.name.value === `${prefix}__Graph`,
  );
  if (graphs?.kind !== Kind.ENUM_TYPE_DEFINITION || !graphs.values?.length) {
    throw new Error(`the supergraph names no subgraph (no values in enum ${prefix}__Graph)`);
  }
  return graphs.values.map((value) => {
    const directive = value.directives?.find((candidate) => candidate.name.value === `${prefix}__graph`);
    const name = directive && stringArgument(directive, 'name');
    const url = directive && stringArgument(directive, 'url');
    if (name === undefined || url === undefined) {
      throw new Error(`${prefix}__Graph.${value.name.value} has no @${prefix}__graph(name:, url:)`);
    }
    return { name, url };
  });
}

/** The environment variable that overrides a subgraph's URL: `ACCOUNTS_URL` for `accounts`, `SHIPPING_RATES_URL` for `shipping-rates`. */
export function urlVariableOf(subgraph: string): string {
  return `${subgraph.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}_URL`;
}
