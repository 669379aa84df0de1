/**
 * Every benchmark, one after another, then bench/RESULTS.md: the machine, the date, the command,
 * how long each took, and each benchmark's headline table (the first table of the results file it
 * wrote) with its ratios against its named baseline.
 *   POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/postgres pnpm --filter @commerce/bench run all [ids…]
 * Ids: gateways, pages, events, saga, fanout (all by default, in that order). Each runs as its own
 * process with short but meaningful settings (DEFAULTS below, about 14 minutes in all on 2 cores);
 * any of them set in the environment overrides the default for every benchmark that reads it
 * (BENCH_SECONDS=30 lengthens them all; BENCH_RATES is read by events and saga alike). A benchmark
 * that fails is reported as failed, and the others still run; the exit code is then 1. Each
 * benchmark writes its bench/results/<id>.md as always; the file as this run wrote it is also kept
 * in bench/results/last-run/<id>.md, which RESULTS.md links to.
 * `--report-only` writes RESULTS.md from the results files already there, running nothing.
 */
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');

type Bench = {
  id: string;
  title: string;
  /** Relative to the repository's root. */
  script: string;
  results: string;
  defaults: Record<string, string>;
  /** What the ratios in the headline table are taken against. */
  baseline: string;
  /** Ratios computed here from the headline table, when the table does not print them itself. */
  ratios?: (rows: Record<string, string>[]) => string[];
};

const number = (cell: string | undefined) => Number((cell ?? '').replace(/[*×,\s]/g, ''));

const BENCHES: Bench[] = [
  {
    id: 'gateways',
    title: 'Federation gateways, The Guild’s benchmark shape',
    script: 'bench/gateways/run.ts',
    results: 'bench/results/gateways.md',
    defaults: { BENCH_SECONDS: '10', BENCH_WARMUP_SECONDS: '3', BENCH_ROUNDS: '2' },
    baseline:
      'plain @apollo/gateway (goal: ours ≥ 5×) and Hive Gateway with its Rust planner (goal: ours ≥ 1.3×, like for like); the table’s own ratios are against ours',
    ratios: (rows) => {
      // Like for like: a peer merging in-flight requests against our router merging, one that does
      // not (or cannot: plain @apollo/gateway) against ours with merging off.
      const label = (row: Record<string, string>) => row.gateway ?? '';
      const merges = (row: Record<string, string>) => !/merging off|@apollo\/gateway/.test(label(row));
      const ours = rows.filter((row) => label(row).startsWith('our router'));
      const peers = rows.filter((row) => !label(row).startsWith('our router'));
      const ratio = (mine: Record<string, string>, peer: Record<string, string>) =>
        `- ${label(mine)} ÷ ${label(peer)}: ${(number(mine['req/s']) / number(peer['req/s'])).toFixed(2)}× req/s (p99 ${mine['p99 ms']} vs ${peer['p99 ms']} ms)`;
      return peers.flatMap((peer) => {
        // A peer that cannot merge is also set against ours as deployed (merging on).
        const mine = /@apollo\/gateway/.test(label(peer)) ? ours : ours.filter((row) => merges(row) === merges(peer));
        return mine.length > 0
          ? mine.map((row) => ratio(row, peer))
          : [`- ${label(peer)}: no run of ours to compare with`];
      });
    },
  },
  {
    id: 'pages',
    title: 'The project’s pages, our router and plain @apollo/gateway over the same subgraphs',
    script: 'bench/pages.ts',
    results: 'bench/results/pages.md',
    defaults: { BENCH_SECONDS: '10', BENCH_WARMUP_SECONDS: '3', BENCH_ROUNDS: '2' },
    baseline: 'plain @apollo/gateway on the same running subgraphs (goal: ours ≥ 2× req/s on every page)',
  },
  {
    id: 'events',
    title: 'Events, commit to consumer effect',
    script: 'bench/events.ts',
    results: 'bench/results/events.md',
    defaults: { BENCH_SECONDS: '10', BENCH_RATES: '200,1000' },
    baseline: 'the one-process layout (emitter, relay and consumer on one event loop): column "p99 ÷ one process"',
  },
  {
    id: 'saga',
    title: 'The order saga, placeOrder to CONFIRMED',
    script: 'bench/saga.ts',
    results: 'bench/results/saga.md',
    defaults: { BENCH_SECONDS: '15', BENCH_RATES: '20,50' },
    baseline: 'the placeOrder round trip at the client: column "p99 ÷ round-trip p99"',
  },
  {
    id: 'fanout',
    title: 'Live updates fan-out over graphql-ws',
    script: 'bench/fanout.ts',
    results: 'bench/results/fanout.md',
    defaults: { BENCH_SECONDS: '10', BENCH_SUBSCRIBERS: '1,1000', BENCH_VARIANT_SUBSCRIBERS: '1000' },
    baseline: 'one subscriber in the same run: column "p99 ÷ p99 at 1"',
  },
];

// --report-only: RESULTS.md from the results files as they are, without running anything.
const reportOnly = process.argv.includes('--report-only');
const asked = process.argv.slice(2).filter((arg) => arg !== '--report-only');
const unknown = asked.filter((id) => !BENCHES.some((bench) => bench.id === id));
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; known: ${BENCHES.map((b) => b.id).join(', ')}`);
  process.exit(2);
}
const chosen = asked.length > 0 ? BENCHES.filter((bench) => asked.includes(bench.id)) : BENCHES;
if (!process.env.POSTGRES_URL && !reportOnly) {
  console.error('POSTGRES_URL must be set (e.g. postgresql://postgres@127.0.0.1:5432/postgres)');
  process.exit(2);
}

/** The settings a benchmark runs with: its defaults, then whatever the environment says. */
const settingsOf = (bench: Bench) =>
  Object.fromEntries(Object.keys(bench.defaults).map((name) => [name, process.env[name] ?? bench.defaults[name]!]));

function run(bench: Bench): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', bench.script], {
      cwd: ROOT,
      env: { ...process.env, ...settingsOf(bench) },
      stdio: 'inherit',
    });
    // Ctrl-C reaches the child too (same process group); wait for it to clean up.
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

/** The first Markdown table of a results file, and its rows as {column: cell}. */
function headlineTable(markdown: string): { text: string; rows: Record<string, string>[] } | undefined {
  const lines = markdown.split('\n');
  const start = lines.findIndex((line, i) => line.startsWith('|') && /^\|[-:| ]+\|$/.test(lines[i + 1] ?? ''));
  if (start < 0) return undefined;
  let end = start;
  while (end < lines.length && lines[end]!.startsWith('|')) end++;
  const table = lines.slice(start, end);
  const cells = (line: string) =>
    line
      .slice(1, -1)
      .split('|')
      .map((cell) => cell.trim());
  const header = cells(table[0]!);
  const rows = table
    .slice(2)
    .map((line) => Object.fromEntries(cells(line).map((cell, i) => [header[i] ?? String(i), cell])));
  return { text: table.join('\n'), rows };
}

const firstLine = (markdown: string, prefix: string) => markdown.split('\n').find((line) => line.startsWith(prefix));

/** The commit, and the code under measurement changed since it (others may edit while a run goes on). */
function codeState(): string {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
  try {
    const changed = git('status', '--porcelain', '--', 'router', 'subgraphs', 'packages', 'bench')
      .split('\n')
      .filter(Boolean)
      .map((line) => line.slice(3));
    return `${git('rev-parse', '--short', 'HEAD')}${changed.length > 0 ? ` with uncommitted changes in ${changed.join(', ')}` : ', clean'}`;
  } catch {
    return 'unknown (no git)';
  }
}

const lastRunOf = (bench: Bench) => `bench/results/last-run/${bench.id}.md`;

const startedAt = new Date();
const outcomes: Array<{ bench: Bench; code: number; seconds: number; fresh: boolean; codeAt: string }> = [];
for (const bench of chosen) {
  if (reportOnly) {
    outcomes.push({ bench, code: 0, seconds: Number.NaN, fresh: existsSync(join(ROOT, bench.results)), codeAt: '' });
    continue;
  }
  console.log(`\n━━━ ${bench.id}: ${bench.title} (${new Date().toISOString()}) ━━━`);
  const began = Date.now();
  const state = codeState();
  const code = await run(bench);
  const resultsFile = join(ROOT, bench.results);
  const fresh = existsSync(resultsFile) && statSync(resultsFile).mtimeMs >= began;
  // This run's file as written, beside RESULTS.md: results/<id>.md may later get a longer run, with notes.
  if (fresh) {
    mkdirSync(join(ROOT, 'bench/results/last-run'), { recursive: true });
    copyFileSync(resultsFile, join(ROOT, lastRunOf(bench)));
  }
  outcomes.push({ bench, code, seconds: (Date.now() - began) / 1000, fresh, codeAt: state });
  console.log(`━━━ ${bench.id}: exit ${code} after ${((Date.now() - began) / 1000).toFixed(0)} s ━━━`);
}
const totalSeconds = (Date.now() - startedAt.getTime()) / 1000;

const cpus = os.cpus();
const envOverrides = [
  ...new Set(chosen.flatMap((bench) => Object.keys(bench.defaults)).filter((name) => process.env[name])),
];
const command = `POSTGRES_URL=${process.env.POSTGRES_URL ?? ''}${envOverrides.map((name) => ` ${name}=${process.env[name]}`).join('')} pnpm --filter @commerce/bench run all${process.argv.length > 2 ? ` ${process.argv.slice(2).join(' ')}` : ''}`;
const sections = outcomes.map(({ bench, code, seconds, fresh, codeAt: state }) => {
  const settings = Object.entries(settingsOf(bench))
    .map(([name, value]) => `${name}=${value}`)
    .join(' ');
  const file = Number.isNaN(seconds) ? bench.results : lastRunOf(bench);
  const link = `[${file.replace('bench/', '')}](${file.replace('bench/', '')})`;
  const how = Number.isNaN(seconds)
    ? 'not run by this command (--report-only): the table is the last one written'
    : `\`${settings} ${bench.script}\`: ${code === 0 ? 'done' : `**failed (exit ${code})**`} in ${(seconds / 60).toFixed(1)} min, on ${state}`;
  const heading = `## ${bench.id}: ${bench.title}\n\n${how}. Full results: ${link}.`;
  if (code !== 0 || !fresh) {
    return `${heading}\n\n${fresh ? '' : 'No fresh results file was written in this run.'}`;
  }
  const markdown = readFileSync(join(ROOT, Number.isNaN(seconds) ? bench.results : lastRunOf(bench)), 'utf8');
  const table = headlineTable(markdown);
  const ratios = table && bench.ratios ? bench.ratios(table.rows) : [];
  return [
    heading,
    firstLine(markdown, 'Command:') ?? '',
    `Baseline: ${bench.baseline}.`,
    table?.text ?? '(no table in the results file)',
    ratios.length > 0 ? `Ratios:\n\n${ratios.join('\n')}` : '',
  ]
    .filter(Boolean)
    .join('\n\n');
});
const skipped = BENCHES.filter((bench) => !chosen.includes(bench)).map((bench) => bench.id);
const report = `# Benchmarks: the last run of all of them

Command: \`${command}\`

Machine: ${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, ${os.type()} ${os.release()}, Node ${process.version}.
Date: ${startedAt.toISOString()}; ${reportOnly ? 'report only, nothing run' : `took ${(totalSeconds / 60).toFixed(1)} min (${outcomes.map(({ bench, seconds }) => `${bench.id} ${(seconds / 60).toFixed(1)}`).join(', ')})`}.
Load average at the end: ${os
  .loadavg()
  .map((l) => l.toFixed(1))
  .join(' / ')}. Everything (load generator, gateways, units, Postgres, Redis) on this machine's cores, loopback only.
${skipped.length > 0 ? `\nNot run this time: ${skipped.join(', ')} (their last results stay in bench/results/).\n` : ''}
Each section: the settings it ran with, its headline table (the first table of its results file,
copied as written) and the baseline its ratios are taken against.

${sections.join('\n\n')}
`;
writeFileSync(join(ROOT, 'bench/RESULTS.md'), report);
console.log(`\nwritten to bench/RESULTS.md (${(totalSeconds / 60).toFixed(1)} min)`);
process.exit(outcomes.some(({ code }) => code !== 0) ? 1 : 0);
