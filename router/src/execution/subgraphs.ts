/** Every subgraph the router knows, with the port it listens on by default. */
export const DEFAULT_SUBGRAPH_PORTS = {
  accounts: 4001,
  catalog: 4002,
  inventory: 4003,
  orders: 4004,
  payments: 4005,
  notifications: 4006,
  operations: 4007,
} as const;

export type SubgraphName = keyof typeof DEFAULT_SUBGRAPH_PORTS;
export const SUBGRAPH_NAMES = Object.keys(DEFAULT_SUBGRAPH_PORTS) as SubgraphName[];
