/**
 * The whole system as processes: which ones, their settings, starting them in order and stopping
 * them. Used by scripts/start.ts (local run) and tests/global-setup.ts (end-to-end tests).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UNIT_PORTS, UNITS, type Unit } from './units.ts';

export const ROOT = join(import.meta.dirname, '../..');
export { UNITS };

const DEFAULT_ROUTER_PORT = 4000;

export type Secrets = { routerSigningSecret: string; jwtKeyId: string; jwtSecret: string };

export type SystemSettings = {
  postgresUrl: string;
  redisUrl: string;
  /** The router's port; each subgraph listens at its default offset from it (4000 → 4001…). */
  routerPort: number;
  /** Database names are `<prefix><unit>`: commerce_ for local runs, commerce_test_ for tests. */
  databasePrefix: string;
  secrets: Secrets;
  logLevel?: string;
};

export function newSecrets(): Secrets {
  const random = () => randomBytes(32).toString('base64url');
  return { routerSigningSecret: random(), jwtKeyId: `k${Date.now().toString(36)}`, jwtSecret: random() };
}

/** Local secrets, made once per checkout and kept out of git, so each machine has its own. */
export function localSecrets(): Secrets {
  const file = join(ROOT, '.run/local-secrets.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as Secrets;
  const secrets = newSecrets();
  mkdirSync(join(ROOT, '.run'), { recursive: true });
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

export function databaseUrl(settings: SystemSettings, unit: string): string {
  const url = new URL(settings.postgresUrl);
  url.pathname = `/${settings.databasePrefix}${unit}`;
  return url.toString();
}

export function portOf(settings: SystemSettings, unit: Unit): number {
  return settings.routerPort + (UNIT_PORTS[unit] - DEFAULT_ROUTER_PORT);
}

/**
 * The outside world, run locally in its place (scripts/sandbox/): a payment provider (HTTP, with
 * failure modes switched on through POST /control) and a mail sink (SMTP, keeping every message
 * as a file, with an HTTP side to read them and to make it fail). At fixed offsets from the
 * router's port, like the subgraphs: 4010, 4025 (SMTP) and 4026 (HTTP).
 */
export const SANDBOX_PORT_OFFSETS = { paymentProvider: 10, mailSinkSmtp: 25, mailSinkHttp: 26 } as const;

export function sandboxPort(settings: SystemSettings, which: keyof typeof SANDBOX_PORT_OFFSETS): number {
  return settings.routerPort + SANDBOX_PORT_OFFSETS[which];
}

/** Where the mail sink keeps the messages it receives (one .eml file each). */
export function mailDirectory(settings: SystemSettings): string {
  return join(ROOT, '.run', `${settings.databasePrefix}mail`);
}

/** Every setting every process reads, as environment variables. */
export function environment(settings: SystemSettings): Record<string, string> {
  const { secrets } = settings;
  const env: Record<string, string> = {
    REDIS_URL: settings.redisUrl,
    ROUTER_PORT: String(settings.routerPort),
    ROUTER_SIGNING_SECRET: secrets.routerSigningSecret,
    JWT_SIGNING_KEY: `${secrets.jwtKeyId}:${secrets.jwtSecret}`,
    JWT_VERIFICATION_KEYS: `${secrets.jwtKeyId}:${secrets.jwtSecret}`,
    LOG_LEVEL: settings.logLevel ?? 'info',
    // On one machine every client (tests, benchmarks, the playground) comes from 127.0.0.1: the
    // rate limits stay on, high enough for a whole test run; the counters are apart per prefix.
    RATE_LIMIT_ANONYMOUS: '20000',
    RATE_LIMIT_CUSTOMER: '20000',
    RATE_LIMIT_STAFF: '20000',
    RATE_LIMIT_PARTNER: '20000',
    AUTH_FAILURE_LIMIT: '20000',
    RATE_LIMIT_OPS_PAGES: '20000',
    APQ_MAX_REGISTRATIONS: '20000',
    RATE_LIMIT_KEY_PREFIX: `${settings.databasePrefix}rate-limit`,
    // Queues too: two test runs (or a test run and the local system) on one Redis never take
    // each other's events. No ':' (BullMQ's separator), so `commerce_test_queues`.
    QUEUE_PREFIX: `${settings.databasePrefix}queues`,
    // The sandboxes standing in for the outside world (see SANDBOX_PORT_OFFSETS).
    PAYMENT_PROVIDER_URL: `http://127.0.0.1:${sandboxPort(settings, 'paymentProvider')}`,
    PAYMENT_PROVIDER_PORT: String(sandboxPort(settings, 'paymentProvider')),
    SMTP_URL: `smtp://127.0.0.1:${sandboxPort(settings, 'mailSinkSmtp')}`,
    MAIL_FROM: 'Commerce <shop@localhost>',
    MAIL_SINK_SMTP_PORT: String(sandboxPort(settings, 'mailSinkSmtp')),
    MAIL_SINK_HTTP_PORT: String(sandboxPort(settings, 'mailSinkHttp')),
    MAIL_SINK_URL: `http://127.0.0.1:${sandboxPort(settings, 'mailSinkHttp')}`,
    MAIL_SINK_DIR: mailDirectory(settings),
  };
  for (const unit of UNITS) {
    const name = unit.toUpperCase();
    env[`${name}_DATABASE_URL`] = databaseUrl(settings, unit);
    env[`${name}_PORT`] = String(portOf(settings, unit));
    env[`${name}_URL`] = `http://127.0.0.1:${portOf(settings, unit)}/graphql`;
  }
  return env;
}

/** A process of the system: where it answers, and what else a developer needs to find (lines to print under it). */
export type RunningProcess = { name: string; child: ChildProcess; url: string; details?: string[] };
export type OutputMode = { kind: 'console' } | { kind: 'files'; dir: string };

function prefixLines(name: string, stream: NodeJS.ReadableStream, out: NodeJS.WritableStream) {
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) out.write(`${name.padEnd(10)}| ${line}\n`);
  });
}

/**
 * V8 flags of every process of the system (units, router, sandboxes). Semi-spaces of 32 MB where
 * V8 takes 16: what a request or a job allocates dies young, and fewer scavenges, promoting less,
 * cost the router about a tenth of its CPU per request under load (bench/gateways, deep query:
 * 2.2 against 2.5–2.65 ms a request). The young generation can then hold 96 MB a process.
 */
export const SERVICE_NODE_FLAGS = ['--max-semi-space-size=32'];

function spawnProcess(name: string, entry: string, env: Record<string, string>, output: OutputMode): ChildProcess {
  const child = spawn(process.execPath, [...SERVICE_NODE_FLAGS, '--import', 'tsx', entry], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (output.kind === 'console') {
    prefixLines(name, child.stdout!, process.stdout);
    prefixLines(name, child.stderr!, process.stderr);
  } else {
    mkdirSync(output.dir, { recursive: true });
    const log = createWriteStream(join(output.dir, `${name}.log`));
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
  }
  return child;
}

async function waitUntilReady(process: RunningProcess, readyUrl: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited: number | null = null;
  process.child.once('exit', (code) => {
    exited = code ?? -1;
  });
  while (Date.now() < deadline) {
    if (exited !== null) throw new Error(`${process.name} exited with code ${exited} before it was ready`);
    try {
      const response = await fetch(readyUrl, { signal: AbortSignal.timeout(1000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${process.name} was not ready at ${readyUrl} within ${timeoutMs / 1000} s`);
}

export type ProcessName = Unit | 'router' | 'payment-provider' | 'mail-sink';

/** What each process of the system runs, where it answers, and where it says it is ready. */
function processSpec(
  settings: SystemSettings,
  name: ProcessName,
  env: Record<string, string>,
): { entry: string; url: string; readyUrl: string; details?: string[] } {
  if (name === 'router') {
    return {
      entry: 'router/src/main.ts',
      url: `http://localhost:${settings.routerPort}/graphql`,
      readyUrl: `http://127.0.0.1:${settings.routerPort}/healthz`,
    };
  }
  if (name === 'payment-provider') {
    const url = env.PAYMENT_PROVIDER_URL!;
    return { entry: 'scripts/sandbox/payment-provider.ts', url, readyUrl: `${url}/healthz` };
  }
  if (name === 'mail-sink') {
    return {
      entry: 'scripts/sandbox/mail-sink.ts',
      url: env.SMTP_URL!,
      readyUrl: `${env.MAIL_SINK_URL}/healthz`,
      details: [
        `every e-mail is kept as an .eml file in ${env.MAIL_SINK_DIR}`,
        `listed at ${env.MAIL_SINK_URL}/messages`,
        `failure modes: POST ${env.MAIL_SINK_URL}/control {"mode": "accept" | "tempfail" | "reject"}`,
      ],
    };
  }
  const port = portOf(settings, name);
  return {
    entry: `subgraphs/${name}/src/main.ts`,
    url: `http://127.0.0.1:${port}/graphql`,
    readyUrl: `http://127.0.0.1:${port}/readyz`,
  };
}

/**
 * Starts one process of the system and waits until it is ready: how startSystem starts each, and
 * how a fault test starts again a process it killed. `extraEnv` adds or overrides settings.
 */
export async function startProcess(
  settings: SystemSettings,
  name: ProcessName,
  output: OutputMode,
  extraEnv: Record<string, string> = {},
): Promise<RunningProcess> {
  const env = { ...environment(settings), ...extraEnv };
  const spec = processSpec(settings, name, env);
  const running: RunningProcess = {
    name,
    child: spawnProcess(name, spec.entry, env, output),
    url: spec.url,
    details: spec.details,
  };
  try {
    await waitUntilReady(running, spec.readyUrl, 60_000);
  } catch (error) {
    await stopSystem([running]);
    throw error;
  }
  return running;
}

/** Starts the sandboxes and every subgraph, waits for them, then the router; returns the running processes. */
export async function startSystem(
  settings: SystemSettings,
  output: OutputMode,
  extraEnv: Record<string, string> = {},
): Promise<RunningProcess[]> {
  const running: RunningProcess[] = [];
  const start = async (name: ProcessName) => {
    const started = await startProcess(settings, name, output, extraEnv);
    running.push(started);
    return started;
  };
  try {
    await Promise.all((['payment-provider', 'mail-sink'] as const).map(start));
    await Promise.all(UNITS.map(start));
    await start('router');
    // In the order a reader expects: sandboxes, units, router.
    const order: readonly string[] = ['payment-provider', 'mail-sink', ...UNITS, 'router'];
    return running.sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
  } catch (error) {
    await stopSystem(running);
    throw error;
  }
}

/** SIGTERM to each process, SIGKILL to any still running after the grace period. */
export async function stopSystem(processes: RunningProcess[], graceMs = 10_000): Promise<void> {
  await Promise.all(
    processes.map(
      ({ child }) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
}
