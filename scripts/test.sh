#!/usr/bin/env bash
# The second command: every check and every test, against real PostgreSQL, Redis and HTTP.
#   ./scripts/test.sh                  everything (what CI runs)
#   ./scripts/test.sh -- <vitest args> only the given tests, after the same setup
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/toolchain.sh
source scripts/lib/services.sh

step() {
  local name=$1
  shift
  local started=$SECONDS
  echo "==> $name"
  "$@"
  echo "    ($name: $((SECONDS - started)) s)"
}

ensure_toolchain
install_dependencies
ensure_services

if [ "${1:-}" = "--" ]; then
  shift
  step "generate Prisma clients" pnpm --silent --filter @commerce/prisma run db:generate
  exec pnpm exec vitest run "$@"
fi

step "generate Prisma clients" pnpm --silent --filter @commerce/prisma run db:generate
step "format and lint (biome)" pnpm exec biome ci --colors=off .
step "resolver types are fresh" pnpm exec tsx scripts/codegen.ts --check
step "supergraph composes and is fresh" pnpm exec tsx router/scripts/compose.ts --check
step "typecheck" pnpm exec tsc -p .
step "migrations match schema.prisma" pnpm exec tsx scripts/db.ts check-drift --test
step "service discovery script" bash scripts/lib/services.test.sh
mkdir -p .run
step "unit, integration and end-to-end tests" \
  pnpm exec vitest run --reporter=default --reporter=json --outputFile.json=.run/vitest-report.json
# One closing line in the plain form CI reads: the whole run, every test counted.
node -e '
  const r = JSON.parse(require("fs").readFileSync(".run/vitest-report.json", "utf8"));
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
'
