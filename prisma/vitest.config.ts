import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    // Each test drives Prisma's CLI, about a second per command on a 2-core machine.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
