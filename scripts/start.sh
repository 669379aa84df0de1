#!/usr/bin/env bash
# The first command: sets up everything this checkout needs and runs the whole system.
#   ./scripts/start.sh           (add --reset to start from freshly migrated, seeded databases)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/toolchain.sh
source scripts/lib/services.sh

ensure_toolchain
install_dependencies
ensure_services
exec node --import tsx scripts/start.ts "$@"
