# shellcheck shell=bash
# tools/runtime.sh - shell functions behind ./mailhive (sourced, not run).
#
# Everything that installs, builds, starts or stops a Mailhive instance
# lives here, so ./mailhive and the integration test harness share one code
# path. Callers set these before calling anything:
#
#   MH_ROOT    absolute path of the source checkout
#   MH_BUILD   absolute path of the build directory (build/ or build-test/)
#   MH_CONF    absolute path of the configuration file, or "" for none
#
# mh_config_load then asks `mailhivectl config` for every resolved key and
# fills the associative array MHC (MHC[general.var_dir], ...), so no INI
# parsing happens in shell.
#
# Processes started here (PostgreSQL, the FastCGI programs, nginx) run as
# the unprivileged user MH_USER and are found again through pid files in
# the run directory; nothing is ever stopped by name.

MH_USER=${MH_USER:-mailhive}
MH_PGBIN=${MH_PGBIN:-/usr/lib/postgresql/15/bin}
MH_PORTALS=(webmail domainadmin admin)

# Debian packages needed to build and run Mailhive.
# shellcheck disable=SC2034  # used by ./mailhive
MH_APT_RUN=(
	build-essential autoconf automake libtool pkg-config
	libfcgi-dev clearsilver-dev libetpan-dev libpq-dev libgmime-3.0-dev
	check zlib1g-dev libsasl2-modules libsodium-dev libssl-dev
	libcrypt-dev libgumbo-dev libuchardet-dev postgresql-15 postgresql-client-15 nginx acl openssl
)
# ... and in addition for `./mailhive test`.
# shellcheck disable=SC2034  # used by ./mailhive
MH_APT_TEST=(clang libclang-rt-14-dev chromium python3 dnsmasq-base postfix swaks strace
	dovecot-imapd dovecot-pop3d mutt isync fetchmail fonts-wqy-zenhei)

declare -gA MHC=()

# ==== messages ==========================================================

mh_say() { printf '%s\n' "$*"; }
mh_step() { printf '==> %s\n' "$*"; }
mh_warn() { printf 'mailhive: warning: %s\n' "$*" >&2; }
mh_die() { printf 'mailhive: %s\n' "$*" >&2; exit 1; }

# mh_tail FILE - show the end of a log file after a failure
mh_tail() {
	[ -f "$1" ] || return 0
	printf -- '--- last lines of %s ---\n' "$1" >&2
	tail -n 30 "$1" >&2
	printf -- '---\n' >&2
}

# ==== packages ===========================================================

# mh_apt_missing PKG... - print the packages that are not installed
mh_apt_missing() {
	local p status
	for p in "$@"; do
		status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null) || status=""
		case $status in
		ii*) ;;
		*) printf '%s\n' "$p" ;;
		esac
	done
}

# mh_apt_install PKG... - install what is missing; apt is skipped when all is there
mh_apt_install() {
	local missing
	missing=$(mh_apt_missing "$@")
	[ -n "$missing" ] || return 0
	mh_step "installing Debian packages: ${missing//$'\n'/ }"
	export DEBIAN_FRONTEND=noninteractive
	# the tests run private Postfix instances; the system one needs no
	# configuration (and so does not take port 25)
	echo "postfix postfix/main_mailer_type select No configuration" |
		debconf-set-selections 2>/dev/null || true
	apt-get update -q || mh_die "apt-get update failed"
	# the tests also run private Dovecot instances: the packages must not
	# start the system daemons (and take ports 110, 143, 993, 995)
	local policy=/usr/sbin/policy-rc.d own_policy=0
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" &&
			own_policy=1
	fi
	# shellcheck disable=SC2086
	apt-get install -y -q -o DPkg::Lock::Timeout=900 $missing
	local rc=$?
	[ "$own_policy" = 1 ] && rm -f "$policy"
	[ "$rc" = 0 ] || mh_die "apt-get install failed"
}

# ==== build ==============================================================

# mh_autogen - regenerate configure when it is missing or older than
# configure.ac, or Makefile.in when it is older than Makefile.am
mh_autogen() {
	local need=no
	if [ ! -x "$MH_ROOT/configure" ] || [ ! -f "$MH_ROOT/Makefile.in" ] ||
		[ "$MH_ROOT/configure.ac" -nt "$MH_ROOT/configure" ] ||
		[ "$MH_ROOT/Makefile.am" -nt "$MH_ROOT/Makefile.in" ]; then
		need=yes
	fi
	[ $need = yes ] || return 0
	mh_step "autogen.sh"
	# serialize with a concurrent `up`/`test` in the same checkout
	flock "$MH_ROOT/configure.ac" "$MH_ROOT/autogen.sh" ||
		mh_die "autogen.sh failed"
}

# mh_build [CONFIGURE-FLAGS...] - configure (once) and make in MH_BUILD
mh_build() {
	local stamp="$MH_BUILD/.mailhive-configure-flags" flags="$*"
	mh_autogen
	mkdir -p "$MH_BUILD"
	if [ ! -f "$MH_BUILD/Makefile" ] || [ ! -f "$MH_BUILD/config.status" ] ||
		[ "$MH_ROOT/configure" -nt "$MH_BUILD/config.status" ] ||
		[ "$(cat "$stamp" 2>/dev/null)" != "$flags" ]; then
		mh_step "configure $flags (in ${MH_BUILD#"$MH_ROOT"/})"
		(cd "$MH_BUILD" && "$MH_ROOT/configure" -q "$@") ||
			mh_die "configure failed (see $MH_BUILD/config.log)"
		printf '%s\n' "$flags" >"$stamp"
	fi
	mh_step "make -j2 (in ${MH_BUILD#"$MH_ROOT"/})"
	make -C "$MH_BUILD" -j2 --no-print-directory || mh_die "build failed"
}

mh_ctl_bin() { printf '%s\n' "$MH_BUILD/tools/mailhivectl"; }
mh_fcgi_bin() { printf '%s\n' "$MH_BUILD/$1/$1.fcgi"; }

# mh_ctl ARGS... - run mailhivectl with the instance's configuration
mh_ctl() {
	local bin
	bin=$(mh_ctl_bin)
	[ -x "$bin" ] || mh_die "$bin is missing (build first)"
	if [ -n "$MH_CONF" ]; then
		(cd "$MH_ROOT" && "$bin" -c "$MH_CONF" "$@")
	else
		(cd "$MH_ROOT" && env -u MAILHIVE_CONF "$bin" "$@")
	fi
}

# ==== configuration =====================================================

# mh_config_load - fill MHC from `mailhivectl config`
mh_config_load() {
	local out line
	MHC=()
	out=$(mh_ctl config) || mh_die "mailhivectl config failed"
	while IFS= read -r line; do
		case $line in
		*=*) MHC[${line%%=*}]=${line#*=} ;;
		esac
	done <<<"$out"
	local k
	for k in general.var_dir derived.run_dir derived.log_dir \
		http.listen http.max_body database.embedded_port \
		database.embedded_user http.static_dir; do
		[ -n "${MHC[$k]+x}" ] || mh_die "mailhivectl config did not print $k"
	done
	MH_VAR=${MHC[general.var_dir]}
	MH_RUN=${MHC[derived.run_dir]}
	MH_LOG=${MHC[derived.log_dir]}
}

# mh_config_load_fallback - for down/status when nothing is built yet
mh_config_load_fallback() {
	if [ -x "$(mh_ctl_bin)" ]; then
		mh_config_load
		return
	fi
	[ -z "$MH_CONF" ] || mh_die "$(mh_ctl_bin) is missing; cannot read $MH_CONF"
	MH_VAR=$MH_ROOT/var
	MH_RUN=$MH_VAR/run
	MH_LOG=$MH_VAR/log
}

mh_embedded_db() { [ -z "${MHC[database.conninfo]:-}" ]; }

# ==== user and permissions ==============================================

mh_ensure_user() {
	id -u "$MH_USER" >/dev/null 2>&1 && return 0
	mh_step "creating system user $MH_USER"
	useradd --system --user-group --no-create-home --home-dir /nonexistent \
		--shell /usr/sbin/nologin "$MH_USER" ||
		id -u "$MH_USER" >/dev/null 2>&1 || mh_die "useradd failed"
}

mh_as_user() { (cd "$MH_ROOT" && runuser -u "$MH_USER" -- "$@"); }

# mh_grant_traverse PATH - let MH_USER reach PATH (each ancestor and PATH)
mh_grant_traverse() {
	local path=$1 d="" part
	local -a parts
	IFS=/ read -r -a parts <<<"${path#/}"
	for part in / "${parts[@]}"; do
		[ -n "$part" ] || continue
		if [ "$part" = / ]; then d=/; else d=${d%/}/$part; fi
		[ -d "$d" ] || break
		runuser -u "$MH_USER" -- test -x "$d" 2>/dev/null && continue
		if command -v setfacl >/dev/null &&
			setfacl -m "u:$MH_USER:x" "$d" 2>/dev/null; then
			mh_say "note: granted user $MH_USER traverse access to $d (setfacl -m u:$MH_USER:x)"
		elif chmod o+x "$d"; then
			mh_say "note: made $d traversable by others (chmod o+x) so that user $MH_USER can reach the checkout"
		else
			mh_die "user $MH_USER cannot reach $d"
		fi
	done
}

# mh_check_path_chars PATH - refuse characters that would break nginx.conf
mh_check_path_chars() {
	case $1 in
	*[\"\$\\\;{}\']* | *$'\n'*)
		mh_die "path '$1' contains a character nginx cannot take (\" \$ \\ ; { } ')" ;;
	esac
}

# mh_prepare_dirs - var/ and its subdirectories, owned by MH_USER
mh_prepare_dirs() {
	mh_grant_traverse "$MH_ROOT"
	mkdir -p "$MH_VAR"
	mh_grant_traverse "$MH_VAR"
	chown "$MH_USER:" "$MH_VAR"
	chmod 755 "$MH_VAR"
	local d
	for d in "$MH_RUN" "$MH_LOG" "$MH_VAR/nginx" "$MH_VAR/nginx/tmp"; do
		mkdir -p "$d"
		chown "$MH_USER:" "$d"
	done
	if [ -n "$MH_CONF" ] && ! runuser -u "$MH_USER" -- test -r "$MH_CONF"; then
		mh_die "user $MH_USER cannot read $MH_CONF"
	fi
	mh_check_path_chars "$MH_VAR"
	mh_check_path_chars "${MHC[http.static_dir]}"
}

# ==== pid files ==========================================================

# mh_pid_alive PID NAME - true when PID runs a program called NAME
# (a zombie counts as gone; NAME guards against a recycled pid)
mh_pid_alive() {
	local pid=$1 name=$2 state exe
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	[ -r "/proc/$pid/stat" ] || return 1
	state=$(sed -e 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1)
	[ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ] || return 1
	exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || return 1
	exe=${exe% (deleted)}
	[ "${exe##*/}" = "$name" ]
}

# mh_pidfile_pid FILE NAME - print the pid from FILE when that process runs
mh_pidfile_pid() {
	local pid
	[ -f "$1" ] || return 1
	pid=$(head -n 1 "$1" 2>/dev/null | tr -dc 0-9)
	mh_pid_alive "$pid" "$2" || return 1
	printf '%s\n' "$pid"
}

# mh_wait_gone PID NAME SECONDS - wait for a process to end
mh_wait_gone() {
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		mh_pid_alive "$1" "$2" || return 0
		sleep 0.1
	done
	return 1
}

# mh_stop_pid COMPONENT PIDFILE NAME SIGNAL - stop one process politely
mh_stop_pid() {
	local comp=$1 pidfile=$2 name=$3 sig=$4 pid
	if ! pid=$(mh_pidfile_pid "$pidfile" "$name"); then
		rm -f "$pidfile"
		return 0
	fi
	kill -"$sig" "$pid" 2>/dev/null
	if ! mh_wait_gone "$pid" "$name" 30; then
		mh_warn "$comp (pid $pid) did not stop after SIG$sig; sending SIGKILL"
		kill -KILL "$pid" 2>/dev/null
		mh_wait_gone "$pid" "$name" 5
	fi
	rm -f "$pidfile"
	mh_say "$comp stopped"
}

# ==== PostgreSQL =========================================================

mh_pg_data() { printf '%s\n' "$MH_VAR/pg"; }
mh_pg_pidfile() { printf '%s\n' "$MH_RUN/postgres.pid"; }

# mh_pg_pid - pid of the running embedded postmaster
mh_pg_pid() {
	mh_pidfile_pid "$(mh_pg_pidfile)" postgres ||
		mh_pidfile_pid "$(mh_pg_data)/postmaster.pid" postgres
}

# mh_psql ARGS... - psql on the embedded cluster as the embedded user
mh_psql() {
	"$MH_PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$MH_RUN" \
		-p "${MHC[database.embedded_port]}" \
		-U "${MHC[database.embedded_user]}" "$@"
}

mh_sql_quote() { printf "'%s'" "${1//\'/\'\'}"; }

mh_pg_start() {
	local pgdata log port sock
	pgdata=$(mh_pg_data)
	log=$MH_LOG/postgres.log
	port=${MHC[database.embedded_port]}
	sock="$MH_RUN/.s.PGSQL.$port"
	if [ ${#sock} -gt 107 ]; then
		mh_die "socket path $sock is too long for PostgreSQL (max 107); use a shorter var_dir"
	fi
	if [ ! -f "$pgdata/PG_VERSION" ]; then
		mh_step "initdb $pgdata"
		mkdir -p "$pgdata"
		chown "$MH_USER:" "$pgdata"
		chmod 700 "$pgdata"
		mh_as_user "$MH_PGBIN/initdb" -D "$pgdata" \
			-U "${MHC[database.embedded_user]}" -A trust -E UTF8 \
			--locale=C.UTF-8 >"$MH_LOG/initdb.log" 2>&1 ||
			{ mh_tail "$MH_LOG/initdb.log"; mh_die "initdb failed"; }
		printf "\n# Mailhive: settings that follow mailhive.conf (rewritten by ./mailhive up)\ninclude_if_exists = 'mailhive.conf'\n" \
			>>"$pgdata/postgresql.conf"
	fi
	# rewritten at every start, so a changed port or var_dir takes effect
	{
		printf '# written by ./mailhive up; do not edit\n'
		printf "listen_addresses = ''\n"
		printf 'port = %s\n' "$port"
		printf 'unix_socket_directories = %s\n' "$(mh_sql_quote "$MH_RUN")"
		printf 'external_pid_file = %s\n' "$(mh_sql_quote "$(mh_pg_pidfile)")"
		printf 'max_connections = 100\n'
	} >"$pgdata/mailhive.conf"
	chown "$MH_USER:" "$pgdata/mailhive.conf"

	local pid
	if pid=$(mh_pg_pid); then
		mh_say "postgresql already running (pid $pid)"
	else
		mh_step "starting postgresql (socket $sock)"
		touch "$log"
		chown "$MH_USER:" "$log"
		mh_as_user "$MH_PGBIN/pg_ctl" -D "$pgdata" -l "$log" -w -t 60 -s start ||
			{ mh_tail "$log"; mh_die "postgresql did not start"; }
	fi
	local i
	for ((i = 0; i < 100; i++)); do
		"$MH_PGBIN/pg_isready" -q -h "$MH_RUN" -p "$port" && break
		sleep 0.1
	done
	if [ "$(mh_psql -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'mailhive'")" != 1 ]; then
		mh_step "createdb mailhive"
		mh_psql -d postgres -c 'CREATE DATABASE mailhive' ||
			mh_die "createdb failed"
	fi
}

mh_pg_stop() {
	local pid
	if ! pid=$(mh_pg_pid); then
		rm -f "$(mh_pg_pidfile)"
		return 0
	fi
	# SIGINT = fast shutdown: disconnect clients, checkpoint, exit
	kill -INT "$pid" 2>/dev/null
	if ! mh_wait_gone "$pid" postgres 60; then
		mh_warn "postgresql (pid $pid) did not stop; sending SIGQUIT"
		kill -QUIT "$pid" 2>/dev/null
		mh_wait_gone "$pid" postgres 10
	fi
	rm -f "$(mh_pg_pidfile)"
	mh_say "postgresql stopped"
}

# ==== FastCGI programs ===================================================

mh_fcgi_pidfile() { printf '%s\n' "$MH_RUN/$1.pid"; }
mh_fcgi_sock() { printf '%s\n' "$MH_RUN/$1.sock"; }

mh_fcgi_stop() {
	mh_stop_pid "$1" "$(mh_fcgi_pidfile "$1")" "$1.fcgi" TERM
}

# mh_fcgi_start PORTAL - start one portal (restart it when rebuilt since)
mh_fcgi_start() {
	local p=$1 bin pidfile sock pid i
	bin=$(mh_fcgi_bin "$p")
	pidfile=$(mh_fcgi_pidfile "$p")
	sock=$(mh_fcgi_sock "$p")
	[ -x "$bin" ] || mh_die "$bin is missing (build first)"
	if pid=$(mh_pidfile_pid "$pidfile" "$p.fcgi"); then
		if [ "$bin" -nt "$pidfile" ]; then
			mh_say "$p was rebuilt; restarting it"
			mh_fcgi_stop "$p"
		else
			mh_say "$p already running (pid $pid)"
			return 0
		fi
	fi
	rm -f "$pidfile"
	mh_step "starting $p"
	local -a argv
	if [ -n "$MH_CONF" ]; then
		argv=("$bin" -c "$MH_CONF" -d)
	else
		argv=(env -u MAILHIVE_CONF "$bin" -d)
	fi
	if ! mh_as_user "${argv[@]}" >>"$MH_LOG/$p-start.log" 2>&1; then
		mh_tail "$MH_LOG/$p-start.log"
		mh_tail "$MH_LOG/$p.log"
		mh_die "$p did not start"
	fi
	for ((i = 0; i < 150; i++)); do
		if [ -S "$sock" ] && pid=$(mh_pidfile_pid "$pidfile" "$p.fcgi"); then
			return 0
		fi
		sleep 0.1
	done
	mh_tail "$MH_LOG/$p-start.log"
	mh_tail "$MH_LOG/$p.log"
	mh_die "$p did not create $sock and $pidfile within 15 s"
}

# ==== mailhived ==========================================================

mh_mailhived_bin() { printf '%s\n' "$MH_BUILD/backend/mailhived"; }
mh_mailhived_pidfile() { printf '%s\n' "$MH_RUN/mailhived.pid"; }

# mh_tls_cert - a self-signed certificate when none is there yet
mh_tls_cert() {
	local cert=${MHC[tls.cert_file]} key=${MHC[tls.key_file]}
	[ -s "$cert" ] && [ -s "$key" ] && return 0
	mh_step "creating a self-signed TLS certificate ($cert)"
	mkdir -p "$(dirname "$cert")" "$(dirname "$key")"
	openssl req -x509 -newkey rsa:2048 -nodes -days 825 \
		-subj "/CN=${MHC[general.hostname]}" \
		-addext "subjectAltName=DNS:${MHC[general.hostname]},IP:127.0.0.1" \
		-keyout "$key" -out "$cert" >/dev/null 2>&1 ||
		mh_die "openssl could not create $cert"
	chown "$MH_USER:" "$cert" "$key" "$(dirname "$cert")"
	chmod 600 "$key"
	chmod 644 "$cert"
}

# mh_service_secret - the secret of the IMAP service account webmail logs
# in with, made once (readable by the mailhive user only)
mh_service_secret() {
	local f=${MHC[imap.service_secret_file]}
	[ -s "$f" ] && return 0
	mh_step "creating the IMAP service secret ($f)"
	mkdir -p "$(dirname "$f")"
	chown "$MH_USER:" "$(dirname "$f")"
	chmod 700 "$(dirname "$f")"
	(umask 077 && openssl rand -hex 32 >"$f.tmp") &&
		chown "$MH_USER:" "$f.tmp" && mv "$f.tmp" "$f" ||
		mh_die "could not create $f"
}

# mh_secret_key - the key that seals secrets kept in the database (the
# domains' SSO secrets, lib/sso-secret.c), made once; every node that
# verifies SSO login links needs a copy of the same file
mh_secret_key() {
	local f=$MH_VAR/secrets/secret-key
	[ -s "$f" ] && return 0
	mh_step "creating the secret key ($f)"
	mkdir -p "$(dirname "$f")"
	chown "$MH_USER:" "$(dirname "$f")"
	chmod 700 "$(dirname "$f")"
	(umask 077 && openssl rand -hex 32 >"$f.tmp") &&
		chown "$MH_USER:" "$f.tmp" && mv "$f.tmp" "$f" ||
		mh_die "could not create $f"
}

mh_mailhived_stop() {
	mh_stop_pid mailhived "$(mh_mailhived_pidfile)" mailhived TERM
	rm -f "$MH_RUN/mailhived.services"
}

# mh_mailhived_start - start the mail backend (restart it when rebuilt)
mh_mailhived_start() {
	local bin pidfile pid i
	bin=$(mh_mailhived_bin)
	pidfile=$(mh_mailhived_pidfile)
	[ -x "$bin" ] || mh_die "$bin is missing (build first)"
	if pid=$(mh_pidfile_pid "$pidfile" mailhived); then
		if [ "$bin" -nt "$pidfile" ]; then
			mh_say "mailhived was rebuilt; restarting it"
			mh_mailhived_stop
		else
			mh_say "mailhived already running (pid $pid)"
			return 0
		fi
	fi
	rm -f "$pidfile"
	mh_tls_cert
	mh_service_secret
	mh_secret_key
	mh_step "starting mailhived"
	local -a argv
	if [ -n "$MH_CONF" ]; then
		argv=("$bin" -c "$MH_CONF" -d)
	else
		argv=(env -u MAILHIVE_CONF "$bin" -d)
	fi
	if ! mh_as_user "${argv[@]}" >>"$MH_LOG/mailhived-start.log" 2>&1; then
		mh_tail "$MH_LOG/mailhived-start.log"
		mh_tail "$MH_LOG/mailhived.log"
		mh_die "mailhived did not start"
	fi
	for ((i = 0; i < 150; i++)); do
		if [ -s "$MH_RUN/mailhived.services" ] &&
			pid=$(mh_pidfile_pid "$pidfile" mailhived); then
			return 0
		fi
		sleep 0.1
	done
	mh_tail "$MH_LOG/mailhived-start.log"
	mh_tail "$MH_LOG/mailhived.log"
	mh_die "mailhived did not start its services within 15 s"
}

# mh_mailhived_status - the master, then one line per service
mh_mailhived_status() {
	local name pid rc=0
	mh_status_line mailhived "$(mh_mailhived_pidfile)" mailhived || return 1
	[ -f "$MH_RUN/mailhived.services" ] || return 0
	while read -r name pid; do
		if mh_pid_alive "$pid" mailhived; then
			printf '  %-10s running (pid %s)\n' "$name:" "$pid"
		else
			printf '  %-10s restarting\n' "$name:"
			rc=1
		fi
	done <"$MH_RUN/mailhived.services"
	return $rc
}

# ==== nginx ==============================================================

mh_nginx_conf() { printf '%s\n' "$MH_VAR/nginx/nginx.conf"; }
mh_nginx_pidfile() { printf '%s\n' "$MH_RUN/nginx.pid"; }

# mh_sed_escape STRING - escape for the replacement side of s|...|...|
mh_sed_escape() { printf '%s' "$1" | sed -e 's/[\\|&]/\\&/g'; }

# mh_nginx_render FILE - write the nginx configuration to FILE
mh_nginx_render() {
	local https="# http.tls = no"
	[ "${MHC[http.tls]:-no}" = yes ] && https="fastcgi_param HTTPS on;"
	local static=${MHC[http.static_dir]%/}
	sed -e "s|@LISTEN@|$(mh_sed_escape "${MHC[http.listen]}")|g" \
		-e "s|@RUN_DIR@|$(mh_sed_escape "$MH_RUN")|g" \
		-e "s|@LOG_DIR@|$(mh_sed_escape "$MH_LOG")|g" \
		-e "s|@TMP_DIR@|$(mh_sed_escape "$MH_VAR/nginx/tmp")|g" \
		-e "s|@STATIC_DIR@|$(mh_sed_escape "$static")|g" \
		-e "s|@MAX_BODY@|$(mh_sed_escape "${MHC[http.max_body]}")|g" \
		-e "s|@FASTCGI_HTTPS@|$(mh_sed_escape "$https")|g" \
		"$MH_ROOT/nginx/mailhive.conf.in" >"$1" ||
		mh_die "cannot render $1"
	if grep -q '@[A-Z_]*@' "$1"; then
		mh_die "unreplaced placeholder in $1: $(grep -o '@[A-Z_]*@' "$1" | head -n 1)"
	fi
}

mh_nginx() {
	mh_as_user /usr/sbin/nginx -p "$MH_VAR/nginx" -c "$(mh_nginx_conf)" \
		-e "$MH_LOG/nginx-error.log" "$@"
}

mh_nginx_start() {
	local conf new pid i
	conf=$(mh_nginx_conf)
	new=$conf.new
	mh_nginx_render "$new"
	chown "$MH_USER:" "$new"
	local tmp
	for tmp in client_body proxy fastcgi uwsgi scgi; do
		mkdir -p "$MH_VAR/nginx/tmp/$tmp"
	done
	chown -R "$MH_USER:" "$MH_VAR/nginx/tmp"
	touch "$MH_LOG/nginx-error.log" "$MH_LOG/nginx-access.log"
	chown "$MH_USER:" "$MH_LOG/nginx-error.log" "$MH_LOG/nginx-access.log"
	if pid=$(mh_pidfile_pid "$(mh_nginx_pidfile)" nginx); then
		if cmp -s "$new" "$conf"; then
			rm -f "$new"
			mh_say "nginx already running (pid $pid)"
			return 0
		fi
		mv -f "$new" "$conf"
		mh_nginx -t -q || mh_die "the new nginx configuration does not pass nginx -t"
		mh_say "nginx configuration changed; reloading (pid $pid)"
		kill -HUP "$pid"
		return 0
	fi
	mv -f "$new" "$conf"
	rm -f "$(mh_nginx_pidfile)"
	mh_step "starting nginx on ${MHC[http.listen]}"
	if ! mh_nginx -t -q; then
		mh_die "nginx configuration test failed ($conf)"
	fi
	if ! mh_nginx; then
		mh_tail "$MH_LOG/nginx-error.log"
		mh_die "nginx did not start"
	fi
	for ((i = 0; i < 100; i++)); do
		mh_pidfile_pid "$(mh_nginx_pidfile)" nginx >/dev/null && return 0
		sleep 0.1
	done
	mh_tail "$MH_LOG/nginx-error.log"
	mh_die "nginx did not write $(mh_nginx_pidfile)"
}

mh_nginx_stop() {
	mh_stop_pid nginx "$(mh_nginx_pidfile)" nginx QUIT
}

# ==== demo data ==========================================================

mh_random_password() {
	local pw=""
	while [ ${#pw} -lt 16 ]; do
		pw+=$(head -c 48 /dev/urandom | base64 -w 0 | tr -d '+/=')
	done
	printf '%s\n' "${pw:0:16}"
}

# mh_ctl_with_password PASSWORD ARGS... - mailhivectl ARGS --password-file F
mh_ctl_with_password() {
	local pw=$1 f rc
	shift
	f=$(mktemp) || return 1
	chmod 600 "$f"
	printf '%s\n' "$pw" >"$f"
	mh_ctl "$@" --password-file "$f"
	rc=$?
	rm -f "$f"
	return $rc
}

# mh_demo - create the demo domain and accounts once; var/credentials
# records them (ROLE LOGIN PASSWORD) and marks the data as created
mh_demo() {
	local cred=$MH_VAR/credentials tmp pw line role login
	[ -f "$cred" ] && return 0
	mh_step "creating demo data (domain example.test and four accounts)"
	tmp=$(mktemp "$MH_VAR/.credentials.XXXXXX") || mh_die "mktemp failed"
	chmod 600 "$tmp"
	mh_ctl domain add example.test >/dev/null ||
		{ rm -f "$tmp"; mh_die "mailhivectl domain add example.test failed"; }
	for line in "user alice@example.test" "user bob@example.test" \
		"domainadmin postmaster@example.test" "superadmin admin"; do
		role=${line%% *}
		login=${line#* }
		pw=$(mh_random_password)
		case $role in
		user)
			mh_ctl_with_password "$pw" user add "$login" >/dev/null ;;
		domainadmin)
			mh_ctl_with_password "$pw" domainadmin add "$login" \
				example.test >/dev/null ;;
		superadmin)
			mh_ctl_with_password "$pw" superadmin add "$login" >/dev/null ;;
		esac || { rm -f "$tmp"; mh_die "mailhivectl $role add $login failed"; }
		printf '%s %s %s\n' "$role" "$login" "$pw" >>"$tmp"
	done
	mv -f "$tmp" "$cred"
}

# ==== whole instance ====================================================

# mh_instance_start WITH_DEMO - everything after the build
mh_instance_start() {
	mh_ensure_user
	mh_config_load
	mh_prepare_dirs
	if mh_embedded_db; then
		mh_pg_start
	else
		mh_say "database.conninfo is set: using that database, no embedded cluster"
	fi
	mh_step "mailhivectl migrate"
	mh_ctl migrate || mh_die "mailhivectl migrate failed"
	[ "$1" = yes ] && mh_demo
	mh_mailhived_start
	local p
	for p in "${MH_PORTALS[@]}"; do
		mh_fcgi_start "$p"
	done
	mh_nginx_start
}

mh_instance_stop() {
	mh_nginx_stop
	local p
	for p in "${MH_PORTALS[@]}"; do
		mh_fcgi_stop "$p"
	done
	mh_mailhived_stop
	mh_pg_stop
}

# mh_status_line NAME PIDFILE EXE - "NAME: running (pid N)" or "NAME: stopped"
mh_status_line() {
	local pid
	if pid=$(mh_pidfile_pid "$2" "$3"); then
		printf '%-12s running (pid %s)\n' "$1:" "$pid"
		return 0
	fi
	printf '%-12s stopped\n' "$1:"
	return 1
}

mh_instance_status() {
	local rc=0 p pid
	if [ -n "${MHC[database.conninfo]:-}" ]; then
		printf '%-12s external (database.conninfo)\n' "postgresql:"
	elif pid=$(mh_pg_pid); then
		printf '%-12s running (pid %s)\n' "postgresql:" "$pid"
	else
		printf '%-12s stopped\n' "postgresql:"
		rc=1
	fi
	mh_mailhived_status || rc=1
	for p in "${MH_PORTALS[@]}"; do
		mh_status_line "$p" "$(mh_fcgi_pidfile "$p")" "$p.fcgi" || rc=1
	done
	mh_status_line nginx "$(mh_nginx_pidfile)" nginx || rc=1
	return $rc
}

# mh_base_url - what `up` prints: http.public_url or http://LISTEN/
mh_base_url() {
	local u=${MHC[http.public_url]:-}
	[ -n "$u" ] || u="http://${MHC[http.listen]}/"
	printf '%s\n' "${u%/}/"
}
