#!/usr/bin/env bash
# Checks scripts/lib/services.sh on this machine without changing anything on it: URLs given
# in the environment, URLs where nothing listens, and servers already running on 127.0.0.1
# (each with psql, and with the Node stand-in used when psql is missing).
# Usage: bash scripts/lib/services.test.sh
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=services.sh
source "$(dirname "${BASH_SOURCE[0]}")/services.sh"

passed=0
failed=0
# The project Redis these checks start lives on a spare port and in a temporary folder, and is shut
# down before the script ends: the checks leave no server behind (the real one is 6390, .run/redis).
if svc_have redis-server; then
  spare_port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
  spare_dir=$(mktemp -d)
  SVC_PROJECT_REDIS_PORT=$spare_port
  SVC_PROJECT_REDIS_DIR=$spare_dir
fi
output=
status=

# run [--no-psql] [VAR=VALUE...]: ensure_services in a subshell where only the given URLs
# are set (and, with --no-psql, psql looks missing); sets $status and
# $output (its messages, then the exported URLs).
run() {
  local assignment no_psql=''
  if [ "${1:-}" = --no-psql ]; then no_psql=1; shift; fi
  output=$({
    unset POSTGRES_URL REDIS_URL
    for assignment in "$@"; do export "${assignment?}"; done
    if [ -n "$no_psql" ]; then
      # shellcheck disable=SC2317 # called by the library
      svc_have() { case $1 in psql) return 1 ;; *) command -v "$1" >/dev/null 2>&1 ;; esac; }
    fi
    ensure_services || exit
    echo "exported POSTGRES_URL=$(printenv POSTGRES_URL) REDIS_URL=$(printenv REDIS_URL)"
  } 2>&1)
  status=$?
}

# check NAME PREDICATE: counts the result of PREDICATE (a function) on the last run.
check() {
  local line
  if "$2"; then
    passed=$((passed + 1))
    echo "ok   $1"
  else
    failed=$((failed + 1))
    echo "FAIL $1 (status $status)"
    while IFS= read -r line; do echo "       $line"; done <<<"$output"
  fi
}

succeeded() { [ "$status" = 0 ]; }
failed_saying() { [ "$status" != 0 ] && says "$1"; }
says() { [[ $output == *"$1"* ]]; }

dead_port=1
if svc_port_open 127.0.0.1 "$dead_port"; then
  echo "something listens on 127.0.0.1:$dead_port; these tests need it closed" >&2
  exit 1
fi

# What this machine offers. Cases that need the servers running fail (without calling
# ensure_services) when they are not: it would start or install them.
local_pg=
if svc_pg_login 5432; then local_pg=$POSTGRES_URL; fi
unset POSTGRES_URL
local_redis=redis://127.0.0.1:6379
svc_redis_answers "$local_redis" 2>/dev/null || local_redis=
running() {
  [ -n "$local_pg" ] && [ -n "$local_redis" ] && return
  output="needs Postgres on 127.0.0.1:5432 and Redis on 127.0.0.1:6379" status=
  return 1
}

# Given URLs carry a query string / database index, so that "used as given" shows.
given_pg="$local_pg?application_name=services-test"
given_redis="$local_redis/1"
pg_password=not-shown

# (a) URLs given in the environment that answer are used unchanged.
env_urls_used() {
  succeeded && says "==> postgres: using POSTGRES_URL" && says "==> redis: using REDIS_URL" &&
    says "exported POSTGRES_URL=$given_pg REDIS_URL=$given_redis"
}
# (b) a URL where nothing listens stops with a message naming the variable (password hidden).
dead_pg_url_named() {
  failed_saying "error: POSTGRES_URL (postgresql://postgres:***@127.0.0.1:$dead_port/postgres) does not answer" &&
    ! says "$pg_password"
}
dead_redis_url_named() { failed_saying "error: REDIS_URL (redis://127.0.0.1:$dead_port) does not answer"; }
# (c) without URLs, the servers running on localhost are found; with redis-server installed,
# Redis is the project's own (append-only, noeviction; here on the spare port), not the shared one on 6379.
running_servers_found() {
  if svc_have redis-server; then
    succeeded && says "==> postgres: already running at 127.0.0.1:5432" &&
      says "project Redis" && says "exported POSTGRES_URL=$local_pg REDIS_URL=redis://127.0.0.1:$spare_port"
  else
    succeeded && says "==> postgres: already running at 127.0.0.1:5432" &&
      says "==> redis: already running at 127.0.0.1:6379" &&
      says "exported POSTGRES_URL=$local_pg REDIS_URL=redis://127.0.0.1:6379"
  fi
}

for mode in "" --no-psql; do
  label=${mode:+ (without psql)}

  running && run ${mode:+"$mode"} POSTGRES_URL="$given_pg" REDIS_URL="$given_redis"
  check "env URLs that answer are used as given$label" env_urls_used

  run ${mode:+"$mode"} POSTGRES_URL="postgresql://postgres:$pg_password@127.0.0.1:$dead_port/postgres"
  check "POSTGRES_URL where nothing listens fails, naming POSTGRES_URL$label" dead_pg_url_named

  running && run ${mode:+"$mode"} POSTGRES_URL="$given_pg" REDIS_URL="redis://127.0.0.1:$dead_port"
  check "REDIS_URL where nothing listens fails, naming REDIS_URL$label" dead_redis_url_named

  running && run ${mode:+"$mode"}
  check "running servers are found$label" running_servers_found
done

# One Redis command on 127.0.0.1:PORT, printing the reply's lines (Node's built-ins only).
redis_command() { # redis_command PORT ARG...
  node - "$@" <<'JS'
const [port, ...args] = process.argv.slice(2);
const socket = require('node:net').connect({ host: '127.0.0.1', port: Number(port) });
socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`);
socket.on('data', (data) => { console.log(String(data).split('\r\n').filter((l) => !/^[*$]/.test(l)).join(' ').trim()); socket.end(); });
socket.on('error', () => process.exit(0));
setTimeout(() => process.exit(0), 2000).unref();
JS
}

# (d) the project Redis is started with persistence and noeviction, and reused once running.
if svc_have redis-server; then
  # The one (c) started goes first, so this starts its own.
  redis_command "$spare_port" SHUTDOWN NOSAVE >/dev/null
  while svc_port_open 127.0.0.1 "$spare_port"; do sleep 0.1; done
  rm -rf "$spare_dir" && mkdir -p "$spare_dir"
  project_redis() {
    output=$(SVC_PROJECT_REDIS_PORT=$spare_port SVC_PROJECT_REDIS_DIR=$spare_dir bash -c \
      'source scripts/lib/services.sh && svc_start_project_redis && echo "REDIS_URL=$REDIS_URL"' 2>&1)
    status=$?
  }
  project_redis
  persistent_redis_started() {
    succeeded && says "started the project Redis at 127.0.0.1:$spare_port" && says "REDIS_URL=redis://127.0.0.1:$spare_port" &&
      [ "$(redis_command "$spare_port" CONFIG GET appendonly)" = "appendonly yes" ] &&
      [ "$(redis_command "$spare_port" CONFIG GET maxmemory-policy)" = "maxmemory-policy noeviction" ] &&
      [ "$(redis_command "$spare_port" CONFIG GET bind)" = "bind 127.0.0.1" ] &&
      [ "$(redis_command "$spare_port" CONFIG GET dir)" = "dir $spare_dir" ]
  }
  check "the project Redis is started append-only, noeviction, on 127.0.0.1, files in its folder" persistent_redis_started
  project_redis
  reused_redis() { succeeded && says "project Redis running at 127.0.0.1:$spare_port" && ! says "started"; }
  check "a running project Redis is reused" reused_redis
  redis_command "$spare_port" SHUTDOWN NOSAVE >/dev/null
  rm -rf "$spare_dir"
fi

masked_url() {
  output=$(svc_mask_url "postgresql://app:s3cr%40t@db:5432/app?sslmode=require") status=
  [ "$output" = "postgresql://app:***@db:5432/app?sslmode=require" ]
}
check "passwords are masked in messages" masked_url

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
