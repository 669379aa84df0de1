/**
 * Federation gateways side by side, in the shape of The Guild's graphql-gateways-benchmark: four
 * static subgraphs (accounts, inventory, products, reviews) and its deep nested query, the same
 * subgraphs behind every gateway, on this machine's cores, loopback only.
 *   pnpm --filter @commerce/bench run gateways        (or: pnpm exec tsx bench/gateways/run.ts)
 * Settings (environment): BENCH_SECONDS (10) measured per round, BENCH_WARMUP_SECONDS (5) of load
 * before each round's measure, BENCH_ROUNDS (2), BENCH_CONNECTIONS (20), BENCH_GATEWAYS (all but
 * ours-workers*; a comma-separated list of the ids below), BENCH_RATE_LIMIT (our router's anonymous requests per
 * 60 s window; 100000). Each round starts every gateway afresh, one at a time, in an order that
 * rotates from round to round. Every response is compared with the benchmark's expected result:
 * a wrong answer, however fast, is an error. Writes bench/results/gateways.md.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { composeServices } from '@apollo/composition';
import autocannon from 'autocannon';
import { parse } from 'graphql';
import { SERVICE_NODE_FLAGS } from '../../scripts/lib/system.ts';
import { freePort } from '../../tests/messaging/support.ts';
import { cpuMs, profilingEnv, safeJson } from '../support.ts';
import { BENCH_SUBGRAPHS, type BenchSubgraphName } from './subgraphs/schemas.ts';

const ROOT = join(import.meta.dirname, '../..');
const HERE = import.meta.dirname;
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const warmupSeconds = Number(process.env.BENCH_WARMUP_SECONDS ?? 5);
const rounds = Number(process.env.BENCH_ROUNDS ?? 2);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 20);
const rateLimit = Number(process.env.BENCH_RATE_LIMIT ?? 100_000);
/**
 * Our router's cost limit for the run. Its cost model takes a list without `first` to hold a page
 * (20 items); the benchmark's query nests five such lists, so it measures 1,575,022 against the
 * default limit of 10,000 and is refused (QUERY_TOO_COMPLEX). Raised to just above that measure.
 */
const maxQueryCost = Number(process.env.BENCH_MAX_QUERY_COST ?? 1_600_000);
const only = process.env.BENCH_GATEWAYS?.split(',').map((id) => id.trim());

/** The benchmark's query (federation-v1/scenarios/k6.shared.js), as it sends it. */
const QUERY = `fragment User on User {
  id
  username
  name
}

fragment Review on Review {
  id
  body
}

fragment Product on Product {
  inStock
  name
  price
  shippingEstimate
  upc
  weight
}

query TestQuery {
  users {
    ...User
    reviews {
      ...Review
      product {
        ...Product
        reviews {
          ...Review
          author {
            ...User
            reviews {
              ...Review
              product {
                ...Product
              }
            }
          }
        }
      }
    }
  }
  topProducts {
    ...Product
    reviews {
      ...Review
      author {
        ...User
        reviews {
          ...Review
          product {
            ...Product
          }
        }
      }
    }
  }
}`;
const BODY = JSON.stringify({ query: QUERY });
/**
 * The response the benchmark's k6 check expects: its `expectedStructure` (values included), taken
 * from federation-v1/scenarios/k6.shared.js at the-guild-org/graphql-gateways-benchmark@69cf178.
 */
const EXPECTED = JSON.parse(readFileSync(join(HERE, 'expected-response.json'), 'utf8')) as unknown;
const EXPECTED_TEXT = JSON.stringify(EXPECTED);
const correct = (body: string) => body === EXPECTED_TEXT || isDeepStrictEqual(safeJson(body), EXPECTED);

const runDir = join(ROOT, '.run/bench-gateways');
rmSync(runDir, { recursive: true, force: true });
mkdirSync(runDir, { recursive: true });
const children: ChildProcess[] = [];
const scratch: string[] = [];
// However the run ends (an error on the way, Ctrl-C), nothing it started outlives it.
process.on('exit', () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});
process.on('SIGINT', () => process.exit(130));
process.on('SIGTERM', () => process.exit(143));

function start(name: string, command: string, args: string[], env: Record<string, string> = {}, cwd = ROOT) {
  const log = createWriteStream(join(runDir, `${name}.log`));
  const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  children.push(child);
  return child;
}

async function stop(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

async function waitUntil(name: string, child: ChildProcess, ready: () => Promise<boolean>, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode}); see ${runDir}/${name}.log`);
    if (await ready().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${name} not ready within ${timeoutMs / 1000} s; see ${runDir}/${name}.log`);
}

const post = (url: string, query: string) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
    signal: AbortSignal.timeout(5000),
  });

/** CPU ms (user + system) of a process and every process under it (a gateway's workers, if it forks). */
function treeCpuMs(pid: number): number {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.split(') ')[1]!.split(' ')[1]));
    } catch {} // gone meanwhile
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    for (const [child, parent] of parents) if (parent === tree[i]) tree.push(child);
  }
  return tree.reduce((sum, member) => {
    try {
      return sum + cpuMs(member);
    } catch {
      return sum;
    }
  }, 0);
}

// ——— the subgraphs, the supergraph, Redis ———

const subgraphPorts = {} as Record<BenchSubgraphName, number>;
const subgraphPids: number[] = [];
for (const name of Object.keys(BENCH_SUBGRAPHS) as BenchSubgraphName[]) subgraphPorts[name] = await freePort();
const subgraphUrl = (name: BenchSubgraphName) => `http://127.0.0.1:${subgraphPorts[name]}/graphql`;
await Promise.all(
  (Object.keys(BENCH_SUBGRAPHS) as BenchSubgraphName[]).map(async (name) => {
    const child = start(`subgraph-${name}`, process.execPath, [
      '--import',
      'tsx',
      join(HERE, 'subgraphs/main.ts'),
      name,
      String(subgraphPorts[name]),
    ]);
    subgraphPids.push(child.pid!);
    await waitUntil(name, child, async () => (await fetch(subgraphUrl(name).replace('/graphql', '/readyz'))).ok);
  }),
);
const subgraphRequests = async () => {
  let total = 0;
  for (const name of Object.keys(BENCH_SUBGRAPHS) as BenchSubgraphName[]) {
    const stats = (await (await fetch(subgraphUrl(name).replace('/graphql', '/stats'))).json()) as { requests: number };
    total += stats.requests;
  }
  return total;
};

const composed = composeServices(
  (Object.entries(BENCH_SUBGRAPHS) as Array<[BenchSubgraphName, (typeof BENCH_SUBGRAPHS)[BenchSubgraphName]]>).map(
    ([name, { typeDefs }]) => ({ name, url: subgraphUrl(name), typeDefs: parse(typeDefs) }),
  ),
);
if (composed.errors) throw new Error(`the bench subgraphs do not compose: ${composed.errors.map((e) => e.message)}`);
const supergraphPath = join(runDir, 'supergraph.graphql');
writeFileSync(supergraphPath, composed.supergraphSdl);

const redisPort = await freePort();
const redisDir = mkdtempSync(join(os.tmpdir(), 'bench-redis-'));
scratch.push(redisDir);
const redis = start('redis', 'redis-server', [
  '--port',
  String(redisPort),
  '--bind',
  '127.0.0.1',
  '--save',
  '',
  '--appendonly',
  'no',
  '--dir',
  redisDir,
]);
await waitUntil(
  'redis',
  redis,
  () =>
    new Promise<boolean>((resolve) => {
      const socket = connect(redisPort, '127.0.0.1', () => socket.write('PING\r\n'));
      socket.once('data', (data) => {
        socket.destroy();
        resolve(data.toString().startsWith('+PONG'));
      });
      socket.once('error', () => resolve(false));
    }),
);

// ——— the gateways ———

const require = createRequire(join(HERE, '../package.json'));
/** A dependency's folder, found from its entry point (some packages export no package.json). */
function packageDir(name: string): string {
  for (let dir = dirname(require.resolve(name)); dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === name)
      return dir;
  }
  throw new Error(`cannot find the folder of ${name}`);
}
const manifestOf = (name: string) =>
  JSON.parse(readFileSync(join(packageDir(name), 'package.json'), 'utf8')) as {
    version: string;
    bin: Record<string, string>;
  };
const version = (name: string) => manifestOf(name).version;
const hiveBin = join(packageDir('@graphql-hive/gateway'), manifestOf('@graphql-hive/gateway').bin['hive-gateway']!);

type Gateway = { id: string; label: string; launch: (port: number) => ChildProcess };
const hive = (id: string, label: string, flags: string[]): Gateway => ({
  id,
  label,
  // In an empty folder, so it finds no gateway config but the one it is given.
  launch: (port) =>
    start(
      id,
      process.execPath,
      [hiveBin, 'supergraph', supergraphPath, '--host', '127.0.0.1', '--port', String(port), ...flags],
      { NODE_ENV: 'production' },
      runDir,
    ),
});
const noMerging = ['--config-path', join(HERE, 'peers/hive-no-merging.config.ts')];
const hiveVersion = version('@graphql-hive/gateway');
const routerRuntimeVersion = version('@graphql-hive/router-runtime');

/** Our router as it runs in production (its V8 flags, SERVICE_NODE_FLAGS): auth, limits, rate limits, resilience, access log, in-flight merging; the anonymous rate limit and the cost limit raised for the load. */
const oursWith = (id: string, label: string, extra: Record<string, string>): Gateway => ({
  id,
  label,
  launch: (port) =>
    start(
      id,
      process.execPath,
      [...SERVICE_NODE_FLAGS, '--import', 'tsx', 'router/src/main.ts', '--supergraph', supergraphPath],
      {
        NODE_ENV: 'production',
        HOST: '127.0.0.1',
        ROUTER_PORT: String(port),
        REDIS_URL: `redis://127.0.0.1:${redisPort}`,
        ROUTER_SIGNING_SECRET: randomBytes(32).toString('base64url'),
        JWT_VERIFICATION_KEYS: `bench:${randomBytes(32).toString('base64url')}`,
        RATE_LIMIT_ANONYMOUS: String(rateLimit),
        MAX_QUERY_COST: String(maxQueryCost),
        RATE_LIMIT_KEY_PREFIX: `bench-rate-limit-${Date.now()}`,
        ...extra,
        ...profilingEnv(),
      },
    ),
});
const ours = oursWith('ours', 'our router (router/src/main.ts), merging on', {});
const oursNoMerging = oursWith('ours-no-merging', 'our router, merging off (SUBGRAPH_MERGE_IN_FLIGHT=off)', {
  SUBGRAPH_MERGE_IN_FLIGHT: 'off',
});

/** Not in the default run (BENCH_GATEWAYS=ours-workers…): two router processes over the cores (ROUTER_WORKERS=2). */
const oursWorkers = oursWith('ours-workers', 'our router, 2 processes (ROUTER_WORKERS=2), merging on', {
  ROUTER_WORKERS: '2',
});
const oursWorkersNoMerging = oursWith('ours-workers-no-merging', 'our router, 2 processes, merging off', {
  ROUTER_WORKERS: '2',
  SUBGRAPH_MERGE_IN_FLIGHT: 'off',
});

const gateways: Gateway[] = [
  ours,
  oursNoMerging,
  {
    id: 'apollo-gateway',
    label: `@apollo/gateway ${version('@apollo/gateway')} on @apollo/server ${version('@apollo/server')}`,
    launch: (port: number) =>
      start(
        'apollo-gateway',
        process.execPath,
        ['--import', 'tsx', join(HERE, 'peers/apollo-gateway.ts'), supergraphPath, String(port)],
        { NODE_ENV: 'production' },
      ),
  },
  hive('hive-js', `Hive Gateway ${hiveVersion}, JS planner, merging on`, []),
  hive('hive-js-no-merging', `Hive Gateway ${hiveVersion}, JS planner, merging off`, noMerging),
  hive('hive-rust', `Hive Gateway ${hiveVersion}, Rust planner (router-runtime ${routerRuntimeVersion}), merging on`, [
    '--hive-router-runtime',
  ]),
  hive('hive-rust-no-merging', `Hive Gateway ${hiveVersion}, Rust planner, merging off`, [
    '--hive-router-runtime',
    ...noMerging,
  ]),
  ...(only ? [oursWorkers, oursWorkersNoMerging] : []),
].filter((gateway) => !only || only.includes(gateway.id));

type Round = {
  requests: number;
  perSecond: number;
  p50: number;
  p99: number;
  errors: number;
  cpuMsPerRequest: number;
  subgraphCpuMsPerRequest: number;
  subgraphCallsPerRequest: number;
};
const results = new Map<string, Round[]>(gateways.map((gateway) => [gateway.id, []]));
const firstAnswers = new Map<string, string>();

function load(url: string, duration: number) {
  let wrong = 0;
  const run = autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: BODY,
    connections,
    duration,
    requests: [
      {
        onResponse: (status: number, body: string) => {
          if (status !== 200 || !correct(String(body))) wrong++;
        },
      },
    ],
  });
  return run.then((result) => ({ result, wrong }));
}

async function measure(gateway: Gateway): Promise<Round> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/graphql`;
  const child = gateway.launch(port);
  try {
    await waitUntil(gateway.id, child, async () => (await post(url, '{ __typename }')).ok);
    const first = await (
      await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: BODY })
    ).text();
    if (!correct(first)) firstAnswers.set(gateway.id, first.slice(0, 600));
    await load(url, warmupSeconds);
    const subgraphsCpu = () => subgraphPids.reduce((sum, pid) => sum + treeCpuMs(pid), 0);
    const cpuBefore = treeCpuMs(child.pid!);
    const subgraphsCpuBefore = subgraphsCpu();
    const callsBefore = await subgraphRequests();
    const { result, wrong } = await load(url, seconds);
    const cpu = treeCpuMs(child.pid!) - cpuBefore;
    const subgraphCpu = subgraphsCpu() - subgraphsCpuBefore;
    const calls = (await subgraphRequests()) - callsBefore;
    const requests = result.requests.total;
    return {
      requests,
      perSecond: requests / result.duration,
      p50: result.latency.p50,
      p99: result.latency.p99,
      errors: wrong + result.errors + result.timeouts,
      cpuMsPerRequest: requests > 0 ? cpu / requests : Number.NaN,
      subgraphCpuMsPerRequest: requests > 0 ? subgraphCpu / requests : Number.NaN,
      subgraphCallsPerRequest: requests > 0 ? calls / requests : Number.NaN,
    };
  } finally {
    await stop(child);
  }
}

const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
const started = new Date();
try {
  for (let round = 0; round < rounds; round++) {
    const order = gateways.map((_, i) => gateways[(i + round) % gateways.length]!);
    for (const gateway of order) {
      const measured = await measure(gateway);
      results.get(gateway.id)!.push(measured);
      console.log(
        `round ${round + 1}/${rounds} ${gateway.id.padEnd(22)} ${measured.perSecond.toFixed(0).padStart(5)} req/s  p50 ${measured.p50} ms  p99 ${measured.p99} ms  errors ${measured.errors}  CPU ${measured.cpuMsPerRequest.toFixed(2)} ms/req  subgraph calls ${measured.subgraphCallsPerRequest.toFixed(1)}/req`,
      );
    }
  }
} finally {
  await Promise.all(children.map(stop));
}

// ——— the report ———

const summary = gateways.map((gateway) => {
  const measured = results.get(gateway.id)!;
  return {
    gateway,
    measured,
    perSecond: mean(measured.map((round) => round.perSecond)),
    p50: mean(measured.map((round) => round.p50)),
    p99: mean(measured.map((round) => round.p99)),
    errors: measured.reduce((sum, round) => sum + round.errors, 0),
    requests: measured.reduce((sum, round) => sum + round.requests, 0),
    cpu: mean(measured.map((round) => round.cpuMsPerRequest)),
    subgraphCpu: mean(measured.map((round) => round.subgraphCpuMsPerRequest)),
    calls: mean(measured.map((round) => round.subgraphCallsPerRequest)),
  };
});
const oursSummary = summary.find(({ gateway }) => gateway.id === 'ours');
const ratio = (value: number, base: number | undefined) => (base ? `${(value / base).toFixed(2)}×` : '–');
const cpus = os.cpus();
const command = `BENCH_SECONDS=${seconds} BENCH_WARMUP_SECONDS=${warmupSeconds} BENCH_ROUNDS=${rounds} BENCH_CONNECTIONS=${connections} BENCH_RATE_LIMIT=${rateLimit} BENCH_MAX_QUERY_COST=${maxQueryCost}${only ? ` BENCH_GATEWAYS=${only.join(',')}` : ''} pnpm --filter @commerce/bench run gateways`;
const table = [
  '| gateway | req/s | req/s ÷ ours | p50 ms | p99 ms | errors / requests | CPU ms/req | CPU ÷ ours | subgraph calls/req | subgraphs CPU ms/req |',
  '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...summary.map(
    (row) =>
      `| ${row.gateway.label} | ${row.perSecond.toFixed(0)} | ${ratio(row.perSecond, oursSummary?.perSecond)} | ${row.p50.toFixed(0)} | ${row.p99.toFixed(0)} | ${row.errors} / ${row.requests} | ${row.cpu.toFixed(2)} | ${ratio(row.cpu, oursSummary?.cpu)} | ${row.calls.toFixed(1)} | ${row.subgraphCpu.toFixed(2)} |`,
  ),
].join('\n');
const perRound = [
  '| gateway | round | req/s | p50 ms | p99 ms | errors | CPU ms/req |',
  '|---|---:|---:|---:|---:|---:|---:|',
  ...summary.flatMap((row) =>
    row.measured.map(
      (round, i) =>
        `| ${row.gateway.id} | ${i + 1} | ${round.perSecond.toFixed(0)} | ${round.p50} | ${round.p99} | ${round.errors} | ${round.cpuMsPerRequest.toFixed(2)} |`,
    ),
  ),
].join('\n');
const wrongFirst = [...firstAnswers].map(([id, text]) => `- ${id}'s first answer was wrong: \`${text}…\``).join('\n');
const report = `# Federation gateways, side by side (The Guild's graphql-gateways-benchmark shape)

Command: \`${command}\`

Machine: ${cpus.length} × ${cpus[0]?.model ?? 'unknown CPU'}${cpus[0]?.speed ? ` (${cpus[0].speed} MHz)` : ''}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, Linux ${os.release()}, Node ${process.version}. Date: ${started.toISOString()}.

Four static subgraphs (bench/gateways/subgraphs/, the data and answers of the original Rust ones, each
a Node process), the benchmark's deep nested query (${(EXPECTED_TEXT.length / 1024).toFixed(1)} KiB response), autocannon with
${connections} connections, ${rounds} rounds per gateway of ${warmupSeconds} s warm-up then ${seconds} s measured, each round a fresh
gateway process, the order rotating between rounds. Load generator, subgraphs and gateway share the
machine's cores. Figures are the means of the rounds; CPU is the gateway process's own (with any
children), from /proc, over the measured seconds, per request. Errors count every response that is
not HTTP 200 with exactly the expected result, plus socket errors and timeouts. Subgraph calls per
request show in-flight merging at work; the subgraphs' CPU per request is what each gateway's calls
cost the four subgraph processes on the same cores.

${table}

Our router ran with its production settings (JWT and API-key authentication, operation limits,
persisted-query rules, introspection for staff only, Redis rate limits, per-subgraph timeouts,
retries, breakers and bulkheads, the signed identity header, an access log line per request at
LOG_LEVEL=info) over a private Redis. Two settings differ from the defaults, for the load:
RATE_LIMIT_ANONYMOUS=${rateLimit} (per 60 s window; default 300), since every request comes
anonymously from 127.0.0.1; and MAX_QUERY_COST=${maxQueryCost} (default 10,000): the cost model
counts a list without \`first\` as a page of 20, so the query's five nested lists measure 1,575,022
and the default refuses it (QUERY_TOO_COMPLEX), although its answer holds far fewer objects. Depth
(8 of 12), field count, aliases and tokens pass the defaults.
${wrongFirst ? `\n${wrongFirst}\n` : ''}
Per round:

${perRound}
`;
writeFileSync(join(ROOT, 'bench/results/gateways.md'), report);
console.log(`\n${table}\n\nwritten to bench/results/gateways.md`);
