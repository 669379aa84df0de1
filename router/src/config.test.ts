import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeServices } from '@apollo/composition';
import { IDENTITY_HEADER, verifyIdentity } from '@commerce/service-kit';
import { parse } from 'graphql';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { defaultUnitUrl, UNITS } from '../../scripts/lib/units.ts';
import { graphql } from '../../tests/support/graphql.ts';
import { startedPerTest } from '../../tests/support/router.ts';
import { checkConfig, DEFAULT_SUPERGRAPH_PATH } from './config.ts';
import { subgraphsOf, urlVariableOf } from './execution/subgraphs.ts';

const env = inject('env');
const { router } = startedPerTest(env);
const dir = mkdtempSync(join(tmpdir(), 'router-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A composed supergraph of the given subgraphs (name → SDL), written to a file of its own. */
function supergraphFile(subgraphs: Record<string, string>, url = (name: string) => `http://${name}.internal/graphql`) {
  const result = composeServices(
    Object.entries(subgraphs).map(([name, sdl]) => ({ name, url: url(name), typeDefs: parse(sdl) })),
  );
  if (result.errors) throw new Error(result.errors.map((error) => error.message).join('\n'));
  const path = join(dir, `${Object.keys(subgraphs).join('-')}.graphql`);
  writeFileSync(path, result.supergraphSdl);
  return path;
}

const federation = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])';
const greetings = `${federation}\ntype Query { greeting: String }`;
const weather = `${federation}\ntype Query { forecast: String }`;
/** What the router needs besides subgraph URLs, from the test system; none of the project's *_URL. */
const base = Object.fromEntries(Object.entries(env).filter(([key]) => !key.endsWith('_URL') || key === 'REDIS_URL'));
const problemsOf = (result: ReturnType<typeof checkConfig>) =>
  result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);

describe('the subgraphs a supergraph names', () => {
  it('are read from its join__Graph enum: the project supergraph lists every unit at its default URL', () => {
    const subgraphs = subgraphsOf(readFileSync(DEFAULT_SUPERGRAPH_PATH, 'utf8'));
    expect(subgraphs.map(({ name }) => name).sort()).toEqual([...UNITS].sort());
    for (const unit of UNITS) {
      expect(subgraphs.find(({ name }) => name === unit)?.url).toBe(defaultUnitUrl(unit));
    }
  });

  it('are found under the prefix the supergraph gives the join spec (@link as:)', () => {
    const sdl = readFileSync(supergraphFile({ greetings }), 'utf8')
      .replace(/(specs\.apollo\.dev\/join\/v[\d.]+")/, '$1, as: "j"')
      .replaceAll('join__', 'j__');
    expect(sdl).toContain('j__Graph');
    expect(subgraphsOf(sdl)).toEqual([{ name: 'greetings', url: 'http://greetings.internal/graphql' }]);
  });

  it('a document that is no supergraph is refused, saying why', () => {
    expect(() => subgraphsOf('type Query { a: Int }')).toThrow(/no @link to the join spec/);
  });

  it('take their URL override from <NAME>_URL, any character that is not a letter or digit as _', () => {
    expect(urlVariableOf('accounts')).toBe('ACCOUNTS_URL');
    expect(urlVariableOf('shipping-rates')).toBe('SHIPPING_RATES_URL');
  });
});

describe('the router over any supergraph', () => {
  it('with no SUPERGRAPH_PATH serves the project supergraph at the units’ default URLs, each overridable', () => {
    const result = checkConfig({ ...base, INVENTORY_URL: 'http://10.0.0.7:9000/graphql' });
    expect(problemsOf(result)).toEqual([]);
    expect(result.data?.supergraph.path).toBe(DEFAULT_SUPERGRAPH_PATH);
    expect(Object.fromEntries(result.data!.subgraphs.map(({ name, url }) => [name, url]))).toEqual(
      Object.fromEntries(
        UNITS.map((unit) => [unit, unit === 'inventory' ? 'http://10.0.0.7:9000/graphql' : defaultUnitUrl(unit)]),
      ),
    );
  });

  it('takes the subgraphs of SUPERGRAPH_PATH and only those; <NAME>_URL overrides the URL composed in', () => {
    const path = supergraphFile({ greetings, weather });
    const result = checkConfig({
      ...base,
      SUPERGRAPH_PATH: path,
      WEATHER_URL: 'http://127.0.0.1:9100/graphql',
      ACCOUNTS_URL: 'not read: this supergraph has no accounts',
    });
    expect(problemsOf(result)).toEqual([]);
    expect(result.data?.supergraph.sdl).toBe(readFileSync(path, 'utf8'));
    expect(result.data?.subgraphs).toEqual([
      { name: 'greetings', url: 'http://greetings.internal/graphql' },
      { name: 'weather', url: 'http://127.0.0.1:9100/graphql' },
    ]);
  });

  it('refuses, by name, an override that is no http(s) URL, a missing file, and a subgraph whose variable is a setting', () => {
    const path = supergraphFile({ greetings });
    expect(problemsOf(checkConfig({ ...base, SUPERGRAPH_PATH: path, GREETINGS_URL: 'ftp://x/graphql' }))).toEqual([
      'GREETINGS_URL: must be an http(s) URL',
    ]);
    expect(problemsOf(checkConfig({ ...base, SUPERGRAPH_PATH: join(dir, 'absent.graphql') }))).toEqual([
      expect.stringMatching(/^SUPERGRAPH_PATH: cannot serve .*absent\.graphql: ENOENT/),
    ]);
    const clash = supergraphFile({ redis: greetings });
    expect(problemsOf(checkConfig({ ...base, SUPERGRAPH_PATH: clash }))).toEqual([
      'SUPERGRAPH_PATH: subgraph redis would take its URL from REDIS_URL, which is a setting of the router: rename it in the supergraph',
    ]);
  });

  it('routes to a subgraph it was never told of, guarded and with an identity header addressed to it', async () => {
    const seen: IncomingHttpHeaders[] = [];
    const stub = createServer((req, res) => {
      seen.push(req.headers);
      req.resume().on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"data":{"greeting":"hello"}}');
      });
    });
    await new Promise<void>((resolve) => stub.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = stub.address() as AddressInfo;
      const { url } = await router({
        SUPERGRAPH_PATH: supergraphFile({ greetings }, () => 'http://127.0.0.1:1/graphql'),
        GREETINGS_URL: `http://127.0.0.1:${port}/graphql`,
      });
      const answer = await graphql(url, '{ greeting }');
      expect(answer.body).toEqual({ data: { greeting: 'hello' } });
      const token = seen[0]?.[IDENTITY_HEADER] as string;
      expect(await verifyIdentity(token, env.ROUTER_SIGNING_SECRET!, 'greetings')).toEqual({ kind: 'anonymous' });
      const metrics = await (await fetch(url.replace('/graphql', '/metrics'))).text();
      expect(metrics).toMatch(/subgraph_requests_total\{[^}]*subgraph="greetings"[^}]*\} 1/);
    } finally {
      stub.close();
    }
  });
});
