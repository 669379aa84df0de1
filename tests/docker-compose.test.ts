import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { UNITS } from '../scripts/lib/units.ts';

// No Docker engine runs here, so the file is checked by reading it: every process and database
// the architecture names must be in it, wired the way the local launcher wires them.
type Service = {
  command?: unknown;
  environment?: Record<string, string | number>;
  healthcheck?: { test?: unknown };
  depends_on?: Record<string, { condition: string }>;
};
const compose = parse(readFileSync(join(import.meta.dirname, '../docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
};
const services = compose.services;

describe('docker-compose.yml', () => {
  it('has Postgres, Redis, the router and every subgraph, each with a health check', () => {
    for (const name of ['postgres', 'redis', 'router', ...UNITS]) {
      expect(services[name], name).toBeDefined();
      expect(services[name]?.healthcheck?.test, `${name} health check`).toBeDefined();
    }
  });

  it.each(UNITS)('%s runs its own entry point over its own database, after migrations', (unit) => {
    const service = services[unit]!;
    expect(JSON.stringify(service.command)).toContain(`subgraphs/${unit}/src/main.ts`);
    expect(service.environment?.[`${unit.toUpperCase()}_DATABASE_URL`]).toMatch(new RegExp(`/commerce_${unit}$`));
    expect(service.depends_on?.migrate?.condition).toBe('service_completed_successfully');
    expect(services.migrate?.environment?.[`${unit.toUpperCase()}_DATABASE_URL`]).toMatch(
      new RegExp(`/commerce_${unit}$`),
    );
  });

  it.each(UNITS)('%s reaches the queues: the Redis service, under the shared queue prefix', (unit) => {
    const environment = services[unit]!.environment;
    expect(environment?.REDIS_URL).toBe('redis://redis:6379');
    expect(environment?.QUEUE_PREFIX).toMatch(/^[A-Za-z0-9_.-]+$/);
    expect(new Set(UNITS.map((name) => services[name]?.environment?.QUEUE_PREFIX)).size).toBe(1);
  });

  it('the router reaches every subgraph by its service name and waits until each is healthy', () => {
    const router = services.router!;
    for (const unit of UNITS) {
      expect(router.environment?.[`${unit.toUpperCase()}_URL`]).toMatch(new RegExp(`^http://${unit}:\\d+/graphql$`));
      expect(router.depends_on?.[unit]?.condition).toBe('service_healthy');
    }
  });

  it('the router and the subgraphs share one signing secret', () => {
    const secrets = ['router', ...UNITS].map((name) => services[name]?.environment?.ROUTER_SIGNING_SECRET);
    expect(new Set(secrets).size).toBe(1);
    expect(secrets[0]).toEqual(expect.any(String));
  });

  it('the sandboxes of the outside world run beside it, and payments and notifications reach them by name', () => {
    expect(JSON.stringify(services['payment-provider']?.command)).toContain('scripts/sandbox/payment-provider.ts');
    expect(JSON.stringify(services['mail-sink']?.command)).toContain('scripts/sandbox/mail-sink.ts');
    for (const name of ['payment-provider', 'mail-sink']) expect(services[name]?.healthcheck?.test, name).toBeDefined();
    expect(services.payments?.environment?.PAYMENT_PROVIDER_URL).toBe('http://payment-provider:4010');
    expect(services.payments?.depends_on?.['payment-provider']?.condition).toBe('service_healthy');
    expect(services.notifications?.environment?.SMTP_URL).toBe('smtp://mail-sink:4025');
    expect(services.notifications?.depends_on?.['mail-sink']?.condition).toBe('service_healthy');
  });
});
