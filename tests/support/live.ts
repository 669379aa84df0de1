import { randomUUID } from 'node:crypto';
import { type Client, createClient } from 'graphql-ws';
import { expect } from 'vitest';
import WebSocket from 'ws';
import { waitFor } from '../messaging/support.ts';
import { graphql } from './graphql.ts';
import { untilStockRowOpened } from './stock-rows.ts';

/** The router's WebSocket URL for its HTTP one (same port and path). */
export const wsUrlOf = (httpUrl: string) => httpUrl.replace(/^http/, 'ws');

export type LiveResult = {
  data?: Record<string, unknown> | null;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
};

/** One subscription's whole life as a client saw it. */
export type Recorded = {
  results: LiveResult[];
  /** The error message, if the server refused the operation (an `error` message). */
  refused?: Array<{ message: string; extensions?: Record<string, unknown> }>;
  completed: boolean;
  stop(): void;
};

export type LiveClient = {
  client: Client;
  /** Close code and reason, once the socket closed. */
  closed: Array<{ code: number; reason: string }>;
  subscribe(query: string, variables?: Record<string, unknown>, extra?: Record<string, unknown>): Recorded;
  dispose(): Promise<void>;
};

/** A graphql-ws client that records what it receives; `lazy: false` opens the socket at once, never retrying. */
export function liveClient(httpUrl: string, connectionParams: Record<string, unknown> = {}): LiveClient {
  const closed: LiveClient['closed'] = [];
  const client = createClient({
    url: wsUrlOf(httpUrl),
    webSocketImpl: WebSocket,
    connectionParams,
    lazy: false,
    retryAttempts: 0,
    onNonLazyError: () => {},
    on: {
      closed: (event) => {
        const { code, reason } = event as { code: number; reason: string };
        closed.push({ code, reason: String(reason) });
      },
    },
  });
  return {
    client,
    closed,
    subscribe(query, variables = {}, extra = {}) {
      const recorded: Recorded = { results: [], completed: false, stop: () => {} };
      recorded.stop = client.subscribe(
        { query, variables, ...extra },
        {
          next: (value) => recorded.results.push(value as LiveResult),
          error: (error) => {
            recorded.refused = Array.isArray(error)
              ? (error as Recorded['refused'])
              : [{ message: String((error as { reason?: string }).reason ?? error) }];
          },
          complete: () => {
            recorded.completed = true;
          },
        },
      );
      return recorded;
    },
    dispose: () => client.dispose() as Promise<void>,
  };
}

/** Waits until a subscription has `count` results; returns them. */
export async function untilResults(recorded: Recorded, count: number, what = `${count} updates`, timeoutMs = 30_000) {
  return waitFor(
    what,
    async () => {
      if (recorded.refused) throw new Error(`refused: ${JSON.stringify(recorded.refused)}`);
      return recorded.results.length >= count && recorded.results;
    },
    timeoutMs,
  );
}

/** Waits until the server refused the operation; returns the errors' codes. */
export async function untilRefused(recorded: Recorded, timeoutMs = 15_000) {
  const errors = await waitFor('the subscription refused', async () => recorded.refused, timeoutMs);
  return errors.map((error) => error.extensions?.code);
}

/**
 * A product of the test's own with its stock row open, so its stock changes are the test's alone
 * (restocking a seeded product would move counts other tests read).
 */
export async function newStockedProduct(
  routerUrl: string,
  env: Record<string, string>,
  staff: Record<string, string>,
  description = 'A product for the subscription tests',
) {
  const created = await graphql<{ createProduct: { id: string } }>(
    routerUrl,
    'mutation($input: CreateProductInput!) { createProduct(input: $input) { id } }',
    {
      input: {
        sku: `LIVE-${randomUUID().slice(0, 8).toUpperCase()}`,
        name: 'Live stock probe',
        description,
        priceCents: 1000,
        currency: 'EUR',
      },
    },
    staff,
  );
  expect(created.body.errors).toBeUndefined();
  const id = created.body.data!.createProduct.id;
  await untilStockRowOpened(env, [id]);
  return id;
}

export async function restock(routerUrl: string, staff: Record<string, string>, productId: string, quantity: number) {
  const response = await graphql<{ restock: { available: number } }>(
    routerUrl,
    'mutation($id: ID!, $q: Int!) { restock(productId: $id, quantity: $q) { available } }',
    { id: productId, q: quantity },
    staff,
  );
  expect(response.body.errors).toBeUndefined();
  return response.body.data!.restock.available;
}

/** Lets a subscription reach the router and be registered before the test makes events. */
export const settle = (ms = 300) => new Promise((resolve) => setTimeout(resolve, ms));

/** A router's figure from its /metrics (a series without labels). */
export async function routerFigure(routerUrl: string, name: string): Promise<number> {
  const text = await (await fetch(routerUrl.replace(/\/graphql$/, '/metrics'))).text();
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : Number.NaN;
}

/** Waits until a router serves `count` subscriptions: each one hears its stream from then on. */
export const untilSubscribed = (routerUrl: string, count: number, timeoutMs = 30_000) =>
  waitFor(
    `${count} subscriptions on ${routerUrl}`,
    async () => (await routerFigure(routerUrl, 'router_live_subscriptions')) >= count,
    timeoutMs,
  );
