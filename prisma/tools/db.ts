// Database chores for every unit (or the named ones), on the offline schema engine:
//   tsx tools/db.ts <create|migrate|generate|check-drift|reset> [unit ...]
// One line per unit when it works; the full output of what failed otherwise (exit code 1).
import { applyMigrations, checkDrift, createDatabase, generateClient, resetDatabase, type Task } from './tasks.ts';
import { findUnit, units } from './units.ts';

const tasks: Record<string, { task: Task; purpose: string }> = {
  create: { task: createDatabase, purpose: "create each unit's database if missing" },
  migrate: { task: applyMigrations, purpose: 'apply pending migrations (prisma migrate deploy)' },
  generate: { task: generateClient, purpose: 'generate the Prisma clients (no database needed)' },
  'check-drift': { task: checkDrift, purpose: 'fail when the migrations do not produce schema.prisma' },
  reset: { task: resetDatabase, purpose: 'drop all data and re-apply the migrations (for tests)' },
};

function usage(): string {
  const commands = Object.entries(tasks).map(([name, { purpose }]) => `  ${name.padEnd(12)} ${purpose}`);
  return [
    'Usage: tsx tools/db.ts <command> [unit ...]',
    '',
    ...commands,
    '',
    `Units: ${units.map((unit) => `${unit.name} (${unit.databaseUrlVariable})`).join(', ')}; all when none is named.`,
  ].join('\n');
}

async function main(args: readonly string[]): Promise<number> {
  const [command, ...unitNames] = args;
  const chosen = command === undefined ? undefined : tasks[command];
  if (!chosen) {
    console.error(
      command === undefined || command === '--help' ? usage() : `Unknown command "${command}".\n\n${usage()}`,
    );
    return command === '--help' ? 0 : 2;
  }
  const selected = unitNames.length > 0 ? unitNames.map(findUnit) : units;

  // Units own separate databases, so their tasks run side by side; results print in unit order.
  const outcomes = await Promise.all(
    selected.map(async (unit) => ({
      unit,
      result: await chosen.task(unit).catch((error: Error) => ({ ok: false as const, report: error.message })),
    })),
  );
  for (const { unit, result } of outcomes) {
    if (result.ok) console.log(`${unit.name}: ${result.summary}`);
    else console.error(`${unit.name}: FAILED\n${result.report}\n`);
  }
  const failures = outcomes.filter(({ result }) => !result.ok).length;
  return failures > 0 ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2)).catch((error: Error) => {
  console.error(error.message);
  return 2;
});
