/**
 * What the router costs: the same catalog page asked of the catalog subgraph directly (the
 * baseline) and through the router, then a page that spans catalog and inventory through the
 * router. Runs against the system started by ./scripts/start.sh on this machine.
 *   pnpm bench                 (BENCH_SECONDS=5 BENCH_CONCURRENCY=16 by default)
 * Bounded: each scenario runs for BENCH_SECONDS at BENCH_CONCURRENCY requests in flight, only
 * against 127.0.0.1.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ANONYMOUS, IDENTITY_HEADER, signIdentity } from '@commerce/service-kit';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 16);
const routerUrl = process.env.ROUTER_URL ?? 'http://127.0.0.1:4000/graphql';
const catalogUrl = process.env.CATALOG_URL ?? 'http://127.0.0.1:4002/graphql';
const secrets = JSON.parse(readFileSync(join(import.meta.dirname, '../.run/local-secrets.json'), 'utf8')) as {
  routerSigningSecret: string;
};

type Scenario = { name: string; url: string; query: string; headers?: () => Promise<Record<string, string>> };
type Result = { name: string; requests: number; errors: number; perSecond: number; p50: number; p99: number };

const CATALOG_PAGE = '{ products(first: 20) { edges { node { id sku name priceCents } } } }';
const SPANNING_PAGE = '{ products(first: 20) { edges { node { id sku name priceCents stock { available } } } } }';

async function run(scenario: Scenario): Promise<Result> {
  const body = JSON.stringify({ query: scenario.query });
  const latencies: number[] = [];
  let errors = 0;
  const deadline = performance.now() + seconds * 1000;
  async function worker() {
    while (performance.now() < deadline) {
      const started = performance.now();
      const response = await fetch(scenario.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(await scenario.headers?.()) },
        body,
      });
      const json = (await response.json()) as { errors?: unknown };
      if (!response.ok || json.errors) errors++;
      latencies.push(performance.now() - started);
    }
  }
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * q))] ?? 0;
  return {
    name: scenario.name,
    requests: latencies.length,
    errors,
    perSecond: latencies.length / elapsed,
    p50: at(0.5),
    p99: at(0.99),
  };
}

// The subgraph only answers the router: sign as the router does, per request (a header lives
// IDENTITY_LIFETIME_SECONDS and is addressed to the catalog alone).
const routerHeader = async () => ({
  [IDENTITY_HEADER]: await signIdentity(ANONYMOUS, secrets.routerSigningSecret, 'catalog'),
});
const scenarios: Scenario[] = [
  {
    name: 'catalog page, catalog subgraph directly (baseline)',
    url: catalogUrl,
    query: CATALOG_PAGE,
    headers: routerHeader,
  },
  { name: 'catalog page, through the router', url: routerUrl, query: CATALOG_PAGE },
  { name: 'catalog + inventory page, through the router', url: routerUrl, query: SPANNING_PAGE },
];

console.log(`${seconds} s per scenario, ${concurrency} requests in flight, Node ${process.version}`);
const results: Result[] = [];
for (const scenario of scenarios) {
  await run({ ...scenario, name: `${scenario.name} (warm-up)` }).catch(() => undefined);
  results.push(await run(scenario));
}
const baseline = results[0]!;
console.log('');
console.log('| scenario | req/s | p50 ms | p99 ms | errors | throughput vs baseline |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const r of results) {
  console.log(
    `| ${r.name} | ${r.perSecond.toFixed(0)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.errors} | ${(r.perSecond / baseline.perSecond).toFixed(2)}× |`,
  );
}
