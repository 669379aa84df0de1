import { buildSchema, getIntrospectionQuery, Kind, type OperationDefinitionNode, parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { errorCodes, graphql } from '../../../tests/support/graphql.ts';
import { bearer, type RunningRouter, startTestRouter } from '../../../tests/support/router.ts';
import { createOperationLimits, limitExceeded, measureOperation, type OperationMeasure } from './limits.ts';

// The limits of the shared test router (its defaults: depth 12, 20 aliases), and a router started
// here with small ones (depth 4, cost 100, bodies of 2,000 bytes, one allowed browser origin).
const routerUrl = inject('routerUrl');
const env = inject('env');
let small: RunningRouter;
beforeAll(async () => {
  small = await startTestRouter(env, {
    MAX_QUERY_DEPTH: '4',
    MAX_QUERY_COST: '100',
    MAX_BODY_BYTES: '2000',
    CORS_ORIGINS: 'https://shop.example.com',
  });
});
afterAll(async () => {
  await small?.close();
});

const tooComplex = (limit: string) => ({ code: 'QUERY_TOO_COMPLEX', limit });

describe('operation limits', () => {
  it('a query 30 levels deep is refused (400, QUERY_TOO_COMPLEX) with the limit it broke', async () => {
    // A user's orders' customer's orders…: four levels a round, valid however deep it goes.
    const deep = `{ me { ${'orders(first: 1) { edges { node { customer { '.repeat(7)}id${' } } } }'.repeat(7)} } }`;
    const response = await graphql(routerUrl, deep);
    expect(response.status).toBe(400);
    expect(response.body.errors?.[0]?.extensions).toMatchObject({ ...tooComplex('depth'), maximum: 12, actual: 30 });
    expect(response.body.errors?.[0]?.message).toMatch(/30 levels deep; the limit is 12/);
  });

  it("a playground's introspection query is within the limits", async () => {
    const response = await graphql<{ __schema: { types: unknown[] } }>(
      routerUrl,
      getIntrospectionQuery(),
      {},
      await bearer(env, 'STAFF'),
    );
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data?.__schema.types.length).toBeGreaterThan(10);
  });

  it('more aliases than allowed are refused; as many as allowed are served', async () => {
    const aliased = (count: number) =>
      `{ ${Array.from({ length: count }, (_, i) => `c${i}: categories { name }`).join(' ')} }`;
    expect((await graphql(routerUrl, aliased(20))).body.errors).toBeUndefined();
    const refused = await graphql(routerUrl, aliased(21));
    expect(refused.status).toBe(400);
    expect(refused.body.errors?.[0]?.extensions).toMatchObject({ ...tooComplex('aliases'), maximum: 20, actual: 21 });
  });

  it('cost weighs a list by its `first`: a page of 50 is refused, a page of 10 or the default 20 served', async () => {
    const page = 'query($n: Int) { products(first: $n) { edges { node { name } } } }';
    const refused = await graphql(small.url, page, { n: 50 });
    expect(refused.status).toBe(400);
    expect(refused.body.errors?.[0]?.extensions).toMatchObject({ ...tooComplex('cost'), maximum: 100, actual: 102 });
    expect((await graphql(small.url, page, { n: 10 })).body.errors).toBeUndefined();
    expect((await graphql(small.url, '{ products { edges { node { name } } } }')).body.errors).toBeUndefined();
    // A verdict is kept per document and variables: asked again, each answers as the first time.
    for (let again = 0; again < 2; again++) {
      const refusedAgain = await graphql(small.url, page, { n: 50 });
      expect(refusedAgain.status).toBe(400);
      expect(refusedAgain.body.errors?.[0]?.extensions).toMatchObject({ ...tooComplex('cost'), actual: 102 });
      expect((await graphql(small.url, page, { n: 10 })).body.errors).toBeUndefined();
    }
  });

  it('cost honours a variable’s default: `($n: Int = 50)` left out costs what a literal 50 costs', async () => {
    const literal = await graphql(small.url, '{ products(first: 50) { edges { node { name } } } }');
    const byDefault = await graphql(
      small.url,
      'query Page($n: Int = 50) { products(first: $n) { edges { node { name } } } }',
    );
    for (const refused of [literal, byDefault]) {
      expect(refused.status).toBe(400);
      expect(refused.body.errors?.[0]?.extensions).toMatchObject({ ...tooComplex('cost'), maximum: 100, actual: 102 });
    }
    const given = 'query Page($n: Int = 50) { products(first: $n) { edges { node { name } } } }';
    expect((await graphql(small.url, given, { n: 5 })).body.errors).toBeUndefined();
  });

  it('fragments cost what their fields cost: a named and an inline fragment over the limit are refused like the fields', async () => {
    const fields = 'products(first: 50) { edges { node { name } } }';
    for (const query of [
      `{ ${fields} }`,
      `{ ...Page } fragment Page on Query { ${fields} }`,
      `{ ... on Query { ${fields} } }`,
    ]) {
      const refused = await graphql(small.url, query);
      expect(refused.status, query).toBe(400);
      expect(refused.body.errors?.[0]?.extensions, query).toMatchObject({ ...tooComplex('cost'), actual: 102 });
    }
  });

  it('depth is counted on the supergraph, across subgraphs: one level over the limit is refused', async () => {
    expect((await graphql(small.url, '{ products { edges { node { name } } } }')).body.errors).toBeUndefined();
    const refused = await graphql(small.url, '{ products { edges { node { stock { available } } } } }');
    expect(refused.body.errors?.[0]?.extensions).toMatchObject({ ...tooComplex('depth'), maximum: 4, actual: 5 });
  });
});

// graphql's validation compares every pair of fields selected under one name: 2,000 copies of one
// field held the event loop for 18 s, 80,000 `__typename` for 43 s. They must be refused first.
describe('documents refused before validation', () => {
  const repeated = (copies: number, field = 'products(first: 1) { totalCount }') => `{ ${`${field} `.repeat(copies)}}`;

  /** Sends the document, and /healthz once the router has it: both must be answered quickly. */
  async function refusedPromptly(url: string, query: string) {
    const started = performance.now();
    const refusal = graphql(url, query);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const health = await fetch(url.replace('/graphql', '/healthz'));
    const healthMs = performance.now() - started;
    const response = await refusal;
    const refusalMs = performance.now() - started;
    expect(health.status).toBe(200);
    // Generous bounds for a shared, loaded machine: the bug took 18 s and 43 s.
    expect(healthMs).toBeLessThan(1500);
    expect(refusalMs).toBeLessThan(1500);
    expect(response.status).toBe(400);
    return response.body.errors?.[0];
  }

  it('2,000 repeated fields and 80,000 `__typename` are refused by the token limit at once; /healthz answers meanwhile', async () => {
    for (const query of [repeated(2000), repeated(80_000, '__typename')]) {
      const error = await refusedPromptly(routerUrl, query);
      expect(error?.extensions).toMatchObject({ ...tooComplex('tokens'), maximum: 3000 });
      expect(error?.message).toMatch(/longer than 3000 tokens/);
    }
  });

  it('without a token limit, the field count still refuses them before validation', async () => {
    const untokened = await startTestRouter(env, { MAX_QUERY_TOKENS: '10000000' });
    try {
      const copies = await refusedPromptly(untokened.url, repeated(2000));
      expect(copies?.extensions).toMatchObject({ ...tooComplex('fields'), maximum: 500, actual: 4000 });
      const typenames = await refusedPromptly(untokened.url, repeated(80_000, '__typename'));
      expect(typenames?.extensions).toMatchObject({ ...tooComplex('fields'), maximum: 500 });
      expect(typenames?.message).toMatch(/too many to count/);
    } finally {
      await untokened.close();
    }
  });

  it('one field selected over 20 times in one place is refused, directly or through fragments; 20 times is served', async () => {
    const viaFragments = (count: number) =>
      `{ ${Array.from({ length: count }, (_, i) => `...F${i}`).join(' ')} } ${Array.from(
        { length: count },
        (_, i) => `fragment F${i} on Query { products(first: 1) { totalCount } }`,
      ).join(' ')}`;
    expect((await graphql(routerUrl, repeated(20))).body.errors).toBeUndefined();
    for (const query of [repeated(21), viaFragments(21)]) {
      const refused = await graphql(routerUrl, query);
      expect(refused.status).toBe(400);
      expect(refused.body.errors?.[0]?.extensions).toMatchObject({ ...tooComplex('repeats'), maximum: 20, actual: 21 });
    }
  });
});

describe('choosing the operation', () => {
  it('an unknown operationName, or several operations without one, is a 400 BAD_REQUEST, not an internal error', async () => {
    const router = await startTestRouter(env);
    const errorLog = vi.spyOn(router.logger, 'error');
    try {
      const send = (body: Record<string, unknown>) =>
        fetch(router.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      const two = 'query A { categories { name } } query B { categories { slug } }';
      for (const [body, message] of [
        [{ query: two, operationName: 'C' }, /no operation named C/],
        [{ query: '{ categories { name } }', operationName: 'Missing' }, /no operation named Missing/],
        [{ query: two }, /several operations/],
      ] as const) {
        const response = await send(body);
        expect(response.status).toBe(400);
        const answer = (await response.json()) as { errors: Array<{ message: string; extensions: unknown }> };
        expect(answer.errors).toEqual([
          { message: expect.stringMatching(message), extensions: { code: 'BAD_REQUEST' } },
        ]);
      }
      expect((await send({ query: two, operationName: 'B' })).status).toBe(200);
      expect(errorLog).not.toHaveBeenCalled();
    } finally {
      await router.close();
    }
  });
});

describe('measuring an operation', () => {
  const schema = buildSchema(`
    type Query { shelf(first: Int): Shelf! tags: [String!]! }
    type Shelf { total: Int! edges: [Edge!]! }
    type Edge { node: Item! }
    type Item { name: String! parts: [Item!]! }
  `);
  const measure = (query: string, variables = {}) => {
    const document = parse(query);
    const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION) as OperationDefinitionNode;
    return measureOperation(schema, operation, {}, variables);
  };
  const measureWith = (query: string) => {
    const document = parse(query);
    const fragments = Object.fromEntries(
      document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d]] : [])),
    );
    const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION) as OperationDefinitionNode;
    return measureOperation(schema, operation, fragments);
  };

  it("a connection's `first` sizes its list of edges once; lists without one count as a default page", () => {
    // shelf 1 + total 1 + edges (1 + 5 × (node 1 + name 1))
    expect(measure('{ shelf(first: 5) { total edges { node { name } } } }')).toEqual({
      depth: 4,
      aliases: 0,
      cost: 13,
      fields: 5,
      repeats: 1,
    });
    // … and parts, a plain list, holds a default page of 20 under each node
    expect(measure('{ shelf(first: 5) { edges { node { parts { name } } } } }').cost).toBe(1 + 1 + 5 * (1 + 1 + 20));
    expect(measure('query($n: Int) { shelf(first: $n) { edges { node { name } } } }', { n: 2 }).cost).toBe(6);
  });

  it("a variable left out takes the operation's default; one given overrides it", () => {
    const query = 'query($n: Int = 50) { shelf(first: $n) { edges { node { name } } } }';
    expect(measure(query).cost).toBe(measure('{ shelf(first: 50) { edges { node { name } } } }').cost);
    expect(measure(query, { n: 2 }).cost).toBe(6);
  });

  it('fields in named and inline fragments are measured as if written in place', () => {
    const inPlace = measure('{ shelf(first: 5) { edges { node { name parts { name } } } } }');
    const named = measureWith(
      '{ shelf(first: 5) { edges { ...Edge } } } fragment Edge on Edge { node { name parts { name } } }',
    );
    const inline = measure('{ shelf(first: 5) { edges { ... on Edge { node { name parts { name } } } } } }');
    expect(named).toMatchObject({ cost: inPlace.cost, depth: inPlace.depth });
    expect(inline).toMatchObject({ cost: inPlace.cost, depth: inPlace.depth });
  });

  it('counts repeats of one response name across fragments, and does not follow a fragment cycle', () => {
    expect(measureWith('{ tags ...A ...B } fragment A on Query { tags } fragment B on Query { tags }').repeats).toBe(3);
    expect(measure('{ a: tags b: tags }').repeats).toBe(1);
    expect(measureWith('{ ...A } fragment A on Query { tags ...A }')).toMatchObject({ fields: 3 });
  });
});

describe('measuring an operation: edge cases', () => {
  const schema = buildSchema(`
    type Query { shelf(first: Int): Shelf! tags: [String!]! item: Item }
    type Shelf { total: Int! edges: [Edge!]! }
    type Edge { node: Item! }
    type Item { name: String! parts(after: String, first: Int): [Item!]! }
  `);
  const measure = (query: string, variables = {}) => {
    const document = parse(query);
    const fragments = Object.fromEntries(
      document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d]] : [])),
    );
    const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION) as OperationDefinitionNode;
    return measureOperation(schema, operation, fragments, variables);
  };

  it('`__typename` costs nothing and adds no depth; introspection costs nothing, its `ofType` chain no depth', () => {
    expect(measure('{ __typename }')).toEqual({ depth: 0, aliases: 0, cost: 0, fields: 1, repeats: 1 });
    expect(measure('{ item { __typename } }')).toMatchObject({ depth: 1, cost: 1 });
    const wrappers = measure('{ __schema { types { ofType { ofType { ofType { name } } } } } }');
    expect(wrappers).toMatchObject({ depth: 3, cost: 0 });
    expect(measure('{ __type(name: "Item") { fields { name } } }')).toMatchObject({ depth: 3, cost: 0 });
  });

  it('a list field takes its own `first` (a literal or a number variable); anything else is a default page', () => {
    // item 1 + parts (1 + n × name 1)
    expect(measure('{ item { parts(first: 3) { name } } }').cost).toBe(1 + 1 + 3);
    expect(measure('{ item { parts(after: "c", first: 3) { name } } }').cost).toBe(1 + 1 + 3);
    // A list's `first` sizes that list only: a list inside it without one holds a default page.
    expect(measure('{ item { parts(first: 3) { parts { name } } } }').cost).toBe(1 + 1 + 3 * (1 + 20));
    expect(measure('query($n: Int) { item { parts(first: $n) { name } } }', { n: 4 }).cost).toBe(1 + 1 + 4);
    expect(measure('query($n: Int) { item { parts(first: $n) { name } } }', { n: '4' }).cost).toBe(1 + 1 + 20);
    expect(measure('query($n: Int) { item { parts(first: $n) { name } } }').cost).toBe(1 + 1 + 20);
    expect(measure('query($n: Int = "x") { item { parts(first: $n) { name } } }').cost).toBe(1 + 1 + 20);
    expect(measure('{ item { parts(first: "3") { name } } }').cost).toBe(1 + 1 + 20);
    // A negative page holds nothing; a connection's `first` does not reach a list with its own.
    expect(measure('{ item { parts(first: -5) { name } } }').cost).toBe(1 + 1);
    expect(measure('{ shelf(first: 2) { edges { node { parts(first: 3) { name } } } } }').cost).toBe(
      1 + 1 + 2 * (1 + 1 + 3),
    );
  });

  it('a fragment spread in two places is counted in both; aliases are counted each', () => {
    const once = measure('{ item { ...Parts } } fragment Parts on Item { parts(first: 2) { name } }');
    const twice = measure(
      '{ item { ...Parts } again: item { ...Parts } } fragment Parts on Item { parts(first: 2) { name } }',
    );
    expect(twice.cost).toBe(2 * once.cost);
    expect(twice).toMatchObject({ aliases: 1, fields: 2 * once.fields, repeats: 1 });
    expect(measure('{ a: tags b: tags c: item { n: name } }').aliases).toBe(4);
    expect(measure('{ tags tags t: tags }').repeats).toBe(2);
  });

  it('an unvalidated document (the screen measures before validation) is measured without failing', () => {
    // An unknown type condition, a selection under a scalar, a field the type lacks: validation refuses them later.
    expect(measure('{ ... on Nope { name } }')).toMatchObject({ cost: 1, fields: 2 });
    expect(measure('{ tags { length } }')).toMatchObject({ cost: 1 + 20, depth: 2 });
    expect(measure('{ item { nope { name } } }')).toMatchObject({ cost: 2, depth: 2 });
  });

  it('up to 20,000 selections are counted; past that the walk stops and the count is infinite', () => {
    const names = (count: number) => `{ ${'tags '.repeat(count)}}`;
    expect(measure(names(20_000)).fields).toBe(20_000);
    expect(measure(names(20_001))).toMatchObject({ fields: Number.POSITIVE_INFINITY, cost: Number.POSITIVE_INFINITY });
  });
});

describe('which limit an operation breaks', () => {
  const limits = { maxDepth: 4, maxAliases: 3, maxCost: 100, maxFields: 50, maxFieldRepeats: 2 };
  const within: OperationMeasure = { depth: 4, aliases: 3, cost: 100, fields: 50, repeats: 2 };
  const broken = (measure: Partial<OperationMeasure>) => {
    const error = limitExceeded({ ...within, ...measure }, limits);
    return error && { message: error.message, extensions: error.extensions };
  };

  it('at every limit exactly, nothing is refused', () => {
    expect(limitExceeded(within, limits)).toBeUndefined();
  });

  it('one over a limit is QUERY_TOO_COMPLEX naming it, its maximum and the measure', () => {
    expect(broken({ fields: 51 })).toEqual({
      message: 'The query selects 51 fields; the limit is 50. Split it into several requests.',
      extensions: expect.objectContaining({ code: 'QUERY_TOO_COMPLEX', limit: 'fields', maximum: 50, actual: 51 }),
    });
    expect(broken({ repeats: 3 })).toEqual({
      message: 'The query selects one field 3 times in the same place; the limit is 2. Ask for it once.',
      extensions: expect.objectContaining({ limit: 'repeats', maximum: 2, actual: 3 }),
    });
    expect(broken({ depth: 5 })).toEqual({
      message: 'The query is 5 levels deep; the limit is 4. Ask for less nesting.',
      extensions: expect.objectContaining({ limit: 'depth', maximum: 4, actual: 5 }),
    });
    expect(broken({ aliases: 4 })).toEqual({
      message: 'The query uses 4 aliases; the limit is 3. Split it into several requests.',
      extensions: expect.objectContaining({ limit: 'aliases', maximum: 3, actual: 4 }),
    });
    expect(broken({ cost: 101 })).toEqual({
      message: "The query's cost is 101; the limit is 100. Ask for smaller pages (`first`) or fewer fields.",
      extensions: expect.objectContaining({ limit: 'cost', maximum: 100, actual: 101 }),
    });
  });

  it('an immeasurable document says so, without an `actual`', () => {
    const fields = broken({ fields: Number.POSITIVE_INFINITY, cost: Number.POSITIVE_INFINITY });
    expect(fields?.message).toBe(
      'The query selects too many to count fields; the limit is 50. Split it into several requests.',
    );
    expect(fields?.extensions).not.toHaveProperty('actual');
    const cost = broken({ cost: Number.POSITIVE_INFINITY });
    expect(cost?.message).toMatch(/^The query's cost is too large to measure; the limit is 100\./);
    expect(cost?.extensions).not.toHaveProperty('actual');
  });

  it('the first limit broken is the one reported: fields, repeats, depth, aliases, then cost', () => {
    const all = { fields: 51, repeats: 3, depth: 5, aliases: 4, cost: 101 };
    expect(broken(all)?.extensions).toMatchObject({ limit: 'fields' });
    expect(broken({ ...all, fields: 50 })?.extensions).toMatchObject({ limit: 'repeats' });
    expect(broken({ ...all, fields: 50, repeats: 2 })?.extensions).toMatchObject({ limit: 'depth' });
    expect(broken({ ...all, fields: 50, repeats: 2, depth: 4 })?.extensions).toMatchObject({ limit: 'aliases' });
  });
});

describe('the screen before validation', () => {
  const schema = buildSchema('type Query { tags: [String!]! item: Item } type Item { name: String! }');
  const limits = { maxDepth: 2, maxAliases: 1, maxCost: 100, maxFields: 50, maxFieldRepeats: 2, maxTokens: 40 };
  async function screenWithSchema() {
    const { screen, plugin } = createOperationLimits(limits);
    const listener = await plugin.serverWillStart!({} as never);
    listener!.schemaDidLoadOrUpdate!({ apiSchema: schema, coreSupergraphSdl: '' });
    return screen;
  }
  const codeOf = (error: { extensions: Record<string, unknown> } | undefined) =>
    error && { code: error.extensions.code, limit: error.extensions.limit };

  it('over the token limit: refused by the parser, before any schema is known', () => {
    const { screen } = createOperationLimits(limits);
    const refused = screen(`{ ${'tags '.repeat(50)}}`, {});
    expect(refused?.message).toBe('The query is longer than 40 tokens. Split it into several requests.');
    expect(refused?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'tokens', maximum: 40 });
    expect(screen('{ tags }', {})).toBeUndefined();
  });

  it('a syntax error is left to Apollo (GRAPHQL_PARSE_FAILED)', async () => {
    expect((await screenWithSchema())('{ tags', {})).toBeUndefined();
  });

  it('every operation of the document is measured, not only the first; fragments included', async () => {
    const screen = await screenWithSchema();
    expect(screen('query A { tags } query B { item { name } }', {})).toBeUndefined();
    expect(codeOf(screen('query A { tags } query B { a: tags b: tags }', {}))).toEqual({
      code: 'QUERY_TOO_COMPLEX',
      limit: 'aliases',
    });
    expect(codeOf(screen('fragment F on Query { tags tags } query A { tags ...F }', {}))).toEqual({
      code: 'QUERY_TOO_COMPLEX',
      limit: 'repeats',
    });
  });
});

describe('the HTTP edge', () => {
  it('a body over the size limit is refused with 413 PAYLOAD_TOO_LARGE; one under it is served', async () => {
    const padded = (bytes: number) => `{ categories { name } } # ${'x'.repeat(bytes)}`;
    const refused = await graphql(small.url, padded(3000));
    expect(refused.status).toBe(413);
    expect(errorCodes(refused)).toEqual(['PAYLOAD_TOO_LARGE']);
    expect((await graphql(small.url, padded(1000))).body.errors).toBeUndefined();
  });

  it('CORS: an allowed origin passes its preflight and may read answers; another origin may do neither', async () => {
    const preflight = (origin: string) =>
      fetch(small.url, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type, authorization',
        },
      });
    const allowed = await preflight('https://shop.example.com');
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://shop.example.com');
    expect(allowed.headers.get('access-control-allow-methods')).toMatch(/POST/);
    expect(allowed.headers.get('access-control-allow-headers')).toMatch(/authorization/);

    const other = await preflight('https://evil.example.com');
    expect(other.status).toBe(403);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();

    const read = (origin: string) => graphql(small.url, '{ categories { name } }', {}, { origin });
    expect((await read('https://shop.example.com')).headers.get('access-control-allow-origin')).toBe(
      'https://shop.example.com',
    );
    expect((await read('https://evil.example.com')).headers.get('access-control-allow-origin')).toBeNull();
  });

  it("CORS by default: the router's own origin is allowed", async () => {
    const origin = new URL(routerUrl).origin;
    const response = await fetch(routerUrl, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST' },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(origin);
  });

  it('CSRF: a POST shaped like a simple request (text/plain, no preflight header) is refused before it runs', async () => {
    const email = `csrf-${crypto.randomUUID()}@example.com`;
    const register = `mutation { register(input: { email: "${email}", name: "Mallory", password: "a-long-password" }) { token } }`;
    const response = await fetch(routerUrl, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ query: register }),
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/Cross-Site Request Forgery/);

    const login = await graphql(
      routerUrl,
      `mutation { login(email: "${email}", password: "a-long-password") { token } }`,
    );
    expect(errorCodes(login)).toEqual(['UNAUTHENTICATED']);
  });
});
