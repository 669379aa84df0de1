// Database chores for one unit, each run through Prisma's CLI (or the offline schema engine's own
// CLI) on the unit's prisma.config.ts, which selects the offline engine.
import path from 'node:path';
import { offlineSchemaEnginePath } from '../engine/index.ts';
import { type Finished, run } from './run.ts';
import { databaseUrl, prismaRoot, type Unit, unitPaths } from './units.ts';

/** What a task reports for a unit: one line when it worked, the full story when it did not. */
export type TaskResult = { ok: true; summary: string } | { ok: false; report: string };

export type Task = (unit: Unit) => Promise<TaskResult>;

// The bin of this package's pinned prisma, not whatever `prisma` the PATH finds first.
const prismaBin = path.join(prismaRoot, 'node_modules', '.bin', 'prisma');

const ok = (summary: string): TaskResult => ({ ok: true, summary });
const failed = (report: string): TaskResult => ({ ok: false, report });

// Read at each run, so a unit's URL set after this module loaded counts. No usage telemetry:
// nothing leaves this machine.
const childEnv = () => ({ ...process.env, CHECKPOINT_DISABLE: '1' });

function runPrisma(unit: Unit, args: readonly string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<Finished> {
  return run(prismaBin, [...args, '--config', unitPaths(unit).config], {
    cwd: prismaRoot,
    env: { ...childEnv(), ...extraEnv },
  });
}

function fullOutput({ exitCode, stdout, stderr }: Finished): string {
  return [`exit code ${exitCode}`, stdout.trim(), stderr.trim()].filter(Boolean).join('\n');
}

function lastLine(text: string): string {
  return text.trim().split('\n').at(-1)?.trim() ?? '';
}

/** The error the offline engine logged as a JSON line on stderr, as "P1001: Can't reach …". */
function engineError(stderr: string): { code?: string; text: string } | undefined {
  for (const line of stderr.split('\n')) {
    let entry: { level?: string; fields: { error_code?: string; message: string } };
    try {
      entry = JSON.parse(line);
    } catch {
      continue; // not one of the engine's log lines
    }
    if (entry.level === 'ERROR') {
      const { error_code: code, message } = entry.fields;
      return { code, text: code ? `${code}: ${message}` : message };
    }
  }
  return undefined;
}

function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.slice(1));
}

/** Creates the unit's database unless it exists, as `prisma migrate deploy` would. */
export const createDatabase: Task = async (unit) => {
  const url = databaseUrl(unit);
  const engineCli = (command: string) =>
    run(offlineSchemaEnginePath, ['--datasource', JSON.stringify({ url }), 'cli', command], { env: childEnv() });

  const probe = await engineCli('can-connect-to-database');
  if (probe.exitCode === 0) return ok(`database ${databaseName(url)} exists`);
  const probeError = engineError(probe.stderr);
  if (probeError?.code !== 'P1003') return failed(probeError?.text ?? fullOutput(probe));

  const creation = await engineCli('create-database');
  if (creation.exitCode !== 0) return failed(engineError(creation.stderr)?.text ?? fullOutput(creation));
  return ok(`created database ${databaseName(url)}`);
};

// Tasks that connect call databaseUrl() first: a missing variable fails early with its name
// instead of deep inside Prisma's output.

export const applyMigrations: Task = async (unit) => {
  databaseUrl(unit);
  const deploy = await runPrisma(unit, ['migrate', 'deploy']);
  return deploy.exitCode === 0 ? ok(lastLine(deploy.stdout)) : failed(fullOutput(deploy));
};

export const generateClient: Task = async (unit) => {
  const generate = await runPrisma(unit, ['generate']);
  return generate.exitCode === 0 ? ok(lastLine(generate.stdout)) : failed(fullOutput(generate));
};

/** Drops all data and objects of the unit's database, then applies its migrations again. */
export const resetDatabase: Task = async (unit) => {
  const url = databaseUrl(unit);
  const reset = await runPrisma(unit, ['migrate', 'reset', '--force']);
  return reset.exitCode === 0
    ? ok(`database ${databaseName(url)} reset, migrations applied`)
    : failed(fullOutput(reset));
};

/**
 * Fails when replaying the unit's committed migrations does not give its schema.prisma. The
 * replay happens in a temporary database on the server of the unit's URL; the engine is pointed
 * at the server's `postgres` database, so the unit's own database need not exist yet.
 */
export const checkDrift: Task = async (unit) => {
  const serverUrl = new URL(databaseUrl(unit));
  serverUrl.pathname = '/postgres';
  const { migrations, schema, config } = unitPaths(unit);
  const diff = await runPrisma(
    unit,
    ['migrate', 'diff', '--from-migrations', migrations, '--to-schema', schema, '--exit-code'],
    { [unit.databaseUrlVariable]: serverUrl.toString() },
  );
  const shown = (file: string) => path.relative(process.cwd(), file);
  // --exit-code: 0 means no difference, 2 a difference, anything else an error.
  if (diff.exitCode === 0) return ok(`migrations match ${shown(schema)}`);
  if (diff.exitCode !== 2) return failed(fullOutput(diff));
  return failed(
    [
      `The migrations in ${shown(migrations)} do not produce ${shown(schema)}. What the migrations lack:`,
      diff.stdout.trim(),
      // `pnpm --filter … exec` runs in the package folder, hence a config path relative to it.
      `Create the missing migration with: pnpm --filter @commerce/prisma exec prisma migrate dev --name <change> --config ${path.relative(prismaRoot, config)}`,
    ].join('\n'),
  );
};
