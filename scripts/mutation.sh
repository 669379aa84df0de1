#!/usr/bin/env bash
# Mutation testing with StrykerJS (stryker.config.mjs): not part of CI, it reruns the tests that
# cover each mutant, one mutant after another. Writes bench/results/mutation.md.
#   pnpm mutation                                   everything stryker.config.mjs mutates
#   pnpm mutation --mutate router/src/edge/limits.ts    a narrower look (any `stryker run` option)
#   MUTATION_TESTS='router/src/edge/*.test.ts' pnpm mutation --mutate …   and only those tests
#     (comma-separated globs, vitest.config.ts): a router module is reached by nearly every test
#     through the in-process routers, and each of its mutants would rerun them all.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/toolchain.sh
source scripts/lib/services.sh

ensure_toolchain
install_dependencies
ensure_services
pnpm --silent --filter @commerce/prisma run db:generate

# The tests' whole system (tests/global-setup.ts) starts once per run, on databases and ports of
# its own, so the ordinary test command can run beside it in the same checkout.
export TEST_DATABASE_PREFIX=${MUTATION_DATABASE_PREFIX:-commerce_mutation_}
export TEST_ROUTER_PORT=${MUTATION_ROUTER_PORT:-14100}

rm -f .run/mutation/report.json # a run stopped early must not be reported with an older run's results
started=$SECONDS
pnpm exec stryker run stryker.config.mjs "$@"
pnpm exec tsx scripts/mutation-report.ts --seconds $((SECONDS - started)) -- "$@"
