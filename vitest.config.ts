import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // `pnpm mutation` may run fewer tests (MUTATION_TESTS, comma-separated globs; scripts/mutation.sh).
    include: process.env.MUTATION_TESTS?.split(',') ?? [
      'packages/**/*.test.ts',
      'subgraphs/**/*.test.ts',
      'router/**/*.test.ts',
      'prisma/**/*.test.ts',
      'tests/**/*.test.ts',
    ],
    exclude: ['**/node_modules/**', '.tools/**'],
    // Postgres, Redis and every process start once per run, here, not once per test.
    globalSetup: ['tests/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: files in parallel would fight the running system for CPU and skew nothing useful.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
