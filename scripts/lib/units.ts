/**
 * The project's business units (subgraphs/<unit>/), each with the port it listens on by default.
 * Composition writes these into router/supergraph.graphql as each unit's `@join__graph(url:)`,
 * and the local system and the tests start the units from here; the router itself reads only the
 * supergraph.
 */
export const UNIT_PORTS = {
  accounts: 4001,
  catalog: 4002,
  inventory: 4003,
  orders: 4004,
  payments: 4005,
  notifications: 4006,
  operations: 4007,
} as const;

export type Unit = keyof typeof UNIT_PORTS;
export const UNITS = Object.keys(UNIT_PORTS) as Unit[];

/** A unit's GraphQL URL when it listens on its default port, as composition writes it. */
export const defaultUnitUrl = (unit: Unit) => `http://127.0.0.1:${UNIT_PORTS[unit]}/graphql`;
