# Puts Node 24 and pnpm on PATH, installing them into .tools/ from the npm registry when the
# machine lacks them (Node 20 is past its end of life; corepack cannot verify pnpm here).
# Sourced by scripts/start.sh, scripts/test.sh and scripts/mutation.sh.
NODE_MAJOR=24
PNPM_VERSION=10.33.0
ROOT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TOOLS_DIR="$ROOT_DIR/.tools"

node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null; }

ensure_toolchain() {
  if [ "$(node_major node)" != "$NODE_MAJOR" ] || [ "$(pnpm --version 2>/dev/null)" != "$PNPM_VERSION" ]; then
    if [ "$(node_major "$TOOLS_DIR/node_modules/.bin/node")" != "$NODE_MAJOR" ] ||
       [ "$("$TOOLS_DIR/node_modules/.bin/pnpm" --version 2>/dev/null)" != "$PNPM_VERSION" ]; then
      command -v npm >/dev/null || { echo "npm is required to install Node $NODE_MAJOR and pnpm" >&2; return 1; }
      echo "==> installing Node $NODE_MAJOR and pnpm $PNPM_VERSION into .tools/"
      mkdir -p "$TOOLS_DIR"
      npm install --prefix "$TOOLS_DIR" --no-audit --no-fund --loglevel=error \
        "node@$NODE_MAJOR" "pnpm@$PNPM_VERSION" >/dev/null || return 1
    fi
    export PATH="$TOOLS_DIR/node_modules/.bin:$PATH"
  fi
  echo "==> node $(node -v), pnpm $(pnpm --version)"
}

install_dependencies() {
  (cd "$ROOT_DIR" && pnpm install --frozen-lockfile --reporter=append-only 2>&1 | grep -v '^Progress' | tail -n 5) || return 1
}
