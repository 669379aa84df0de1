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

# The playground test drives Debian's Chromium. Installed here when missing (root on Debian, as
# on a fresh CI machine); if it cannot be, that test fails and says so: it is never skipped.
ensure_chromium() {
  [ -x /usr/bin/chromium ] && return 0
  if svc_can_apt_install; then
    echo "==> installing chromium (apt-get) for the playground test"
    svc_apt_install chromium || echo "warning: chromium could not be installed; the playground test will fail" >&2
  else
    echo "warning: /usr/bin/chromium is missing (install Debian's chromium package); the playground test will fail" >&2
  fi
}

ensure_toolchain
install_dependencies
# The tests get a Redis of their own when redis-server is installed (append-only and noeviction,
# like the project's; fresh each run, on a free port, stopped when the run ends), so concurrent
# runs never share queues and a run leaves no server behind.
if [ -z "${REDIS_URL:-}" ]; then
  SVC_PROJECT_REDIS_PORT=$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')
  SVC_PROJECT_REDIS_DIR="$ROOT_DIR/.run/test-redis"
  rm -rf "$SVC_PROJECT_REDIS_DIR"
fi
trap svc_stop_started_redis EXIT
ensure_services
ensure_chromium

if [ "${1:-}" = "--" ]; then
  shift
  step "generate Prisma clients" pnpm --silent --filter @commerce/prisma run db:generate
  pnpm exec vitest run "$@"
  exit
fi

step "generate Prisma clients" pnpm --silent --filter @commerce/prisma run db:generate
step "format and lint (biome; a warning fails too)" pnpm exec biome ci --colors=off --error-on-warnings .
step "resolver types are fresh" pnpm exec tsx scripts/codegen.ts --check
step "supergraph composes and is fresh" pnpm exec tsx router/scripts/compose.ts --check
step "persisted-query manifest is valid and fresh" pnpm exec tsx router/scripts/persisted-queries.ts --check
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
