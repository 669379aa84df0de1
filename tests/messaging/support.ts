// Private Redis and Postgres servers, fixture databases and fixture processes for the messaging
// fault tests. Nothing here touches the shared servers beyond creating and dropping databases
// named <TEST_DATABASE_PREFIX>fixture_<random>.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';

export const ROOT = path.resolve(import.meta.dirname, '../..');
const sharedPostgres = () => process.env.POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 90_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ''}`);
}

const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise<void>((resolve) => child.once('exit', () => resolve()));

/** A redis-server of the test's own on a spare port; by default append-only, fsync'd on every write. */
export async function startPrivateRedis(
  settings: string[] = [
    '--appendonly',
    'yes',
    '--appendfsync',
    'always',
    '--save',
    '',
    '--maxmemory-policy',
    'noeviction',
  ],
) {
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'msg-redis-'));
  let child: ChildProcess | undefined;
  const url = `redis://127.0.0.1:${port}`;
  const start = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, ...settings], {
      stdio: 'ignore',
    });
    await waitFor(`redis on ${port}`, async () => {
      execFileSync('redis-cli', ['-p', String(port), 'ping'], { stdio: 'pipe' });
      return true;
    });
  };
  const stop = async () => {
    if (!child) return;
    child.kill('SIGTERM'); // a clean shutdown, as a restart by an operator would do
    await exited(child);
    child = undefined;
  };
  await start();
  return {
    url,
    port,
    async restart(downMs = 500) {
      await stop();
      await new Promise((resolve) => setTimeout(resolve, downMs));
      await start();
    },
    async remove() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
export type PrivateRedis = Awaited<ReturnType<typeof startPrivateRedis>>;

function pgBin(name: string): string {
  for (const dir of ['/usr/lib/postgresql/15/bin', '/usr/local/bin', '/usr/bin']) {
    if (existsSync(path.join(dir, name))) return path.join(dir, name);
  }
  return name;
}

/** util-linux's runuser, in an sbin folder a PATH without them (a bare CI shell) does not name. */
function runuser(): string {
  for (const dir of ['/usr/sbin', '/sbin', '/usr/bin', '/bin']) {
    if (existsSync(path.join(dir, 'runuser'))) return path.join(dir, 'runuser');
  }
  return 'runuser';
}

/** A throwaway Postgres cluster (initdb in a temporary folder) on a spare port. */
export async function startPrivatePostgres() {
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'msg-pg-'));
  const data = path.join(dir, 'data');
  // Postgres refuses to run as root: then its tools run as the machine's postgres user.
  const asOwner = (bin: string, args: string[]) =>
    process.getuid?.() === 0
      ? execFileSync(runuser(), ['-u', 'postgres', '--', pgBin(bin), ...args], { stdio: 'pipe' })
      : execFileSync(pgBin(bin), args, { stdio: 'pipe' });
  if (process.getuid?.() === 0) execFileSync('chown', ['postgres', dir]);
  asOwner('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8']);
  const ctl = (...args: string[]) => asOwner('pg_ctl', ['-D', data, ...args]);
  const start = () =>
    ctl(
      '-l',
      path.join(dir, 'log'),
      '-w',
      '-o',
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
      'start',
    );
  start();
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    async restart(downMs = 1000) {
      ctl('-m', 'fast', '-w', 'stop');
      await new Promise((resolve) => setTimeout(resolve, downMs));
      start();
    },
    async remove() {
      try {
        ctl('-m', 'immediate', '-w', 'stop');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** A fresh database on `serverUrl` with a unit's committed migrations applied, as deploy would. */
export async function createFixtureDatabase(unit: string, serverUrl = sharedPostgres()) {
  const name = `${process.env.TEST_DATABASE_PREFIX ?? 'commerce_test_'}fixture_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  const migrations = path.join(ROOT, 'prisma', unit, 'migrations');
  for (const folder of readdirSync(migrations)
    .filter((entry) => /^\d/.test(entry))
    .sort()) {
    await client.query(readFileSync(path.join(migrations, folder, 'migration.sql'), 'utf8'));
  }
  await client.end();
  return {
    url: url.toString(),
    async drop() {
      const dropper = new pg.Client({ connectionString: serverUrl });
      await dropper.connect();
      await dropper.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await dropper.end();
    },
  };
}

/**
 * A TypeScript program in a process of its own: Node itself with tsx's loader (not the tsx CLI,
 * which would run it in a child), so a signal the program sends itself shows on this process.
 * Collects its stdout as lines and its stderr as text.
 */
function spawnProgram(entry: string, env: Record<string, string>) {
  const lines: string[] = [];
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let buffered = '';
  child.stdout!.on('data', (chunk) => {
    buffered += chunk;
    const parts = buffered.split('\n');
    buffered = parts.pop()!;
    lines.push(...parts);
  });
  let stderr = '';
  child.stderr!.on('data', (chunk) => {
    stderr += chunk;
  });
  /** Where the process is, for a failure's message: its exit, its last lines, its stderr (as of now). */
  const state = () =>
    `${child.exitCode !== null || child.signalCode !== null ? `exited (${child.exitCode ?? child.signalCode})` : 'still running'}; last output: ${lines.slice(-5).join(' | ') || '(none)'}; stderr: ${stderr.slice(-2000) || '(none)'}`;
  /** Waits until `started` holds; a timeout says what the process had done by then. */
  const readyWhen = (what: string, started: () => boolean) =>
    waitFor(what, async () => started(), 120_000).catch((error: Error) => {
      throw new Error(`${error.message} (${state()})`);
    });
  return { child, lines, stderr: () => stderr, readyWhen };
}

/** A fixture program (tests/messaging/fixtures/<name>.ts) in a process of its own. */
export function startFixture(name: string, env: Record<string, string>) {
  const { child, lines, stderr, readyWhen } = spawnProgram(path.join(import.meta.dirname, 'fixtures', `${name}.ts`), {
    LOG_LEVEL: 'warn',
    ...env,
  });
  return {
    child,
    lines,
    stderr,
    // Loading tsx, BullMQ and Prisma takes a second, or a minute on a machine at load 40.
    ready: () => readyWhen(`fixture ${name} to start`, () => lines.includes('ready')),
    exited: () => exited(child),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited(child);
    },
  };
}
export type Fixture = ReturnType<typeof startFixture>;

/**
 * A real unit's process (subgraphs/<unit>/src/main.ts, as production runs it) with the settings
 * given; ready once it logs "<unit> running" (after its API and/or workers started).
 */
export function startUnitProcess(unit: string, env: Record<string, string>) {
  const { child, lines, readyWhen } = spawnProgram(path.join(ROOT, 'subgraphs', unit, 'src', 'main.ts'), {
    LOG_LEVEL: 'info',
    ...env,
  });
  const running = `"msg":"${unit} running"`;
  return {
    child,
    lines,
    ready: () => readyWhen(`${unit} to start`, () => lines.some((line) => line.includes(running))),
    exited: () => exited(child),
    async kill(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited(child);
    },
  };
}
export type UnitProcess = ReturnType<typeof startUnitProcess>;
