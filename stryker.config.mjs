// Mutation testing: `pnpm mutation` (scripts/mutation.sh) runs this. Not in CI: it reruns the tests
// that cover each mutant, one mutant after another.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  // Plugins are looked up beside @stryker-mutator/core, which pnpm keeps apart from its siblings.
  plugins: ['@stryker-mutator/vitest-runner'],
  vitest: { configFile: 'vitest.config.ts' },
  coverageAnalysis: 'perTest',
  // The domain rules, the service kit and the router's modules (in any sub-folder they move to).
  mutate: [
    'subgraphs/*/src/domain/**/*.ts',
    'packages/service-kit/src/**/*.ts',
    'router/src/**/*.ts',
    '!**/*.test.ts',
    '!**/generated/**',
    '!packages/service-kit/src/index.ts',
    '!router/src/**/main.ts',
    '!router/src/**/app.ts',
  ],
  // Each test runner is one vitest with the whole system of tests/global-setup.ts on fixed ports
  // and databases: two at once would collide.
  concurrency: 1,
  // A static mutant (evaluated once at load) needs a fresh vitest, and so a fresh system, per
  // mutant: minutes each. They are left out and counted as ignored.
  ignoreStatic: true,
  timeoutMS: 20_000,
  // The sandbox copy (.run/stryker-tmp) leaves the worktree free to edit during a run; the copy
  // loses the executable bit the Prisma CLI needs on the offline schema engine.
  tempDirName: '.run/stryker-tmp',
  ignorePatterns: ['.tools', '.run', 'bench/results', 'coverage'],
  buildCommand: 'chmod +x prisma/engine/schema-engine.mjs',
  // Stryker rewrites tsconfig.json through TypeScript's JavaScript API, which TypeScript 7 no longer
  // has; ours names no file outside the sandbox, so there is nothing to rewrite.
  tsconfigFile: '',
  // event-recorder writes each mutant's result as it comes, so a run stopped early still reports.
  reporters: ['clear-text', 'progress', 'json', 'html', 'event-recorder'],
  eventReporter: { baseDir: '.run/mutation/events' },
  jsonReporter: { fileName: '.run/mutation/report.json' },
  htmlReporter: { fileName: '.run/mutation/report.html' },
};
