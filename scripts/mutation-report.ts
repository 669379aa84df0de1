/**
 * Writes bench/results/mutation.md from Stryker's JSON report (.run/mutation/report.json): the
 * score overall and per file, the surviving mutants to kill or to explain, and how it was run.
 * Called by scripts/mutation.sh after `stryker run`:
 *   tsx scripts/mutation-report.ts --seconds <run time> -- <the stryker options given>
 * After a run stopped early (no report.json), the same command reports the mutants tested so far,
 * from the event-recorder's files (.run/mutation/events), and says it is partial.
 * MUTATION_NOTE, when set, is written under the title (e.g. which code the run was on).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const REPORT = join(ROOT, '.run/mutation/report.json');
const EVENTS = join(ROOT, '.run/mutation/events');
const TARGET = join(ROOT, 'bench/results/mutation.md');

type Mutant = {
  mutatorName: string;
  replacement?: string;
  status: 'Killed' | 'Survived' | 'NoCoverage' | 'Timeout' | 'CompileError' | 'RuntimeError' | 'Ignored' | 'Pending';
  location: { start: { line: number; column: number } };
};
type Report = { files: Record<string, { mutants: Mutant[] }> };
type TestedMutant = Mutant & { fileName: string };

const args = process.argv.slice(2);
const separator = args.indexOf('--');
const secondsAt = args.indexOf('--seconds');
const seconds = secondsAt >= 0 ? Number(args[secondsAt + 1]) : Number.NaN;
const strykerOptions = separator >= 0 ? args.slice(separator + 1) : [];

const readJson = <T>(path: string) => JSON.parse(readFileSync(path, 'utf8')) as T;

/** The mutants tested so far, by file, and how many were planned, from the event-recorder's files. */
// Paths inside Stryker's sandbox copy, or absolute ones, become paths in the checkout.
const inCheckout = (fileName: string) =>
  fileName.replace(/^.*\.run\/stryker-tmp\/sandbox-[^/]+\//, '').replace(`${ROOT}/`, '');

function reportFromEvents(): { report: Report; planned: Map<string, number> } {
  const names = readdirSync(EVENTS).sort();
  const plan = names.find((name) => name.endsWith('-onMutationTestingPlanReady.json'));
  const planned = new Map<string, number>();
  if (plan) {
    const { mutantPlans } = readJson<{ mutantPlans: Array<{ mutant: { fileName: string } }> }>(join(EVENTS, plan));
    for (const { mutant } of mutantPlans) {
      const file = inCheckout(mutant.fileName);
      planned.set(file, (planned.get(file) ?? 0) + 1);
    }
  }
  const files: Report['files'] = {};
  for (const name of names.filter((file) => file.endsWith('-onMutantTested.json'))) {
    const mutant = readJson<TestedMutant>(join(EVENTS, name));
    const file = inCheckout(mutant.fileName);
    files[file] = { mutants: [...(files[file]?.mutants ?? []), mutant] };
  }
  for (const file of planned.keys()) files[file] ??= { mutants: [] };
  return { report: { files }, planned };
}

const complete = existsSync(REPORT);
const { report, planned } = complete ? { report: readJson<Report>(REPORT), planned: undefined } : reportFromEvents();
const plannedTotal = planned ? [...planned.values()].reduce((sum, count) => sum + count, 0) : 0;

type Tally = Record<'killed' | 'survived' | 'noCoverage' | 'timeout' | 'errors' | 'ignored', number>;
const emptyTally = (): Tally => ({ killed: 0, survived: 0, noCoverage: 0, timeout: 0, errors: 0, ignored: 0 });
function tally(mutants: Mutant[]): Tally {
  const counts = emptyTally();
  for (const { status } of mutants) {
    if (status === 'Killed') counts.killed += 1;
    else if (status === 'Survived') counts.survived += 1;
    else if (status === 'NoCoverage') counts.noCoverage += 1;
    else if (status === 'Timeout') counts.timeout += 1;
    else if (status === 'Ignored') counts.ignored += 1;
    else counts.errors += 1;
  }
  return counts;
}
/** Stryker's mutation score: detected (killed or timed out) over every valid mutant. */
function score({ killed, timeout, survived, noCoverage }: Tally): string {
  const valid = killed + timeout + survived + noCoverage;
  return valid === 0 ? '–' : `${((100 * (killed + timeout)) / valid).toFixed(1)} %`;
}
const reportedOf = (counts: Tally, plannedCount: number | undefined) =>
  planned ? ` ${Object.values(counts).reduce((sum, count) => sum + count, 0)} of ${plannedCount ?? 0} |` : '';
const row = (name: string, counts: Tally, plannedCount?: number) =>
  `| ${name} |${reportedOf(counts, plannedCount)} ${score(counts)} | ${counts.killed} | ${counts.survived} | ${counts.noCoverage} | ${counts.timeout} | ${counts.errors} | ${counts.ignored} |`;

const files = Object.entries(report.files).sort(([a], [b]) => a.localeCompare(b));
const overall = tally(files.flatMap(([, file]) => file.mutants));
const tested = overall.killed + overall.survived + overall.timeout + overall.errors;
const reported = Object.values(overall).reduce((sum, count) => sum + count, 0);

function git(...gitArgs: string[]): string {
  try {
    return execFileSync('git', gitArgs, { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}
const cpu = cpus();
const machine = `${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
const minutes = Number.isFinite(seconds) ? `${Math.floor(seconds / 60)} min ${seconds % 60} s` : 'unknown';
const perMutant = Number.isFinite(seconds) && tested > 0 ? `${(seconds / tested).toFixed(1)} s` : 'unknown';
const dirty = git('status', '--porcelain', '--untracked-files=no') === '' ? '' : ' (with uncommitted changes)';

const survivors = files.flatMap(([path, file]) =>
  file.mutants
    .filter((mutant) => mutant.status === 'Survived' || mutant.status === 'NoCoverage')
    .sort((a, b) => a.location.start.line - b.location.start.line || a.location.start.column - b.location.start.column)
    .map(
      (mutant) =>
        `| ${path}:${mutant.location.start.line} | ${mutant.status === 'Survived' ? 'survived' : 'no coverage'} | ${mutant.mutatorName} | \`${(mutant.replacement ?? '').replace(/\s+/g, ' ').replace(/\|/g, '\\|').slice(0, 80)}\` |`,
    ),
);

const note = process.env.MUTATION_NOTE;
const markdown = [
  '# Mutation testing (StrykerJS)',
  '',
  ...(note ? [`**${note}**`, ''] : []),
  ...(complete
    ? []
    : [
        `**Partial: the run was stopped with ${reported} of ${plannedTotal} mutants reported; the rest are not counted.**`,
        '',
      ]),
  `Command: \`${process.env.MUTATION_TESTS ? `MUTATION_TESTS='${process.env.MUTATION_TESTS}' ` : ''}pnpm mutation${strykerOptions.length ? ` ${strykerOptions.join(' ')}` : ''}\` (scripts/mutation.sh, stryker.config.mjs)`,
  `Date: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC; commit ${git('rev-parse', '--short', 'HEAD')}${dirty}`,
  `Machine: ${machine}; shared with other work while it ran (load average ${loadavg()[0]?.toFixed(0)} at the end)`,
  `Run time: ${minutes} for ${tested} mutants run against tests, ${perMutant} per mutant (the initial test run included)`,
  '',
  'Score = (killed + timeout) / (killed + timeout + survived + no coverage). "No coverage": no test that',
  'runs in the test process reaches the mutant. Code reached only inside the system processes that',
  'tests/global-setup.ts starts (subgraphs and router behind HTTP) runs there unmutated, so end-to-end',
  'tests kill nothing here; only tests that load the module (unit tests, in-process routers) do.',
  'Ignored: static mutants (evaluated once, at module load), left out by `ignoreStatic`.',
  '',
  `| file |${planned ? ' reported |' : ''} score | killed | survived | no coverage | timeout | errors | ignored |`,
  `|---|${planned ? '---|' : ''}---|---|---|---|---|---|---|`,
  row('**all**', overall, plannedTotal),
  ...files.map(([path, file]) => row(path, tally(file.mutants), planned?.get(path))),
  '',
  '## Mutants no test detected',
  '',
  ...(survivors.length === 0
    ? ['None.']
    : ['| where | status | mutator | replacement |', '|---|---|---|---|', ...survivors]),
  '',
].join('\n');

writeFileSync(TARGET, markdown);
console.log(`mutation score ${score(overall)} (${tested} mutants tested); written to bench/results/mutation.md`);
