# shellcheck shell=bash
# Makes PostgreSQL and Redis available and exports POSTGRES_URL and REDIS_URL.
# Sourced by scripts/start.sh, scripts/test.sh and scripts/mutation.sh, which call ensure_services.
#
# Each service is looked for in this order, independently for Postgres and for Redis:
#   1. POSTGRES_URL / REDIS_URL already set: used as given if it answers, else an error.
#   2. Postgres: a server already answering on 127.0.0.1:5432.
#      Redis: with redis-server installed, the project's own Redis on 127.0.0.1:6390 (started
#      when not running, reused when it is): BullMQ's queues need append-only persistence and
#      maxmemory-policy noeviction, which a shared Redis may not have (and must not be changed).
#      Without redis-server: a server already answering on 127.0.0.1:6379.
#   3. Postgres installed but stopped: the Debian cluster (pg_ctlcluster) is started.
#   4. Not installed, and root on Debian/Ubuntu: installed with apt-get, then started.
#   5. A Docker engine: `docker compose up -d postgres|redis` from the repo's docker-compose.yml.
#   6. Otherwise: an error that says what to install.
#
# Local Postgres logins tried, each needing the right to create databases: postgres without
# a password (trust auth), postgres with the password "postgres" (the docker-compose
# service's, and the one step 3/4 gives a fresh Debian cluster, see svc_set_dev_password),
# and the current OS user.
#
# Checks are real logins: with psql when installed, else a minimal client written with
# Node's built-ins only (the pg npm package may not be installed yet); Redis: Node's, always.
# Functions return non-zero with a message on stderr instead of exiting.

SVC_ROOT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SVC_WAIT_SECONDS=${SVC_WAIT_SECONDS:-30}
SVC_DEV_PG_PASSWORD=postgres
SVC_APT_UPDATED=
SVC_PROJECT_REDIS_PORT=${SVC_PROJECT_REDIS_PORT:-6390}
SVC_PROJECT_REDIS_DIR=${SVC_PROJECT_REDIS_DIR:-$SVC_ROOT_DIR/.run/redis}

ensure_services() {
  svc_ensure_postgres || return 1
  svc_ensure_redis || return 1
}

# --- helpers -------------------------------------------------------------------------------

svc_say() { echo "==> $*"; }
svc_fail() { echo "error: $*" >&2; return 1; }
svc_have() { command -v "$1" >/dev/null 2>&1; }

# Hides the password of a URL: postgresql://app:secret@db/app -> postgresql://app:***@db/app
svc_mask_url() { sed -E 's#^([^:/]+://[^:/@]*):[^@]*@#\1:***@#' <<<"$1"; }

svc_timeout() { # svc_timeout SECONDS CMD...
  if svc_have timeout; then timeout "$@"; else shift; "$@"; fi
}

# Whether something accepts TCP connections on HOST PORT (used for localhost only).
svc_port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# Runs CMD... every second until it succeeds, for at most SVC_WAIT_SECONDS; on timeout,
# reports the last attempt's error.
svc_wait_for() { # svc_wait_for WHAT CMD...
  local what=$1 reason deadline=$((SECONDS + SVC_WAIT_SECONDS))
  shift
  until reason=$("$@" 2>&1); do
    if [ "$SECONDS" -ge "$deadline" ]; then
      svc_fail "$what did not answer within ${SVC_WAIT_SECONDS}s: ${reason:-no answer}"
      return 1
    fi
    sleep 1
  done
}

# Step 1: the URL given in the environment must answer.
svc_use_env_url() { # svc_use_env_url SERVICE VARIABLE CHECK
  local service=$1 var=$2 check=$3 url=${!2} reason
  if ! reason=$("$check" "$url" 2>&1); then
    svc_fail "$var ($(svc_mask_url "$url")) does not answer: ${reason:-no answer}"
    return 1
  fi
  export "${var?}"
  svc_say "$service: using $var ($(svc_mask_url "$url"))"
}

svc_can_apt_install() { [ -f /etc/debian_version ] && [ "$(id -u)" = 0 ] && svc_have apt-get; }

svc_apt_install() { # svc_apt_install PACKAGE...
  local log
  log=$(mktemp) || return 1
  if {
    { [ -n "$SVC_APT_UPDATED" ] || { apt-get update && SVC_APT_UPDATED=1; }; } &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@"
  } >"$log" 2>&1; then
    rm -f "$log"
  else
    tail -n 20 "$log" >&2
    svc_fail "apt-get install $* failed (full log: $log)"
  fi
}

svc_have_docker() { svc_have docker && svc_timeout 20 docker info >/dev/null 2>&1; }

svc_compose_up() { # svc_compose_up SERVICE...
  local file="$SVC_ROOT_DIR/docker-compose.yml"
  local -a compose
  [ -f "$file" ] || { svc_fail "$file not found"; return 1; }
  if docker compose version >/dev/null 2>&1; then
    compose=(docker compose)
  elif svc_have docker-compose; then
    compose=(docker-compose)
  else
    svc_fail "Docker is running but has neither 'docker compose' nor docker-compose"
    return 1
  fi
  "${compose[@]}" -f "$file" up -d "$@" || { svc_fail "docker compose up -d $* failed"; return 1; }
}

svc_not_found() { # svc_not_found SERVICE PORT
  svc_fail "$1: nothing answers on 127.0.0.1:$2, and neither apt-get (as root on Debian/Ubuntu) nor Docker is available to provide it.
PostgreSQL 14+ and Redis 6.2+ are needed: install them (apt-get install postgresql redis-server, or brew install postgresql redis), or start them, or set POSTGRES_URL and REDIS_URL."
}

# --- PostgreSQL ----------------------------------------------------------------------------

svc_ensure_postgres() {
  if [ -n "${POSTGRES_URL:-}" ]; then
    svc_use_env_url postgres POSTGRES_URL svc_pg_answers
    return
  fi
  if svc_pg_login 5432; then
    svc_say "postgres: already running at 127.0.0.1:5432"
  elif [ -n "$(svc_debian_cluster)" ]; then
    svc_start_debian_postgres || return 1
  elif svc_port_open 127.0.0.1 5432; then
    svc_fail "postgres: a server answers on 127.0.0.1:5432 but none of the logins postgres (no password), postgres/$SVC_DEV_PG_PASSWORD, ${USER:-$(id -un)} may create databases there: set POSTGRES_URL"
    return 1
  elif svc_can_apt_install; then
    svc_say "postgres: not installed; installing postgresql with apt-get"
    svc_apt_install postgresql || return 1
    svc_ensure_debian_cluster || return 1
    svc_start_debian_postgres "installed, " || return 1
  elif svc_have_docker; then
    svc_compose_up postgres || return 1
    POSTGRES_URL="postgresql://postgres:$SVC_DEV_PG_PASSWORD@127.0.0.1:5432/postgres"
    svc_wait_for "postgres at 127.0.0.1:5432" svc_pg_answers "$POSTGRES_URL" || return 1
    svc_say "postgres: started with docker compose at 127.0.0.1:5432"
  else
    svc_not_found postgres 5432
    return 1
  fi
  export POSTGRES_URL
}

# Prints the first column of the first row of SQL's result.
svc_pg_query() { # svc_pg_query URL SQL
  if svc_have psql; then
    PGCONNECT_TIMEOUT=5 psql -X -w -A -t -q -d "$1" -c "$2"
  else
    svc_node_pg_query "$1" "$2"
  fi
}

# Whether SQL's answer is EXPECTED; errors go to stderr.
svc_pg_expect() { # svc_pg_expect URL SQL EXPECTED
  local out
  out=$(svc_pg_query "$1" "$2") || return 1
  [ "$out" = "$3" ] || { echo "unexpected answer to '$2': ${out:-nothing}" >&2; return 1; }
}

svc_pg_answers() { svc_pg_expect "$1" 'select 1' 1; }

svc_pg_may_create_db() {
  svc_pg_expect "$1" 'select rolsuper or rolcreatedb from pg_roles where rolname = current_user' t
}

# Sets POSTGRES_URL to the first local login on PORT that may create databases. Passwords
# from the environment or ~/.pgpass are ignored so that the URL works on its own.
svc_pg_login() { # svc_pg_login PORT
  local port=$1 url os_user=${USER:-$(id -un)}
  for url in "postgresql://postgres@127.0.0.1:$port/postgres" \
    "postgresql://postgres:$SVC_DEV_PG_PASSWORD@127.0.0.1:$port/postgres" \
    "postgresql://$os_user@127.0.0.1:$port/postgres"; do
    if PGPASSWORD='' PGPASSFILE=/dev/null svc_pg_may_create_db "$url" 2>/dev/null; then
      POSTGRES_URL=$url
      return 0
    fi
  done
  return 1
}

# Prints "version cluster port status" of the Debian cluster to use: the one on port 5432,
# else the newest. Prints nothing when there is none (or no postgresql-common).
svc_debian_cluster() {
  svc_have pg_lsclusters || return 0
  pg_lsclusters --no-header 2>/dev/null | awk '
    $3 == 5432 { print $1, $2, $3, $4; found = 1; exit }
    { last = $1 " " $2 " " $3 " " $4 }
    END { if (!found && last != "") print last }'
}

# After apt-get install, a cluster exists unless createcluster.conf disables it: then create one.
svc_ensure_debian_cluster() {
  local version
  [ -z "$(svc_debian_cluster)" ] || return 0
  version=$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' 2>/dev/null | sort -V | tail -n 1)
  [ -n "$version" ] || { svc_fail "postgres: no server found in /usr/lib/postgresql after apt-get install"; return 1; }
  pg_createcluster "$version" main >/dev/null || { svc_fail "postgres: pg_createcluster $version main failed"; return 1; }
}

# Starts the Debian cluster if it is down, then makes sure a login works over TCP.
svc_start_debian_postgres() { # svc_start_debian_postgres [MESSAGE-PREFIX]
  local summary=${1:-} version cluster port status
  read -r version cluster port status <<<"$(svc_debian_cluster)"
  if [[ $status != online* ]]; then
    # --skip-systemctl-redirect: run pg_ctl directly even where systemd manages the cluster
    # (and works the same in containers, which have no systemd).
    pg_ctlcluster --skip-systemctl-redirect "$version" "$cluster" start || {
      svc_fail "postgres: could not start cluster $version/$cluster (log: /var/log/postgresql/postgresql-$version-$cluster.log)"
      return 1
    }
    summary+="started cluster $version/$cluster at 127.0.0.1:$port"
  else
    summary+="cluster $version/$cluster running at 127.0.0.1:$port"
  fi
  svc_wait_for "postgres at 127.0.0.1:$port" svc_pg_accepting "$port" || return 1
  if ! svc_pg_login "$port"; then
    svc_set_dev_password "$version" "$cluster" "$port" || return 1
    svc_pg_login "$port" || {
      svc_fail "postgres: cluster $version/$cluster still refuses postgres/$SVC_DEV_PG_PASSWORD over TCP (check its pg_hba.conf), or set POSTGRES_URL"
      return 1
    }
    summary+="; gave role postgres the development password"
  fi
  svc_say "postgres: $summary"
}

svc_pg_accepting() { # svc_pg_accepting PORT
  if svc_have pg_isready; then
    pg_isready -h 127.0.0.1 -p "$1"
  else
    svc_port_open 127.0.0.1 "$1"
  fi
}

# A fresh Debian cluster lets role postgres in only through the unix socket (peer auth);
# over TCP it asks for a password (scram-sha-256), and the role has none. Rather than adding
# a trust line to pg_hba.conf (editing and reloading the server's configuration), we give
# the role, through the unix socket, the same well-known development password as the
# docker-compose service. Like a trust line, that lets local users in as superuser over
# TCP (the cluster listens on localhost only, Debian's default): fine for a development
# machine or a container, which is what this is for. A role that already has a password is
# never changed: then POSTGRES_URL must be set.
svc_set_dev_password() { # svc_set_dev_password VERSION CLUSTER PORT
  local version=$1 cluster=$2 port=$3 has_password
  if [ "$(id -u)" != 0 ]; then
    svc_fail "postgres: cluster $version/$cluster at 127.0.0.1:$port wants a password for role postgres: set POSTGRES_URL=postgresql://postgres:PASSWORD@127.0.0.1:$port/postgres, or run this once as root to give the role the development password"
    return 1
  fi
  has_password=$(svc_psql_as_postgres "$port" \
    "select rolpassword is not null from pg_authid where rolname = 'postgres'") || {
    svc_fail "postgres: could not connect as postgres through the unix socket of cluster $version/$cluster"
    return 1
  }
  if [ "$has_password" != f ]; then
    svc_fail "postgres: role postgres of cluster $version/$cluster already has a password of its own: set POSTGRES_URL=postgresql://postgres:PASSWORD@127.0.0.1:$port/postgres"
    return 1
  fi
  svc_psql_as_postgres "$port" "alter role postgres password '$SVC_DEV_PG_PASSWORD'" >/dev/null
}

svc_psql_as_postgres() { # svc_psql_as_postgres PORT SQL (SQL goes through stdin: no quoting)
  su -s /bin/sh postgres -c "psql -X -A -t -q -v ON_ERROR_STOP=1 -p $1 -d postgres" <<<"$2"
}

# psql stand-in for machines without it: trust, password, md5 and SCRAM-SHA-256 auth,
# sslmode disable/allow/prefer (default)/require/verify-ca/verify-full, one simple query.
svc_node_pg_query() { # svc_node_pg_query URL SQL
  node - "$1" "$2" <<'JS'
const net = require('node:net');
const tls = require('node:tls');
const crypto = require('node:crypto');
const os = require('node:os');

const [url, sql] = process.argv.slice(2);
const u = new URL(url);
const user = decodeURIComponent(u.username) || process.env.PGUSER || os.userInfo().username;
const password = decodeURIComponent(u.password) || process.env.PGPASSWORD || '';
const database = decodeURIComponent(u.pathname.slice(1)) || user;
const host = u.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1';
const port = Number(u.port) || 5432;
const sslmode = u.searchParams.get('sslmode') || 'prefer';

const fail = (text) => { console.error(text); process.exit(1); };
setTimeout(() => fail(`no answer from ${host}:${port} within 5s`), 5000).unref();

const int32 = (n) => { const b = Buffer.alloc(4); b.writeInt32BE(n); return b; };
const cstr = (s) => Buffer.from(`${s}\0`);
const message = (type, body) => Buffer.concat([Buffer.from(type), int32(body.length + 4), body]);
const hmac = (key, data) => crypto.createHmac('sha256', key).update(data).digest();
const sha256 = (data) => crypto.createHash('sha256').update(data).digest();
const md5 = (data) => crypto.createHash('md5').update(data).digest('hex');

let socket = net.connect({ host, port });
socket.on('error', (e) => fail(e.message));
socket.once('connect', () => {
  if (sslmode === 'disable') return startup();
  socket.write(Buffer.concat([int32(8), int32(80877103)])); // SSLRequest
  socket.once('data', (reply) => {
    if (reply[0] === 0x53 /* S */) {
      socket = tls.connect({
        socket,
        servername: net.isIP(host) ? undefined : host,
        rejectUnauthorized: sslmode.startsWith('verify-'),
        checkServerIdentity: sslmode === 'verify-full' ? tls.checkServerIdentity : () => undefined,
      });
      socket.on('error', (e) => fail(e.message));
      socket.once('secureConnect', startup);
    } else if (sslmode === 'prefer' || sslmode === 'allow') startup();
    else fail(`the server does not support SSL (sslmode=${sslmode})`);
  });
});

function startup() {
  const params = Buffer.concat([cstr('user'), cstr(user), cstr('database'), cstr(database), cstr('')]);
  socket.write(Buffer.concat([int32(params.length + 8), int32(196608), params])); // protocol 3.0
  let buffer = Buffer.alloc(0);
  socket.on('data', (data) => {
    buffer = Buffer.concat([buffer, data]);
    while (buffer.length >= 5 && buffer.length >= 1 + buffer.readInt32BE(1)) {
      const end = 1 + buffer.readInt32BE(1);
      receive(String.fromCharCode(buffer[0]), buffer.subarray(5, end));
      buffer = buffer.subarray(end);
    }
  });
}

let scram;
let queried = false;
let value = null;
function receive(type, body) {
  if (type === 'R') return authenticate(body.readInt32BE(0), body.subarray(4));
  if (type === 'E') return fail(errorText(body));
  if (type === 'D' && value === null) {
    const length = body.readInt32BE(2);
    value = length < 0 ? '' : body.toString('utf8', 6, 6 + length);
  }
  if (type === 'Z') { // ReadyForQuery: after login, then after the query
    if (!queried) {
      queried = true;
      return socket.write(message('Q', cstr(sql)));
    }
    console.log(value ?? '');
    socket.end(message('X', Buffer.alloc(0)), () => process.exit(0));
  }
}

function errorText(body) {
  const fields = {};
  for (let i = 0; body[i]; ) {
    const end = body.indexOf(0, i + 1);
    fields[String.fromCharCode(body[i])] = body.toString('utf8', i + 1, end);
    i = end + 1;
  }
  return `${fields.S || 'ERROR'}: ${fields.M}`;
}

function authenticate(code, data) {
  const needPassword = () => password || fail('the server asks for a password and none was given');
  switch (code) {
    case 0: return; // AuthenticationOk
    case 3: needPassword(); return socket.write(message('p', cstr(password)));
    case 5: needPassword(); return socket.write(message('p', cstr(`md5${md5(Buffer.concat([Buffer.from(md5(password + user)), data]))}`)));
    case 10: { // SASL
      if (!data.toString().split('\0').includes('SCRAM-SHA-256')) fail('no supported SASL mechanism');
      needPassword();
      const nonce = crypto.randomBytes(18).toString('base64');
      scram = { nonce, clientFirst: `n=*,r=${nonce}` };
      const first = Buffer.from(`n,,${scram.clientFirst}`);
      return socket.write(message('p', Buffer.concat([cstr('SCRAM-SHA-256'), int32(first.length), first])));
    }
    case 11: { // SASL continue
      const serverFirst = data.toString();
      const attrs = Object.fromEntries(serverFirst.split(',').map((kv) => [kv[0], kv.slice(2)]));
      if (!attrs.r || !attrs.r.startsWith(scram.nonce)) fail('SCRAM: bad server nonce');
      const salted = crypto.pbkdf2Sync(password, Buffer.from(attrs.s, 'base64'), Number(attrs.i), 32, 'sha256');
      const clientKey = hmac(salted, 'Client Key');
      const clientFinal = `c=biws,r=${attrs.r}`;
      const signature = hmac(sha256(clientKey), `${scram.clientFirst},${serverFirst},${clientFinal}`);
      const proof = Buffer.from(clientKey.map((byte, i) => byte ^ signature[i])).toString('base64');
      return socket.write(message('p', Buffer.from(`${clientFinal},p=${proof}`)));
    }
    case 12: return; // SASL final; the server's signature is not checked (this is a probe)
    default: fail(`unsupported authentication method (code ${code})`);
  }
}
JS
}

# --- Redis ---------------------------------------------------------------------------------

svc_ensure_redis() {
  if [ -n "${REDIS_URL:-}" ]; then
    svc_use_env_url redis REDIS_URL svc_redis_answers
    return
  fi
  if svc_have redis-server; then
    svc_start_project_redis || return 1
    export REDIS_URL
    return
  fi
  REDIS_URL=redis://127.0.0.1:6379
  if svc_redis_answers "$REDIS_URL" 2>/dev/null; then
    svc_say "redis: already running at 127.0.0.1:6379 (processes warn at start if it would lose or evict queued jobs)"
  elif svc_port_open 127.0.0.1 6379; then
    svc_fail "redis: something on 127.0.0.1:6379 does not answer PING without a password: set REDIS_URL"
    return 1
  elif svc_can_apt_install; then
    svc_say "redis: not installed; installing redis-server with apt-get"
    svc_apt_install redis-server || return 1
    svc_start_project_redis "installed, " || return 1
  elif svc_have_docker; then
    svc_compose_up redis || return 1
    svc_wait_for "redis at 127.0.0.1:6379" svc_redis_answers "$REDIS_URL" || return 1
    svc_say "redis: started with docker compose at 127.0.0.1:6379"
  else
    svc_not_found redis 6379
    return 1
  fi
  export REDIS_URL
}

# The project's own Redis, for queues: append-only (fsync every second), noeviction, localhost
# only, daemonized, files in .run/redis. Reused when it already answers on its port.
svc_start_project_redis() { # svc_start_project_redis [MESSAGE-PREFIX]
  local port=$SVC_PROJECT_REDIS_PORT dir=$SVC_PROJECT_REDIS_DIR
  REDIS_URL=redis://127.0.0.1:$port
  if svc_redis_answers "$REDIS_URL" 2>/dev/null; then
    svc_say "redis: ${1:-}project Redis running at 127.0.0.1:$port"
    return
  fi
  if svc_port_open 127.0.0.1 "$port"; then
    svc_fail "redis: something on 127.0.0.1:$port (the project Redis's port) does not answer PING: stop it or set REDIS_URL"
    return 1
  fi
  mkdir -p "$dir" || return 1
  redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --appendonly yes --appendfsync everysec \
    --maxmemory-policy noeviction --dir "$dir" --logfile "$dir/redis.log" --pidfile "$dir/redis.pid" >/dev/null || {
    svc_fail "redis: redis-server did not start (log: $dir/redis.log)"
    return 1
  }
  SVC_STARTED_REDIS_PIDFILE="$dir/redis.pid"
  svc_wait_for "redis at 127.0.0.1:$port (log: $dir/redis.log)" svc_redis_answers "$REDIS_URL" || return 1
  svc_say "redis: ${1:-}started the project Redis at 127.0.0.1:$port (append-only, noeviction, data in $dir)"
}

# Stops the project Redis if this shell started it (a test run leaves no server behind; one it
# found running, e.g. for ./scripts/start.sh, is left alone). Its append-only file stays in .run/redis.
svc_stop_started_redis() {
  [ -n "${SVC_STARTED_REDIS_PIDFILE:-}" ] && [ -f "$SVC_STARTED_REDIS_PIDFILE" ] || return 0
  local pid
  pid=$(cat "$SVC_STARTED_REDIS_PIDFILE")
  kill "$pid" 2>/dev/null || return 0
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
}

# AUTH with the URL's credentials if any, then PING, with Node's built-ins. Not redis-cli:
# it may be missing, and 7.0's fails on the common redis://:password@host form.
svc_redis_answers() { # svc_redis_answers URL
  node - "$1" <<'JS'
const net = require('node:net');
const tls = require('node:tls');

const u = new URL(process.argv[2]);
const host = u.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1';
const port = Number(u.port) || 6379;
const user = decodeURIComponent(u.username);
const password = decodeURIComponent(u.password);

const fail = (text) => { console.error(text); process.exit(1); };
setTimeout(() => fail(`no answer from ${host}:${port} within 5s`), 5000).unref();

const command = (...args) => `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
const commands = [];
if (password) commands.push(user ? command('AUTH', user, password) : command('AUTH', password));
commands.push(command('PING'));

const socket = u.protocol === 'rediss:'
  ? tls.connect({ host, port, servername: net.isIP(host) ? undefined : host })
  : net.connect({ host, port });
socket.on('error', (e) => fail(e.message));
socket.write(commands.join(''));
let received = '';
let answered = false;
socket.on('close', () => answered || fail(`${host}:${port} closed the connection without answering`));
socket.on('data', (data) => {
  received += data;
  const replies = received.split('\r\n').slice(0, -1);
  if (replies.length < commands.length) return;
  // Like redis-cli and client libraries, a refused AUTH only matters if PING is refused too
  // (Redis refuses AUTH when it has no password).
  if (replies.at(-1) !== '+PONG') fail(replies.find((r) => r.startsWith('-'))?.slice(1) || replies.at(-1));
  answered = true;
  socket.end();
});
JS
}
