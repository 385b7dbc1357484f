#!/usr/bin/env bash
# pg-test-cluster.sh — a throwaway PostgreSQL cluster for Palisade's tests.
#
#   scripts/pg-test-cluster.sh start DIR   create (or restart) a cluster in DIR
#                                          and print its DSN on stdout
#   scripts/pg-test-cluster.sh stop DIR    stop it and remove DIR
#
# Typical use:
#
#   eval "export $(scripts/pg-test-cluster.sh start /tmp/palisade-pg)"
#   go test -race ./internal/store/...
#   scripts/pg-test-cluster.sh stop /tmp/palisade-pg
#
# The cluster uses the highest PostgreSQL found in /usr/lib/postgresql/*/bin
# (override with PG_BIN=/path/to/bin), listens on 127.0.0.1 only, on the
# first free port from 54329 up (override the start with PG_PORT), trusts
# every loopback connection, keeps its unix socket in DIR and runs with
# fsync on. Run as root, the server runs as the "postgres" OS user and DIR
# is handed to it; run as another user, the server runs as that user.
#
# start is idempotent: on a running cluster it only prints the DSN again;
# on a stopped one it starts it again. stop is idempotent too, and refuses
# to remove a directory this script did not create.
#
# Only the DSN line goes to stdout; progress and errors go to stderr.

set -euo pipefail

readonly MARKER=.palisade-pg-test-cluster
readonly FIRST_PORT=${PG_PORT:-54329}
readonly LAST_PORT=$((FIRST_PORT + 200))

die() {
	echo "pg-test-cluster: error: $*" >&2
	exit 1
}

say() {
	echo "pg-test-cluster: $*" >&2
}

usage() {
	cat >&2 <<-EOF
		usage: $0 start DIR   create or restart a throwaway cluster in DIR; print its DSN
		       $0 stop DIR    stop the cluster in DIR and remove DIR
	EOF
	exit 2
}

# find_bin sets BIN to the newest /usr/lib/postgresql/*/bin, or PG_BIN.
find_bin() {
	if [[ -n ${PG_BIN:-} ]]; then
		BIN=$PG_BIN
	else
		local best="" v dir
		for dir in /usr/lib/postgresql/*/bin; do
			[[ -x $dir/postgres ]] || continue
			v=${dir#/usr/lib/postgresql/}
			v=${v%/bin}
			if [[ -z $best ]] || [[ $(printf '%s\n%s\n' "$best" "$v" | sort -V | tail -n1) == "$v" ]]; then
				best=$v
			fi
		done
		[[ -n $best ]] || die "no PostgreSQL found in /usr/lib/postgresql/*/bin (install e.g. postgresql-15, or set PG_BIN)"
		BIN=/usr/lib/postgresql/$best/bin
	fi
	local tool
	for tool in initdb pg_ctl pg_isready postgres; do
		[[ -x $BIN/$tool ]] || die "$BIN/$tool is missing or not executable"
	done
}

# as_pg runs a command as the user that owns the cluster, from a directory
# that user can read.
as_pg() {
	if [[ $(id -u) -eq 0 ]]; then
		(cd / && runuser -u postgres -- "$@")
	else
		(cd / && "$@")
	fi
}

# port_free reports whether nothing listens on port $1 of 127.0.0.1 (or of
# every address).
port_free() {
	if command -v ss >/dev/null 2>&1; then
		[[ -z $(ss -Htln "sport = :$1") ]]
	else
		! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
	fi
}

# free_port prints the first free port from $1 up.
free_port() {
	local p
	for ((p = $1; p <= LAST_PORT; p++)); do
		if port_free "$p"; then
			echo "$p"
			return 0
		fi
	done
	die "no free port on 127.0.0.1 in $FIRST_PORT-$LAST_PORT (set PG_PORT to search elsewhere)"
}

running() {
	as_pg "$BIN/pg_ctl" status -D "$DIR/data" >/dev/null 2>&1
}

print_dsn() {
	echo "PALISADE_TEST_POSTGRES_DSN=postgres://postgres@127.0.0.1:$1/postgres?sslmode=disable"
}

# write_config (re)writes the settings this script owns, included from
# postgresql.conf.
write_config() {
	local port=$1
	cat >"$DIR/data/palisade-test.conf" <<-EOF
		# Written by pg-test-cluster.sh; rewritten on every start.
		listen_addresses = '127.0.0.1'
		port = $port
		unix_socket_directories = '$DIR'
		fsync = on
		synchronous_commit = on
		full_page_writes = on
		max_connections = 300
		log_min_messages = warning
	EOF
	if [[ $(id -u) -eq 0 ]]; then
		chown postgres:postgres "$DIR/data/palisade-test.conf"
	fi
}

cmd_start() {
	find_bin
	if [[ -e $DIR && ! -d $DIR ]]; then
		die "$DIR exists and is not a directory"
	fi
	if [[ -d $DIR && ! -e $DIR/$MARKER ]] && [[ -n $(ls -A "$DIR") ]]; then
		die "$DIR is not empty and was not created by this script; choose another directory"
	fi
	# The socket path ($DIR/.s.PGSQL.NNNNN) must fit in 107 bytes.
	if ((${#DIR} > 90)); then
		die "$DIR is too long for a unix socket path; use a shorter directory (e.g. under /tmp)"
	fi

	if [[ $(id -u) -eq 0 ]]; then
		id postgres >/dev/null 2>&1 || die "there is no 'postgres' OS user to run the server as"
		# The server must be able to reach DIR: check before creating it.
		local anc
		anc=$(dirname -- "$DIR")
		while [[ ! -e $anc ]]; do anc=$(dirname -- "$anc"); done
		runuser -u postgres -- test -x "$anc" ||
			die "the postgres user cannot reach $anc, so not $DIR either; use a directory under /tmp"
	fi
	mkdir -p "$DIR"
	touch "$DIR/$MARKER"
	if [[ $(id -u) -eq 0 ]]; then
		chown -R postgres:postgres "$DIR"
		chmod 0700 "$DIR"
		runuser -u postgres -- test -w "$DIR" ||
			die "the postgres user cannot write to $DIR: a parent directory is probably not searchable by it; use a directory under /tmp"
	fi

	if [[ ! -f $DIR/data/PG_VERSION ]]; then
		say "creating a cluster in $DIR/data with $BIN"
		rm -rf "$DIR/data"
		# --no-sync only skips initdb's own final flush of the new files (a
		# throwaway cluster need not survive a crash during creation); the
		# server itself runs with fsync on.
		if ! as_pg "$BIN/initdb" -D "$DIR/data" -U postgres --auth=trust --encoding=UTF8 --locale=C \
			--no-sync >"$DIR/initdb.log" 2>&1; then
			cat "$DIR/initdb.log" >&2
			die "initdb failed (log above, also in $DIR/initdb.log)"
		fi
		cat >"$DIR/data/pg_hba.conf" <<-'EOF'
			# Written by pg-test-cluster.sh: trust on loopback and the socket only.
			local all all              trust
			host  all all 127.0.0.1/32 trust
			host  all all ::1/128      trust
		EOF
		echo "include_if_exists = 'palisade-test.conf'" >>"$DIR/data/postgresql.conf"
		if [[ $(id -u) -eq 0 ]]; then
			chown postgres:postgres "$DIR/data/pg_hba.conf" "$DIR/data/postgresql.conf"
		fi
	fi

	local port
	if running; then
		port=$(cat "$DIR/port" 2>/dev/null) || die "a cluster is running in $DIR but $DIR/port is missing; run '$0 stop $DIR' and start again"
		say "already running on 127.0.0.1:$port"
	else
		local attempt next=$FIRST_PORT
		for attempt in 1 2 3; do
			port=$(free_port "$next")
			write_config "$port"
			say "starting on 127.0.0.1:$port"
			if as_pg "$BIN/pg_ctl" start -D "$DIR/data" -l "$DIR/postgres.log" -w -t 60 >/dev/null; then
				break
			fi
			# Most likely another process took the port in between: retry
			# on the next one.
			if ((attempt == 3)); then
				tail -n 20 "$DIR/postgres.log" >&2 || true
				die "the server did not start (log above, also in $DIR/postgres.log)"
			fi
			say "start failed; retrying on another port"
			next=$((port + 1))
		done
		echo "$port" >"$DIR/port"
	fi

	local i
	for ((i = 0; i < 60; i++)); do
		if "$BIN/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres -d postgres; then
			print_dsn "$port"
			return 0
		fi
		sleep 0.5
	done
	die "the server in $DIR does not answer on 127.0.0.1:$port (see $DIR/postgres.log)"
}

cmd_stop() {
	if [[ ! -e $DIR ]]; then
		say "$DIR does not exist; nothing to stop"
		return 0
	fi
	[[ -e $DIR/$MARKER ]] || die "$DIR was not created by this script; refusing to remove it"
	if [[ -f $DIR/data/PG_VERSION ]]; then
		find_bin
		if running; then
			say "stopping the cluster in $DIR"
			as_pg "$BIN/pg_ctl" stop -D "$DIR/data" -m fast -w -t 60 >/dev/null ||
				die "pg_ctl stop failed; see $DIR/postgres.log"
		fi
	fi
	rm -rf -- "$DIR"
	say "removed $DIR"
}

main() {
	[[ $# -eq 2 ]] || usage
	local cmd=$1
	[[ -n $2 ]] || usage
	# An absolute, normalised path: the server is started from /.
	DIR=$(realpath -m -- "$2")
	[[ $DIR != / ]] || die "refusing to use / as the cluster directory"
	case $cmd in
	start) cmd_start ;;
	stop) cmd_stop ;;
	*) usage ;;
	esac
}

main "$@"
