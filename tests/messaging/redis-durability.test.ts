import { checkRedisDurability, createLogger } from '@commerce/service-kit';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { type PrivateRedis, startPrivateRedis } from './support.ts';

const started: PrivateRedis[] = [];
const clients: Redis[] = [];
afterAll(async () => {
  await Promise.all(clients.map((client) => client.quit()));
  await Promise.all(started.map((server) => server.remove()));
});

async function durabilityOf(settings: string[]) {
  const server = await startPrivateRedis(settings);
  started.push(server);
  const client = new Redis(server.url);
  clients.push(client);
  return checkRedisDurability(client, createLogger('durability-test', 'silent'));
}

describe('Redis durability check at start', () => {
  it('is quiet for append-only persistence and noeviction', async () => {
    const found = await durabilityOf(['--appendonly', 'yes', '--maxmemory-policy', 'noeviction']);
    expect(found).toMatchObject({ appendOnly: true, maxmemoryPolicy: 'noeviction', warnings: [] });
  });

  it('warns when a restart would lose jobs and when memory pressure would evict them', async () => {
    const found = await durabilityOf(['--appendonly', 'no', '--save', '', '--maxmemory-policy', 'allkeys-lru']);
    expect(found.warnings).toEqual([
      expect.stringContaining('a Redis restart loses every queued job'),
      expect.stringContaining('maxmemory-policy is allkeys-lru'),
    ]);
  });

  it('warns that snapshots alone lose the latest jobs', async () => {
    const found = await durabilityOf(['--appendonly', 'no', '--save', '3600 1']);
    expect(found.warnings).toEqual([expect.stringContaining('keeps only snapshots')]);
  });

  it('tolerates a Redis where CONFIG is disabled, saying it could not check', async () => {
    const found = await durabilityOf(['--appendonly', 'yes', '--rename-command', 'CONFIG', '']);
    expect(found.appendOnly).toBeNull();
    expect(found.warnings).toEqual([expect.stringContaining('Could not read the Redis configuration')]);
  });
});
