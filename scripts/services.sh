#!/usr/bin/env bash
# Local service stack for quizgen: a private PostgreSQL cluster, PgBouncer in
# transaction pooling mode and an SQS emulator, per profile.
#
#   scripts/services.sh up|down|status|env|purge [dev|test] [--purge]
#   scripts/services.sh pgbouncer-stop|pgbouncer-start|pgbouncer-restart test
#   scripts/services.sh postgres-stop|postgres-start test
#
# Profiles and ports (all on 127.0.0.1):
#   dev:   postgres 54320, pgbouncer 64320, sqs 9324
#   test:  postgres, pgbouncer, sqs, plus a "chaos" pair (postgres,
#          pgbouncer) that destructive tests stop and start with the
#          pgbouncer-*/postgres-* commands. Ports chosen per checkout (see
#          "test ports" below): 54321, 64321, 9325, 54322, 64322 when free,
#          else free ones; kept in <repo>/.run/test/ports, so two clones can
#          run `make test` at once on one machine.
#
# Postgres and PgBouncer refuse to run as root: when run as root they run as
# the "postgres" OS user with their files in /var/tmp/quizgen-<hash>/<profile>
# (reachable by that user wherever the clone is); otherwise they run as the
# current user with their files in <repo>/.run/<profile>. Passwords are
# generated on the first "up" and kept in <repo>/.run/<profile>/secrets; the
# connection settings are written to <repo>/.run/<profile>/env.
set -euo pipefail

PROG=services.sh
SCRIPT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)/$(basename "${BASH_SOURCE[0]}")
REPO=$(cd "$(dirname "$SCRIPT")/.." && pwd -P)
SQS_DIR=$REPO/dev/sqs
PGB_TEMPLATE=$REPO/pgbouncer/pgbouncer.ini
HOST=127.0.0.1
DB_NAME=quizgen
DB_USER=quizgen
PGB_ADMIN_USER=pgbouncer_admin
PGB_STATS_USER=pgbouncer_stats

usage() {
	cat <<EOF
usage: scripts/services.sh <command> [dev|test] [--purge]

commands:
  up                  start (installing what is missing) postgres, pgbouncer, sqs emulator
  down [--purge]      stop what this script started for the profile (--purge: delete data too)
  purge               same as down --purge
  status              show what runs
  env                 print the path of the env file (export KEY='value' lines)
test profile only, acting on the chaos pair (ports in .run/test/ports):
  pgbouncer-stop      SIGTERM; returns when the process is gone and the port closed
  pgbouncer-start     returns when its admin console answers
  pgbouncer-restart   stop, then start (a new process)
  postgres-stop       pg_ctl stop -m fast; returns when the port is closed
  postgres-start      returns when postgres answers and a query through the chaos
                      pgbouncer works again (it refuses clients for up to
                      server_login_retry seconds after failed server logins)
EOF
}

say() { printf '%s\n' "$*"; }
warn() { printf '%s: warning: %s\n' "$PROG" "$*" >&2; }
die() {
	printf '%s: error: %s\n' "$PROG" "$*" >&2
	exit 1
}

# ---------------------------------------------------------------- arguments

CMD=${1:-}
[[ -n $CMD ]] || {
	usage >&2
	exit 2
}
shift
PROFILE=dev
PURGE=0
for arg in "$@"; do
	case $arg in
	dev | test) PROFILE=$arg ;;
	--purge) PURGE=1 ;;
	-h | --help)
		usage
		exit 0
		;;
	*)
		usage >&2
		die "unknown argument: $arg"
		;;
	esac
done

case $PROFILE in
dev)
	PG_PORT=54320
	PGB_PORT=64320
	SQS_PORT=9324
	INSTANCES=(main)
	;;
test)
	PG_PORT=54321
	PGB_PORT=64321
	SQS_PORT=9325
	CHAOS_PG_PORT=54322
	CHAOS_PGB_PORT=64322
	INSTANCES=(main chaos)
	;;
esac

# ---------------------------------------------------------------- layout

RUN_DIR=$REPO/.run/$PROFILE
SECRETS=$RUN_DIR/secrets
ENV_FILE=$RUN_DIR/env
SQS_PID=$RUN_DIR/sqs.pid
SQS_LOG=$RUN_DIR/sqs.log
INSTALL_LOG=$REPO/.run/install.log
REPO_HASH=$(printf '%s' "$REPO" | sha256sum | cut -c1-10)

# ---------------------------------------------------------------- test ports
#
# The test profile's ports belong to the checkout, not to the machine: the
# first "up test" takes the defaults above where they are free and free
# ports in 20000-29999 otherwise, keeps them in .run/test/ports and
# registers them in PORTS_REG, which every checkout reads so that none takes
# another's ports even while that one is stopped. Later runs keep them; a
# port found taken by another process (our service not running) is chosen
# anew. "purge test" unregisters the checkout. The tests read the ports
# from .run/test/env, written on every "up". The dev profile stays fixed.
PORTS_FILE=$RUN_DIR/ports
PORTS_REG=/tmp/quizgen-test-ports
PORT_VARS=(PG_PORT PGB_PORT SQS_PORT CHAOS_PG_PORT CHAOS_PGB_PORT)

load_ports() {
	[[ $PROFILE == test && -f $PORTS_FILE ]] || return 0
	local k v
	while IFS='=' read -r k v; do
		case $k in
		PG_PORT | PGB_PORT | SQS_PORT | CHAOS_PG_PORT | CHAOS_PGB_PORT)
			if [[ $v =~ ^[0-9]+$ ]]; then printf -v "$k" '%s' "$v"; fi
			;;
		esac
	done <"$PORTS_FILE"
}
load_ports

if [[ $(id -u) -eq 0 ]]; then
	IS_ROOT=1
	SVC_USER=postgres
	STATE_BASE=/var/tmp/quizgen-$REPO_HASH
	STATE_DIR=$STATE_BASE/$PROFILE
else
	IS_ROOT=0
	SVC_USER=$(id -un)
	STATE_BASE=
	STATE_DIR=$RUN_DIR
fi

inst_dir() { printf '%s/%s' "$STATE_DIR" "$1"; }
inst_pg_port() { if [[ $1 == chaos ]]; then printf '%s' "$CHAOS_PG_PORT"; else printf '%s' "$PG_PORT"; fi; }
inst_pgb_port() { if [[ $1 == chaos ]]; then printf '%s' "$CHAOS_PGB_PORT"; else printf '%s' "$PGB_PORT"; fi; }

# Unix socket paths are limited to ~107 bytes: fall back to a short private
# directory when the instance directory is too deep.
inst_sock() {
	local d
	d=$(inst_dir "$1")/sock
	if ((${#d} > 80)); then
		d=${TMPDIR:-/tmp}/quizgen-$REPO_HASH-$PROFILE-$1
	fi
	printf '%s' "$d"
}

# ---------------------------------------------------------------- helpers

# Run a command as the user that runs postgres and pgbouncer.
as_svc() {
	if ((IS_ROOT)); then
		if command -v runuser >/dev/null 2>&1; then
			(cd / && runuser -u "$SVC_USER" -- "$@")
		else
			(cd / && su -s /bin/bash "$SVC_USER" -c "$(printf '%q ' "$@")")
		fi
	else
		"$@"
	fi
}

# Make a directory owned by the service user, mode 0700.
svc_mkdir() {
	local d
	for d in "$@"; do
		if [[ ! -d $d ]]; then
			mkdir -p "$d"
		fi
		chmod 0700 "$d"
		if ((IS_ROOT)); then
			chown "$SVC_USER:$SVC_GROUP" "$d"
		fi
	done
}

# install_file TMP DEST MODE: move TMP to DEST (service user, MODE) unless
# DEST already has that content. Returns 0 when DEST changed, 1 otherwise.
install_file() {
	local tmp=$1 dest=$2 mode=$3
	if [[ -f $dest ]] && cmp -s "$tmp" "$dest"; then
		rm -f "$tmp"
		return 1
	fi
	if ((IS_ROOT)); then
		install -m "$mode" -o "$SVC_USER" -g "$SVC_GROUP" "$tmp" "$dest"
	else
		install -m "$mode" "$tmp" "$dest"
	fi
	rm -f "$tmp"
	return 0
}

port_open() {
	(exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null
}

# wait_for SECONDS CMD...: retry CMD every 0.1 s until it succeeds.
wait_for() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		((SECONDS < deadline)) || return 1
		sleep 0.1
	done
}

port_closed() { ! port_open "$1"; }

# proc_alive PID: the process exists and is not a zombie (daemons are
# reparented to PID 1, which may be slow to reap them).
proc_alive() {
	local st
	kill -0 "$1" 2>/dev/null || return 1
	st=$(sed -n 's/^State:[[:space:]]*\([A-Za-z]\).*/\1/p' "/proc/$1/status" 2>/dev/null) || return 0
	[[ $st != Z ]]
}
proc_gone() { ! proc_alive "$1"; }

# pid_is PIDFILE NAME: the pid in PIDFILE is alive and its command is NAME.
pid_is() {
	local pidfile=$1 name=$2 pid cmdline
	[[ -r $pidfile ]] || return 1
	pid=$(head -n1 "$pidfile" 2>/dev/null) || return 1
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	proc_alive "$pid" || return 1
	cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
	[[ $cmdline == *"$name"* ]]
}

rand_hex() {
	od -An -N24 -tx1 /dev/urandom | tr -d ' \n'
}

sq() {
	# single-quote for sh: ' -> '\''
	local s=${1//\'/\'\\\'\'}
	printf "'%s'" "$s"
}

tail_log() {
	if [[ -f $1 ]]; then
		printf -- '--- last lines of %s ---\n' "$1" >&2
		tail -n "${2:-20}" "$1" >&2
	fi
}

take_lock() {
	# Serialises commands on one profile; fd 9 is closed for every daemon
	# started under it (see the 9>&- redirections).
	mkdir -p "$RUN_DIR"
	if command -v flock >/dev/null 2>&1; then
		exec 9>"$RUN_DIR/.lock"
		flock 9
	fi
}

# new_tmp: TMP = a new temporary file, removed on exit.
TMP=
TMP_FILES=()
cleanup() {
	if ((${#TMP_FILES[@]})); then
		rm -f "${TMP_FILES[@]}"
	fi
}
trap cleanup EXIT
new_tmp() {
	TMP=$(mktemp "$RUN_DIR/.tmp.XXXXXX")
	TMP_FILES+=("$TMP")
}

# ---------------------------------------------------------------- tools

PG_BIN=
PGBOUNCER=

pg_bin_ok() { [[ -x $1/initdb && -x $1/pg_ctl && -x $1/postgres && -x $1/psql ]]; }

find_pg_bin() {
	local d
	if command -v pg_config >/dev/null 2>&1; then
		d=$(pg_config --bindir 2>/dev/null || true)
		if [[ -n $d ]] && pg_bin_ok "$d"; then
			PG_BIN=$d
			return 0
		fi
	fi
	# Highest major version first.
	while IFS= read -r d; do
		if pg_bin_ok "$d"; then
			PG_BIN=$d
			return 0
		fi
	done < <(printf '%s\n' /usr/lib/postgresql/*/bin | sort -t/ -k5,5 -rn)
	if command -v initdb >/dev/null 2>&1; then
		d=$(dirname "$(command -v initdb)")
		if pg_bin_ok "$d"; then
			PG_BIN=$d
			return 0
		fi
	fi
	return 1
}

# The bin dir matching an existing cluster's major version.
pg_bin_for() {
	local data=$1 want have
	[[ -f $data/PG_VERSION ]] || {
		printf '%s' "$PG_BIN"
		return 0
	}
	want=$(cat "$data/PG_VERSION")
	have=$("$PG_BIN/pg_ctl" --version | sed -E 's/.* ([0-9]+)[.0-9]*.*/\1/')
	if [[ $want == "$have" ]]; then
		printf '%s' "$PG_BIN"
	elif pg_bin_ok "/usr/lib/postgresql/$want/bin"; then
		printf '%s' "/usr/lib/postgresql/$want/bin"
	else
		die "$data was made by PostgreSQL $want, which is not installed (have $have); run: scripts/services.sh purge $PROFILE"
	fi
}

find_pgbouncer() {
	local p
	for p in "$(command -v pgbouncer 2>/dev/null || true)" /usr/sbin/pgbouncer /usr/local/sbin/pgbouncer /usr/bin/pgbouncer; do
		if [[ -n $p && -x $p ]]; then
			PGBOUNCER=$p
			return 0
		fi
	done
	return 1
}

find_tools() {
	find_pg_bin || die "PostgreSQL server binaries not found; run: scripts/services.sh up $PROFILE"
	find_pgbouncer || die "pgbouncer not found; run: scripts/services.sh up $PROFILE"
}

ensure_packages() {
	local missing=() sudo=()
	find_pg_bin || missing+=(postgresql)
	find_pgbouncer || missing+=(pgbouncer)
	command -v node >/dev/null 2>&1 || missing+=(nodejs)
	command -v npm >/dev/null 2>&1 || missing+=(npm)
	if ((${#missing[@]})); then
		if ((!IS_ROOT)); then
			if command -v sudo >/dev/null 2>&1; then
				sudo=(sudo)
			else
				die "missing packages and no sudo; as root run: apt-get update && apt-get install -y ${missing[*]}"
			fi
		fi
		command -v apt-get >/dev/null 2>&1 ||
			die "missing: ${missing[*]}; install them with your package manager (this script knows apt-get only)"
		mkdir -p "$REPO/.run"
		say "$PROG: installing ${missing[*]} (log: $INSTALL_LOG)"
		(
			if command -v flock >/dev/null 2>&1; then
				exec 8>"$REPO/.run/.install.lock"
				flock 8
			fi
			# Re-check under the lock: a parallel "up" may have installed them.
			local still=()
			find_pg_bin || still+=(postgresql)
			find_pgbouncer || still+=(pgbouncer)
			command -v node >/dev/null 2>&1 || still+=(nodejs)
			command -v npm >/dev/null 2>&1 || still+=(npm)
			if ((${#still[@]})); then
				{
					${sudo[@]+"${sudo[@]}"} env DEBIAN_FRONTEND=noninteractive apt-get update &&
						${sudo[@]+"${sudo[@]}"} env DEBIAN_FRONTEND=noninteractive apt-get install -y "${still[@]}"
				} >>"$INSTALL_LOG" 2>&1 8>&- 9>&- || {
					tail_log "$INSTALL_LOG"
					die "apt-get install ${still[*]} failed"
				}
			fi
		)
		find_pg_bin || die "PostgreSQL server binaries still not found after installing"
		find_pgbouncer || die "pgbouncer still not found after installing"
		command -v node >/dev/null 2>&1 || die "node still not found after installing"
		command -v npm >/dev/null 2>&1 || die "npm still not found after installing"
	fi
	local major
	major=$(node -p 'process.versions.node.split(".")[0]')
	((major >= 18)) || die "node $(node --version) is too old for the SQS emulator; install Node.js >= 18"
}

ensure_npm_deps() {
	local stamp=$SQS_DIR/node_modules/.quizgen-deps.sha256 want
	want=$(cat "$SQS_DIR/package.json" "$SQS_DIR/package-lock.json" | sha256sum | cut -d' ' -f1)
	if [[ -f $stamp && $(cat "$stamp") == "$want" && -d $SQS_DIR/node_modules/local-aws-sqs ]]; then
		return 0
	fi
	mkdir -p "$REPO/.run"
	(
		if command -v flock >/dev/null 2>&1; then
			exec 8>"$REPO/.run/.npm.lock"
			flock 8
		fi
		if [[ -f $stamp && $(cat "$stamp") == "$want" && -d $SQS_DIR/node_modules/local-aws-sqs ]]; then
			exit 0
		fi
		say "$PROG: npm ci in dev/sqs (log: $INSTALL_LOG)"
		(cd "$SQS_DIR" && npm ci --no-audit --no-fund) >>"$INSTALL_LOG" 2>&1 8>&- 9>&- || {
			tail_log "$INSTALL_LOG"
			die "npm ci in $SQS_DIR failed"
		}
		printf '%s\n' "$want" >"$stamp"
	)
	if grep -q http "$SQS_DIR/package-lock.json"; then
		warn "dev/sqs/package-lock.json contains registry URLs; regenerate it with dev/sqs/.npmrc in place"
	fi
}

# ---------------------------------------------------------------- secrets

secret_get() {
	[[ -f $SECRETS ]] || return 0
	sed -n "s/^$1=//p" "$SECRETS" | head -n1
}

secret_put() {
	(umask 077 && printf '%s=%s\n' "$1" "$2" >>"$SECRETS")
}

# SCRAM-SHA-256 secret (as Postgres stores it) for a password, random salt.
scram_secret() {
	# shellcheck disable=SC2016 # JavaScript, not shell
	SCRAM_PASSWORD=$1 node -e '
const c = require("crypto");
const pw = process.env.SCRAM_PASSWORD, iter = 4096, salt = c.randomBytes(16);
const salted = c.pbkdf2Sync(pw, salt, iter, 32, "sha256");
const hmac = (k, s) => c.createHmac("sha256", k).update(s).digest();
const stored = c.createHash("sha256").update(hmac(salted, "Client Key")).digest();
const server = hmac(salted, "Server Key");
process.stdout.write(`SCRAM-SHA-256$${iter}:${salt.toString("base64")}$${stored.toString("base64")}:${server.toString("base64")}`);
'
}

ensure_secrets() {
	mkdir -p "$RUN_DIR"
	chmod 0700 "$RUN_DIR"
	[[ -f $SECRETS ]] || (umask 077 && : >"$SECRETS")
	chmod 0600 "$SECRETS"
	local k
	for k in QUIZGEN_DB_PASSWORD PGBOUNCER_ADMIN_PASSWORD PGBOUNCER_STATS_PASSWORD; do
		[[ -n $(secret_get "$k") ]] || secret_put "$k" "$(rand_hex)"
	done
	[[ -n $(secret_get PGBOUNCER_ADMIN_SCRAM) ]] ||
		secret_put PGBOUNCER_ADMIN_SCRAM "$(scram_secret "$(secret_get PGBOUNCER_ADMIN_PASSWORD)")"
	[[ -n $(secret_get PGBOUNCER_STATS_SCRAM) ]] ||
		secret_put PGBOUNCER_STATS_SCRAM "$(scram_secret "$(secret_get PGBOUNCER_STATS_PASSWORD)")"
	DB_PASSWORD=$(secret_get QUIZGEN_DB_PASSWORD)
	ADMIN_PASSWORD=$(secret_get PGBOUNCER_ADMIN_PASSWORD)
	STATS_PASSWORD=$(secret_get PGBOUNCER_STATS_PASSWORD)
}

load_secrets() {
	[[ -f $SECRETS ]] || die "no secrets for profile $PROFILE; run: scripts/services.sh up $PROFILE"
	DB_PASSWORD=$(secret_get QUIZGEN_DB_PASSWORD)
	ADMIN_PASSWORD=$(secret_get PGBOUNCER_ADMIN_PASSWORD)
	STATS_PASSWORD=$(secret_get PGBOUNCER_STATS_PASSWORD)
}

# ---------------------------------------------------------------- postgres

pg_running() {
	local data bin
	data=$(inst_dir "$1")/data
	[[ -f $data/PG_VERSION && -n $PG_BIN && -x $PG_BIN/pg_ctl ]] || return 1
	bin=$(pg_bin_for "$data") || return 1
	as_svc "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1
}

# psql as the cluster's superuser over its private unix socket.
pg_super() {
	local inst=$1
	shift
	"$PG_BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h "$(inst_sock "$inst")" -p "$(inst_pg_port "$inst")" -U postgres -d postgres "$@"
}

pg_login_ok() { # INST PORT DBNAME
	local out
	out=$(PGPASSWORD=$DB_PASSWORD PGCONNECT_TIMEOUT=5 "$PG_BIN/psql" -X -A -t -q \
		"host=$HOST port=$2 dbname=$3 user=$DB_USER sslmode=disable" -c 'select 1' 2>/dev/null) || return 1
	[[ $out == 1 ]]
}

pg_ready() {
	"$PG_BIN/pg_isready" -q -h "$HOST" -p "$1" -t 2 >/dev/null 2>&1
}

# pg_write_config INST: sets PG_CONF_CHANGED=1 when the configuration changed.
PG_CONF_CHANGED=0
pg_write_config() {
	local inst=$1 dir data sock port
	dir=$(inst_dir "$inst")
	data=$dir/data
	sock=$(inst_sock "$inst")
	port=$(inst_pg_port "$inst")

	PG_CONF_CHANGED=0
	new_tmp
	{
		say "# Written by scripts/services.sh (profile $PROFILE, $inst); changes are overwritten."
		say "listen_addresses = '$HOST'"
		say "port = $port"
		say "unix_socket_directories = '$sock'"
		say "unix_socket_permissions = 0700"
		say "max_connections = 200"
		say "password_encryption = 'scram-sha-256'"
		say "timezone = 'UTC'"
		say "log_timezone = 'UTC'"
		say "log_line_prefix = '%m [%p] %q%u@%d '"
		if [[ $PROFILE == test ]]; then
			say "# test profile: durability off for speed"
			say "fsync = off"
			say "synchronous_commit = off"
			say "full_page_writes = off"
		fi
	} >"$TMP"
	if install_file "$TMP" "$data/quizgen.conf" 0600; then PG_CONF_CHANGED=1; fi

	new_tmp
	cat >"$TMP" <<EOF
# Written by scripts/services.sh; changes are overwritten.
# The unix socket directory is private (0700) to the OS user running the
# cluster, so local trust reaches only that user (and root).
# TYPE  DATABASE  USER  ADDRESS       METHOD
local   all       all                 trust
host    all       all   $HOST/32  scram-sha-256
EOF
	if install_file "$TMP" "$data/pg_hba.conf" 0600; then PG_CONF_CHANGED=1; fi

	if ! grep -qxF "include_if_exists = 'quizgen.conf'" "$data/postgresql.conf"; then
		printf '\n# scripts/services.sh\ninclude_if_exists = %s\n' "'quizgen.conf'" >>"$data/postgresql.conf"
		PG_CONF_CHANGED=1
	fi
}

pg_start() { # INST
	local inst=$1 dir data port bin
	dir=$(inst_dir "$inst")
	data=$dir/data
	port=$(inst_pg_port "$inst")
	[[ -f $data/PG_VERSION ]] || die "no cluster at $data; run: scripts/services.sh up $PROFILE"
	bin=$(pg_bin_for "$data")
	if pg_running "$inst"; then
		return 0
	fi
	if port_open "$port"; then
		die "port $port is in use by another process (not postgres $PROFILE/$inst)"
	fi
	svc_mkdir "$(inst_sock "$inst")"
	as_svc "$bin/pg_ctl" -D "$data" -l "$dir/postgres.log" -w -t 60 -s start >/dev/null 8>&- 9>&- || {
		tail_log "$dir/postgres.log"
		die "postgres $PROFILE/$inst did not start"
	}
	wait_for 30 pg_ready "$port" || die "postgres $PROFILE/$inst does not answer on $port"
}

pg_stop() { # INST
	local inst=$1 dir data port
	dir=$(inst_dir "$inst")
	data=$dir/data
	port=$(inst_pg_port "$inst")
	if pg_running "$inst"; then
		as_svc "$(pg_bin_for "$data")/pg_ctl" -D "$data" -m fast -w -t 60 -s stop >/dev/null ||
			die "postgres $PROFILE/$inst did not stop"
	fi
	if [[ -f $data/PG_VERSION ]] && port_open "$port" && ! pg_running "$inst"; then
		wait_for 10 port_closed "$port" || warn "port $port still open (not our postgres?)"
	fi
}

pg_up() { # INST
	local inst=$1 dir data port
	dir=$(inst_dir "$inst")
	data=$dir/data
	port=$(inst_pg_port "$inst")
	svc_mkdir "$dir" "$(inst_sock "$inst")"

	if [[ ! -f $data/PG_VERSION ]]; then
		if [[ -d $data ]]; then rm -rf "$data"; fi
		as_svc "$PG_BIN/initdb" -D "$data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
			--encoding=UTF8 --no-locale >"$dir/initdb.log" 2>&1 || {
			tail_log "$dir/initdb.log"
			die "initdb $data failed"
		}
	fi
	pg_write_config "$inst"

	if pg_running "$inst"; then
		if ((PG_CONF_CHANGED)); then
			as_svc "$(pg_bin_for "$data")/pg_ctl" -D "$data" -l "$dir/postgres.log" -m fast -w -t 60 -s restart \
				>/dev/null 8>&- 9>&- || {
				tail_log "$dir/postgres.log"
				die "postgres $PROFILE/$inst did not restart with the new configuration"
			}
		fi
	else
		pg_start "$inst"
	fi

	# Role and database; password only (re)set when logging in with it fails.
	if ! pg_login_ok "$inst" "$port" "$DB_NAME"; then
		pg_super "$inst" <<SQL >/dev/null || die "creating role/database $DB_USER on postgres $PROFILE/$inst failed"
SET password_encryption = 'scram-sha-256';
SELECT 'CREATE ROLE $DB_USER' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$DB_USER') \gexec
ALTER ROLE $DB_USER WITH LOGIN CREATEDB PASSWORD '$DB_PASSWORD';
SELECT 'CREATE DATABASE $DB_NAME OWNER $DB_USER' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$DB_NAME') \gexec
SQL
		pg_login_ok "$inst" "$port" "$DB_NAME" || die "cannot log in as $DB_USER to postgres $PROFILE/$inst"
	fi
	# Tests drop their per-test databases WITH (FORCE), which must also end
	# an autovacuum worker busy in that database: a process without a role,
	# which only pg_signal_backend (or a superuser) may end. Test profile only.
	if [[ $PROFILE == test ]]; then
		pg_super "$inst" <<<"GRANT pg_signal_backend TO $DB_USER;" >/dev/null 2>&1 ||
			die "granting pg_signal_backend to $DB_USER on postgres $PROFILE/$inst failed"
	fi
}

# ---------------------------------------------------------------- pgbouncer

# The pid must be a pgbouncer started with this instance's ini: after a
# crash or reboot the pid in the file may belong to another checkout's.
pgb_running() { pid_is "$(inst_dir "$1")/pgbouncer.pid" "$(inst_dir "$1")/pgbouncer.ini"; }

pgb_max_client_conn() {
	local v
	v=$(sed -n 's/^[[:space:]]*max_client_conn[[:space:]]*=[[:space:]]*\([0-9][0-9]*\).*/\1/p' "$1" | tail -n1)
	printf '%s' "${v:-100}"
}

# Derive the runtime ini from the committed reference: replace only the
# machine-specific keys and the [databases] host/port.
pgb_render_ini() { # INST OUT
	local inst=$1 out=$2 dir
	dir=$(inst_dir "$inst")
	[[ -f $PGB_TEMPLATE ]] || die "$PGB_TEMPLATE is missing"
	{
		say ";; Generated by scripts/services.sh from pgbouncer/pgbouncer.ini (profile $PROFILE, $inst)."
		say ";; Do not edit: edit the committed file instead."
		# Only the test profile forwards any database name ("*"): its tests
		# create a database per test. The committed file has no wildcard.
		local autodb=0
		[[ $PROFILE == test ]] && autodb=1
		awk -v host="$HOST" -v dbport="$(inst_pg_port "$inst")" -v autodb="$autodb" \
			-v k_listen_addr="$HOST" -v k_listen_port="$(inst_pgb_port "$inst")" \
			-v k_unix_socket_dir="$(inst_sock "$inst")" -v k_logfile="$dir/pgbouncer.log" \
			-v k_pidfile="$dir/pgbouncer.pid" -v k_auth_file="$dir/userlist.txt" '
			function emit_missing(k) {
				for (k in want) if (!(k in seen)) { printf "%s = %s\n", k, want[k]; seen[k] = 1 }
			}
			BEGIN {
				want["listen_addr"] = k_listen_addr; want["listen_port"] = k_listen_port
				want["unix_socket_dir"] = k_unix_socket_dir; want["logfile"] = k_logfile
				want["pidfile"] = k_pidfile; want["auth_file"] = k_auth_file
			}
			function emit_autodb() {
				if (autodb && !autodb_done) {
					print ";; test profile only: per-test databases (internal/db/dbtest)"
					printf "* = host=%s port=%s\n\n", host, dbport; autodb_done = 1
				}
			}
			/^[ \t]*\[[^]]*\][ \t]*$/ {
				if (sect == "pgbouncer") emit_missing()
				if (sect == "databases") emit_autodb()
				s = $0; sub(/^[ \t]*\[/, "", s); sub(/\][ \t]*$/, "", s); sect = tolower(s)
				print; next
			}
			sect == "pgbouncer" && /^[ \t]*[A-Za-z_]+[ \t]*=/ {
				k = $0; sub(/^[ \t]*/, "", k); sub(/[ \t]*=.*$/, "", k)
				if (k in want) { print k " = " want[k]; seen[k] = 1; next }
			}
			sect == "databases" && /^[ \t]*[^;# \t][^=]*=/ {
				line = $0
				if (line ~ /host=/) gsub(/host=[^ \t]+/, "host=" host, line); else line = line " host=" host
				if (line ~ /port=/) gsub(/port=[^ \t]+/, "port=" dbport, line); else line = line " port=" dbport
				print line; next
			}
			{ print }
			END { if (sect == "pgbouncer") emit_missing(); if (sect == "databases") emit_autodb() }
		' "$PGB_TEMPLATE"
	} >"$out"
	grep -Eq '^[[:space:]]*pool_mode[[:space:]]*=[[:space:]]*transaction[[:space:]]*$' "$out" ||
		die "pgbouncer/pgbouncer.ini must set pool_mode = transaction"
}

pgb_write_userlist() { # INST OUT
	local inst=$1 out=$2 secret
	secret=$(pg_super "$inst" -c "SELECT rolpassword FROM pg_authid WHERE rolname = '$DB_USER'") ||
		die "cannot read the SCRAM secret of $DB_USER from postgres $PROFILE/$inst"
	[[ $secret == SCRAM-SHA-256\$* ]] || die "role $DB_USER on postgres $PROFILE/$inst has no SCRAM secret"
	{
		say ";; Generated by scripts/services.sh; never commit."
		printf '"%s" "%s"\n' "$DB_USER" "$secret"
		printf '"%s" "%s"\n' "$PGB_ADMIN_USER" "$(secret_get PGBOUNCER_ADMIN_SCRAM)"
		printf '"%s" "%s"\n' "$PGB_STATS_USER" "$(secret_get PGBOUNCER_STATS_SCRAM)"
	} >"$out"
}

pgb_admin_ok() { # PORT
	PGPASSWORD=$STATS_PASSWORD PGCONNECT_TIMEOUT=3 "$PG_BIN/psql" -X -A -t -q \
		"host=$HOST port=$1 dbname=pgbouncer user=$PGB_STATS_USER sslmode=disable" -c 'SHOW VERSION;' >/dev/null 2>&1
}

pgb_start() { # INST
	local inst=$1 dir ini port need hard nofile
	dir=$(inst_dir "$inst")
	ini=$dir/pgbouncer.ini
	port=$(inst_pgb_port "$inst")
	[[ -f $ini && -f $dir/userlist.txt ]] || die "pgbouncer $PROFILE/$inst is not configured; run: scripts/services.sh up $PROFILE"
	pgb_running "$inst" && return 0
	port_open "$port" && die "port $port is in use by another process (not pgbouncer $PROFILE/$inst)"
	rm -f "$dir/pgbouncer.pid"
	svc_mkdir "$(inst_sock "$inst")"

	need=$((2 * $(pgb_max_client_conn "$ini") + 100))
	(
		hard=$(ulimit -Hn)
		nofile=$need
		if [[ $hard != unlimited ]] && ((hard < need)); then
			if ((IS_ROOT)) && ulimit -Hn "$need" 2>/dev/null; then
				:
			else
				warn "open-files hard limit is $hard, below $need (2*max_client_conn+100) for pgbouncer; using $hard"
				nofile=$hard
			fi
		fi
		ulimit -Sn "$nofile"
		# pam_limits (runuser) may reset limits: set the soft limit again as the service user.
		# shellcheck disable=SC2016 # positional parameters of the inner sh
		as_svc /bin/sh -c 'ulimit -S -n "$1" 2>/dev/null; exec "$2" -d -q "$3"' sh "$nofile" "$PGBOUNCER" "$ini" \
			>>"$dir/pgbouncer.stderr" 2>&1 8>&- 9>&-
	) || {
		tail_log "$dir/pgbouncer.stderr"
		tail_log "$dir/pgbouncer.log"
		die "pgbouncer $PROFILE/$inst did not start"
	}
	wait_for 10 pgb_admin_ok "$port" || {
		tail_log "$dir/pgbouncer.log"
		die "pgbouncer $PROFILE/$inst does not answer on $port"
	}
}

pgb_stop() { # INST
	local inst=$1 dir pid port
	dir=$(inst_dir "$inst")
	port=$(inst_pgb_port "$inst")
	if pgb_running "$inst"; then
		pid=$(head -n1 "$dir/pgbouncer.pid")
		# SIGTERM: immediate shutdown (clients are disconnected).
		kill -TERM "$pid" 2>/dev/null || true
		if ! wait_for 10 proc_gone "$pid"; then
			warn "pgbouncer $PROFILE/$inst (pid $pid) ignored SIGTERM; killing it"
			kill -KILL "$pid" 2>/dev/null || true
			wait_for 5 proc_gone "$pid" || die "pgbouncer pid $pid does not exit"
		fi
		rm -f "$dir/pgbouncer.pid"
		wait_for 10 port_closed "$port" || warn "port $port still open after stopping pgbouncer $PROFILE/$inst"
	fi
}

pgb_up() { # INST
	local inst=$1 dir changed=0 pid
	dir=$(inst_dir "$inst")
	new_tmp
	pgb_render_ini "$inst" "$TMP"
	if install_file "$TMP" "$dir/pgbouncer.ini" 0600; then changed=1; fi
	new_tmp
	pgb_write_userlist "$inst" "$TMP"
	if install_file "$TMP" "$dir/userlist.txt" 0600; then changed=1; fi

	if pgb_running "$inst"; then
		if ((changed)); then
			# SIGHUP: reload the config and auth_file without dropping clients.
			pid=$(head -n1 "$dir/pgbouncer.pid")
			kill -HUP "$pid"
		fi
	else
		pgb_start "$inst"
	fi
}

pgb_verify() { # INST
	local inst=$1 port out
	port=$(inst_pgb_port "$inst")
	wait_for 10 pg_login_ok "$inst" "$port" "$DB_NAME" || {
		tail_log "$(inst_dir "$inst")/pgbouncer.log"
		die "select 1 through pgbouncer $PROFILE/$inst (port $port) as $DB_USER failed"
	}
	out=$(PGPASSWORD=$STATS_PASSWORD "$PG_BIN/psql" -X -A -t -q \
		"host=$HOST port=$port dbname=pgbouncer user=$PGB_STATS_USER sslmode=disable" -c 'SHOW POOLS;' 2>&1) ||
		die "SHOW POOLS on pgbouncer $PROFILE/$inst as $PGB_STATS_USER failed: $out"
}

# ---------------------------------------------------------------- sqs

# The emulator of this checkout: node server.mjs running in its dev/sqs.
sqs_running() {
	pid_is "$SQS_PID" server.mjs || return 1
	[[ $(readlink "/proc/$(head -n1 "$SQS_PID")/cwd" 2>/dev/null) == "$(cd "$SQS_DIR" && pwd -P)" ]]
}

sqs_list_queues() { # PORT -> one queue URL per line
	node -e '
const http = require("http");
const req = http.request({ host: process.argv[1], port: Number(process.argv[2]), method: "POST", path: "/",
  headers: { "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AmazonSQS.ListQueues" }, timeout: 3000 },
  (res) => { let b = ""; res.on("data", (d) => (b += d)); res.on("end", () => {
    try { for (const u of JSON.parse(b).QueueUrls || []) console.log(u); }
    catch (e) { console.error("bad ListQueues answer: " + b); process.exit(1); } }); });
req.on("timeout", () => req.destroy(new Error("timeout")));
req.on("error", (e) => { console.error(e.message); process.exit(1); });
req.end("{}");
' "$HOST" "$1"
}

sqs_answers() { sqs_list_queues "$SQS_PORT" >/dev/null 2>&1; }

sqs_start() {
	if sqs_running; then
		return 0
	fi
	port_open "$SQS_PORT" && die "port $SQS_PORT is in use by another process (not the $PROFILE sqs emulator)"
	(
		cd "$SQS_DIR"
		nohup node server.mjs "$SQS_PORT" >>"$SQS_LOG" 2>&1 </dev/null 8>&- 9>&- &
		printf '%s\n' "$!" >"$SQS_PID"
	)
	wait_for 10 port_open "$SQS_PORT" || {
		tail_log "$SQS_LOG"
		die "sqs emulator did not start on $SQS_PORT"
	}
}

sqs_stop() {
	local pid
	if sqs_running; then
		pid=$(head -n1 "$SQS_PID")
		kill -TERM "$pid" 2>/dev/null || true
		wait_for 5 proc_gone "$pid" || kill -KILL "$pid" 2>/dev/null || true
		wait_for 5 port_closed "$SQS_PORT" || warn "port $SQS_PORT still open after stopping the sqs emulator"
	fi
	rm -f "$SQS_PID"
}

QUEUE_URLS=()
sqs_verify() {
	local q url found
	mapfile -t QUEUE_URLS < <(sqs_list_queues "$SQS_PORT") || true
	for q in quizgen-generate quizgen-export quizgen-generate-dlq quizgen-export-dlq; do
		found=
		for url in "${QUEUE_URLS[@]}"; do
			[[ ${url##*/} == "$q" ]] && found=$url
		done
		[[ -n $found ]] || {
			tail_log "$SQS_LOG"
			die "sqs emulator on $SQS_PORT has no queue $q"
		}
	done
}

queue_url() {
	local url
	for url in "${QUEUE_URLS[@]}"; do
		if [[ ${url##*/} == "$1" ]]; then
			printf '%s' "$url"
			return 0
		fi
	done
}

# ---------------------------------------------------------------- env file

db_url() { # USER PASSWORD PORT DB
	printf 'postgres://%s:%s@%s:%s/%s?sslmode=disable' "$1" "$2" "$HOST" "$3" "$4"
}

write_env() {
	new_tmp
	{
		say "# Written by scripts/services.sh up $PROFILE; do not edit, do not commit."
		say "# Use: . $ENV_FILE"
		emit() { printf 'export %s=%s\n' "$1" "$(sq "$2")"; }
		emit DATABASE_URL "$(db_url "$DB_USER" "$DB_PASSWORD" "$PGB_PORT" "$DB_NAME")"
		emit DATABASE_DIRECT_URL "$(db_url "$DB_USER" "$DB_PASSWORD" "$PG_PORT" "$DB_NAME")"
		emit DB_POOLER pgbouncer
		emit PGBOUNCER_ADMIN_URL "$(db_url "$PGB_STATS_USER" "$STATS_PASSWORD" "$PGB_PORT" pgbouncer)"
		emit PGBOUNCER_ADMIN_SUPER_URL "$(db_url "$PGB_ADMIN_USER" "$ADMIN_PASSWORD" "$PGB_PORT" pgbouncer)"
		emit AWS_ENDPOINT_URL_SQS "http://$HOST:$SQS_PORT"
		emit AWS_REGION us-east-1
		emit AWS_ACCESS_KEY_ID local
		emit AWS_SECRET_ACCESS_KEY local
		emit GENERATE_QUEUE_URL "$(queue_url quizgen-generate)"
		emit EXPORT_QUEUE_URL "$(queue_url quizgen-export)"
		emit GENERATE_DLQ_URL "$(queue_url quizgen-generate-dlq)"
		emit EXPORT_DLQ_URL "$(queue_url quizgen-export-dlq)"
		if [[ $PROFILE == test ]]; then
			emit TEST_DATABASE_URL "$(db_url "$DB_USER" "$DB_PASSWORD" "$PG_PORT" "$DB_NAME")"
			emit TEST_PGBOUNCER_URL "$(db_url "$DB_USER" "$DB_PASSWORD" "$PGB_PORT" "$DB_NAME")"
			emit TEST_PGBOUNCER_ADMIN_URL "$(db_url "$PGB_STATS_USER" "$STATS_PASSWORD" "$PGB_PORT" pgbouncer)"
			emit TEST_CHAOS_DATABASE_URL "$(db_url "$DB_USER" "$DB_PASSWORD" "$CHAOS_PG_PORT" "$DB_NAME")"
			emit TEST_CHAOS_PGBOUNCER_URL "$(db_url "$DB_USER" "$DB_PASSWORD" "$CHAOS_PGB_PORT" "$DB_NAME")"
			emit TEST_CHAOS_PGBOUNCER_ADMIN_URL "$(db_url "$PGB_STATS_USER" "$STATS_PASSWORD" "$CHAOS_PGB_PORT" pgbouncer)"
			emit TEST_CHAOS_PGBOUNCER_ADMIN_SUPER_URL "$(db_url "$PGB_ADMIN_USER" "$ADMIN_PASSWORD" "$CHAOS_PGB_PORT" pgbouncer)"
			# Run as: "$TEST_SERVICES_SCRIPT" pgbouncer-restart test
			emit TEST_SERVICES_SCRIPT "$SCRIPT"
			# The same, for callers that split it on spaces: $TEST_SERVICES_CMD pgbouncer-restart test
			emit TEST_SERVICES_CMD "$SCRIPT "
		fi
	} >"$TMP"
	chmod 0600 "$TMP"
	mv -f "$TMP" "$ENV_FILE"
}

# ---------------------------------------------------------------- status

status_line() { # NAME PORT STATE
	printf '  %-17s %-17s %s\n' "$1" "$HOST:$2" "$3"
}

print_status() {
	local inst label st
	say "quizgen services ($PROFILE):"
	for inst in "${INSTANCES[@]}"; do
		label=
		[[ $inst == chaos ]] && label="chaos "
		if pg_running "$inst" && port_open "$(inst_pg_port "$inst")"; then st=up; else st=down; fi
		status_line "${label}postgres" "$(inst_pg_port "$inst")" "$st"
		if pgb_running "$inst" && port_open "$(inst_pgb_port "$inst")"; then st="up (transaction pooling)"; else st=down; fi
		status_line "${label}pgbouncer" "$(inst_pgb_port "$inst")" "$st"
	done
	if sqs_running && port_open "$SQS_PORT"; then st=up; else st=down; fi
	status_line "sqs emulator" "$SQS_PORT" "$st"
	say "  env:  $ENV_FILE"
	say "  logs: $STATE_DIR/<main|chaos>/{postgres,pgbouncer}.log, $SQS_LOG"
}

# ---------------------------------------------------------------- port choice

# port_ours VAR: our service listening on port VAR runs.
port_ours() {
	case $1 in
	PG_PORT) pg_running main ;;
	PGB_PORT) pgb_running main ;;
	SQS_PORT) sqs_running ;;
	CHAOS_PG_PORT) pg_running chaos ;;
	CHAOS_PGB_PORT) pgb_running chaos ;;
	*) return 1 ;;
	esac
}

# port_taken PORT RESERVED: PORT is in the space-separated RESERVED list or
# something listens on it.
port_taken() { [[ " $2 " == *" $1 "* ]] || port_open "$1"; }

# choose_ports (test profile): settle PORT_VARS as described under "test
# ports", holding a machine-wide lock on fd 8 until the script exits, so
# that a second checkout's "up" chooses after this one's services listen
# (every daemon is started with 8>&-).
choose_ports() {
	[[ $PROFILE == test ]] || return 0
	if [[ ! -d $PORTS_REG ]]; then
		mkdir -p "$PORTS_REG"
		chmod 1777 "$PORTS_REG" 2>/dev/null || true
	fi
	if command -v flock >/dev/null 2>&1; then
		exec 8>>"$PORTS_REG/.lock"
		chmod 0666 "$PORTS_REG/.lock" 2>/dev/null || true
		flock 8
	fi
	local reserved=" " f var p tries
	for f in "$PORTS_REG"/*; do
		[[ -f $f && ${f##*/} != "$REPO_HASH" ]] || continue
		reserved+="$(sed -n 's/^[A-Z_]*PORT=\([0-9]*\)$/\1/p' "$f" | tr '\n' ' ')"
	done
	# A first choice takes the defaults as a set or not at all: one of them
	# taken means another checkout's services (whose chaos pair may be
	# stopped by a test right now) are probably on the others.
	if [[ ! -f $PORTS_FILE ]]; then
		for var in "${PORT_VARS[@]}"; do
			if ! port_ours "$var" && port_taken "${!var}" "$reserved"; then
				for var in "${PORT_VARS[@]}"; do
					if ! port_ours "$var"; then printf -v "$var" 0; fi
				done
				break
			fi
		done
	fi
	for var in "${PORT_VARS[@]}"; do
		p=${!var}
		if ! port_ours "$var" && { ((p == 0)) || port_taken "$p" "$reserved"; }; then
			tries=0
			until p=$((20000 + RANDOM % 10000)) && ! port_taken "$p" "$reserved"; do
				((++tries < 500)) || die "no free port found for $var in 20000-29999"
			done
			if ((${!var} != 0)); then say "$PROG: port ${!var} ($var) is taken; using $p"; fi
		fi
		printf -v "$var" '%s' "$p"
		reserved+="$p "
	done
	new_tmp
	{
		say "# Ports of this checkout's test services (scripts/services.sh, \"test ports\")."
		for var in "${PORT_VARS[@]}"; do say "$var=${!var}"; done
	} >"$TMP"
	cp "$TMP" "$PORTS_REG/.tmp.$REPO_HASH"
	printf '# %s\n' "$REPO" >>"$PORTS_REG/.tmp.$REPO_HASH"
	mv -f "$PORTS_REG/.tmp.$REPO_HASH" "$PORTS_REG/$REPO_HASH"
	mv -f "$TMP" "$PORTS_FILE"
}

# ---------------------------------------------------------------- commands

cmd_up() {
	take_lock
	ensure_packages
	ensure_npm_deps
	if ((IS_ROOT)); then
		id "$SVC_USER" >/dev/null 2>&1 || die "OS user $SVC_USER does not exist (it comes with the postgresql package)"
	fi
	SVC_GROUP=$(id -gn "$SVC_USER")
	ensure_secrets
	if ((IS_ROOT)); then
		svc_mkdir "$STATE_BASE" "$STATE_DIR"
		ln -sfn "$STATE_DIR" "$RUN_DIR/state"
	fi
	choose_ports
	local inst
	sqs_start
	for inst in "${INSTANCES[@]}"; do
		pg_up "$inst"
		pgb_up "$inst"
	done
	for inst in "${INSTANCES[@]}"; do
		pgb_verify "$inst"
	done
	wait_for 10 sqs_answers || {
		tail_log "$SQS_LOG"
		die "sqs emulator on $SQS_PORT does not answer"
	}
	sqs_verify
	write_env
	print_status
}

cmd_down() {
	take_lock
	SVC_GROUP=$(id -gn "$SVC_USER" 2>/dev/null || true)
	find_pg_bin || true
	sqs_stop
	local inst
	for inst in "${INSTANCES[@]}"; do
		pgb_stop "$inst"
		if [[ -n $PG_BIN ]]; then
			pg_stop "$inst"
		fi
	done
	if ((PURGE)); then
		for inst in "${INSTANCES[@]}"; do
			rm -rf "$(inst_sock "$inst")"
		done
		if ((IS_ROOT)); then
			rm -rf "${STATE_DIR:?}"
			rmdir "$STATE_BASE" 2>/dev/null || true
		fi
		if [[ $PROFILE == test ]]; then rm -f "$PORTS_REG/$REPO_HASH"; fi
		# Keep the lock file's directory until we exit; remove everything else.
		find "${RUN_DIR:?}" -mindepth 1 -maxdepth 1 ! -name .lock -exec rm -rf {} +
		say "quizgen services ($PROFILE): stopped and purged"
	else
		say "quizgen services ($PROFILE): stopped"
	fi
}

chaos_cmd() {
	[[ $PROFILE == test ]] || die "$CMD acts on the chaos pair of the test profile: use '$CMD test'"
	take_lock
	find_tools
	SVC_GROUP=$(id -gn "$SVC_USER")
	load_secrets
	case $CMD in
	pgbouncer-stop) pgb_stop chaos ;;
	pgbouncer-start) pgb_start chaos ;;
	pgbouncer-restart)
		pgb_stop chaos
		pgb_start chaos
		;;
	postgres-stop) pg_stop chaos ;;
	postgres-start)
		pg_start chaos
		# After failed server logins PgBouncer refuses clients for up to
		# server_login_retry seconds: return once the chain works again.
		if pgb_running chaos; then
			wait_for 15 pg_login_ok chaos "$CHAOS_PGB_PORT" "$DB_NAME" ||
				warn "postgres $PROFILE/chaos is up but not yet reachable through pgbouncer on $CHAOS_PGB_PORT"
		fi
		;;
	esac
}

case $CMD in
up) cmd_up ;;
down) cmd_down ;;
purge)
	PURGE=1
	cmd_down
	;;
status)
	find_pg_bin || true
	if [[ -z $PG_BIN ]]; then PG_BIN=/nonexistent; fi
	print_status
	;;
env)
	[[ -f $ENV_FILE ]] || die "no env file yet; run: scripts/services.sh up $PROFILE"
	say "$ENV_FILE"
	;;
pgbouncer-stop | pgbouncer-start | pgbouncer-restart | postgres-stop | postgres-start) chaos_cmd ;;
-h | --help | help) usage ;;
*)
	usage >&2
	die "unknown command: $CMD"
	;;
esac
