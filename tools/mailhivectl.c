/*
 * mailhivectl.c - command-line administration of a Mailhive installation.
 *
 *   mailhivectl [-c CONF] migrate | check | config
 *   mailhivectl [-c CONF] domain add NAME | domain list | domain del NAME
 *   mailhivectl [-c CONF] user add ADDRESS [--name NAME] [--quota SIZE]
 *                                  [--password-file FILE]
 *   mailhivectl [-c CONF] user list [DOMAIN] | user del ADDRESS
 *   mailhivectl [-c CONF] user passwd ADDRESS [--password-file FILE]
 *   mailhivectl [-c CONF] domainadmin add LOGIN DOMAIN [DOMAIN...]
 *                                  [--name NAME] [--password-file FILE]
 *   mailhivectl [-c CONF] superadmin add LOGIN [--name NAME]
 *                                  [--password-file FILE]
 *
 * The configuration file is -c, else $MAILHIVE_CONF, else none (embedded
 * defaults). Each command is one entry of ctl_cmds[] and one cmd_*()
 * function. Commands that write do all their writing in one transaction
 * (db_tx), together with an audit_log row (actor_role 'cli', actor the
 * Unix user), so an error leaves nothing half-done. Checks that can fail
 * (domain missing, duplicate) are also made before a password is asked
 * for, so nobody types a password for nothing; the transaction checks
 * again.
 *
 * migrate applies cfg.sql_dir/NNN_name.sql files in version order, each
 * new one in its own transaction together with its schema_version row,
 * under an advisory lock so two concurrent runs do not collide.
 *
 * Output: results on stdout (lists are one item per line, tab-separated
 * columns). Errors are one line on stderr, "mailhivectl: <message>", and
 * exit status 1; usage errors print the usage and exit with status 2.
 *
 * SECURITY: passwords come from --password-file (first line; "-" is
 * stdin) or from /dev/tty with echo off, typed twice. They are hashed
 * with pwhash and wiped; they never reach a log, argv or the database.
 * A user's new password must meet its domain's password policy (the
 * domain settings page of the domain administrators' portal).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "accounts.h"
#include "auth.h"
#include "buf.h"
#include "cfg.h"
#include "db.h"
#include "log.h"
#include "pool.h"
#include "pwhash.h"
#include "strnum.h"
#include "token.h"

#define CTL_PASSWORD_MAX 1024
#define CTL_NAME_MAX 200
#define CTL_LOGIN_MAX 320
#define CTL_MIGRATION_MAX (16 * 1024 * 1024)
#define CTL_MIGRATIONS_MAX 10000
#define CTL_MIGRATE_LOCK "7243591803"	/* pg_advisory_xact_lock key */

#define CTL_USAGE (-2)			/* fn result: print usage, exit 2 */

struct ctl_cmd {
	const char *name;
	const char *sub;		/* NULL: one-word command */
	int (*fn)(int argc, char **argv);
	bool needs_db;
};

struct ctl_opt {
	const char *name;		/* without the leading "--" */
	const char **value_r;
};

struct migration {
	unsigned int version;
	char *name;			/* file name without ".sql" */
	char *path;
};

static struct pool *ctl_pool;
static const char *ctl_actor;
static char ctl_errbuf[1024];

static const char ctl_usage_text[] =
"usage: mailhivectl [-c CONF] COMMAND ...\n"
"  migrate                 apply new database migrations\n"
"  check                   check the database and its schema version\n"
"  config                  print the effective configuration\n"
"  domain add NAME\n"
"  domain list\n"
"  domain del NAME\n"
"  user add ADDRESS [--name NAME] [--quota SIZE] [--password-file FILE]\n"
"  user list [DOMAIN]\n"
"  user passwd ADDRESS [--password-file FILE]\n"
"  user del ADDRESS\n"
"  domainadmin add LOGIN DOMAIN [DOMAIN...] [--name NAME]\n"
"                  [--password-file FILE]\n"
"  superadmin add LOGIN [--name NAME] [--password-file FILE]\n"
"-c defaults to $MAILHIVE_CONF, else the embedded defaults are used.\n"
"--password-file reads the first line of FILE (\"-\" = standard input);\n"
"without it the password is asked for twice on the terminal.\n";

/* ==== Errors and output ================================================== */

/* ctl_fail - remember the first error message; returns -1 */
static int ctl_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int ctl_fail(const char *fmt, ...)
{
	va_list ap;

	if (ctl_errbuf[0] != '\0')
		return -1;
	va_start(ap, fmt);
	vsnprintf(ctl_errbuf, sizeof(ctl_errbuf), fmt, ap);
	va_end(ap);
	return -1;
}

/* ctl_usage_fail - a usage error with its reason; returns CTL_USAGE */
static int ctl_usage_fail(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
static int ctl_usage_fail(const char *fmt, ...)
{
	va_list ap;

	if (ctl_errbuf[0] == '\0') {
		va_start(ap, fmt);
		vsnprintf(ctl_errbuf, sizeof(ctl_errbuf), fmt, ap);
		va_end(ap);
	}
	return CTL_USAGE;
}

/* ctl_db_fail - an error from the last failed database call */
static int ctl_db_fail(void)
{
	if (strcmp(db_sqlstate(), "42P01") == 0)
		return ctl_fail("the database schema is not initialised "
				"(run mailhivectl migrate): %s", db_error());
	if (db_unavailable())
		return ctl_fail("cannot connect to the database: %s",
				db_error());
	return ctl_fail("database error: %s", db_error());
}

/* print_clean - s with control characters replaced, for one-line output */
static void print_clean(FILE *out, const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		fputc(c < ' ' || c == 0x7f ? '?' : c, out);
	}
}

/* ctl_tx - db_tx that always leaves a message on failure */
static int ctl_tx(int (*fn)(void *ctx), void *ctx)
{
	int ret = db_tx(fn, ctx);

	if (ret != 0) {
		if (ctl_errbuf[0] == '\0')
			ctl_db_fail();
		return -1;
	}
	return 0;
}

/* q - db_query on the command pool */
static PGresult *q(const char *sql, int nparams, const char *const *params)
{
	return db_query(ctl_pool, sql, nparams, params);
}

/* ==== Arguments ========================================================== */

/* ctl_parse - split argv into options (--opt VALUE or --opt=VALUE) and
 * positional arguments; "--" ends the options */
static int ctl_parse(int argc, char **argv, const struct ctl_opt *opts,
		     size_t nopts, char ***pos_r, int *npos_r)
{
	char **pos = p_new(ctl_pool, char *, (size_t)argc + 1);
	int npos = 0;
	bool options = true;

	for (int i = 0; i < argc; i++) {
		const char *arg = argv[i], *eq, *value;
		size_t nlen, k;

		if (!options || arg[0] != '-' || arg[1] == '\0') {
			pos[npos++] = argv[i];
			continue;
		}
		if (strcmp(arg, "--") == 0) {
			options = false;
			continue;
		}
		if (arg[1] != '-')
			return ctl_usage_fail("unknown option %s", arg);
		eq = strchr(arg + 2, '=');
		nlen = eq != NULL ? (size_t)(eq - (arg + 2)) : strlen(arg + 2);
		for (k = 0; k < nopts; k++) {
			if (strlen(opts[k].name) == nlen &&
			    strncmp(opts[k].name, arg + 2, nlen) == 0)
				break;
		}
		if (k == nopts)
			return ctl_usage_fail("unknown option %.*s",
					      (int)nlen + 2, arg);
		if (eq != NULL) {
			value = eq + 1;
		} else {
			if (i + 1 >= argc)
				return ctl_usage_fail("option --%s needs a "
						      "value", opts[k].name);
			value = argv[++i];
		}
		if (*opts[k].value_r != NULL)
			return ctl_usage_fail("option --%s given twice",
					      opts[k].name);
		*opts[k].value_r = value;
	}
	pos[npos] = NULL;
	*pos_r = pos;
	*npos_r = npos;
	return 0;
}

/* ==== Validation ========================================================= */

/* is_lower_alnum - a-z or 0-9 */
static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* canon_domain - lower-cased copy of a domain argument, or -1 */
static int canon_domain(const char *arg, char **name_r)
{
	char *name = str_lower(p_strdup(ctl_pool, arg));

	if (!acct_domain_valid(name))
		return ctl_fail("invalid domain name: %s", arg);
	*name_r = name;
	return 0;
}

/* canon_address - lower-cased address split into local part and domain */
static int canon_address(const char *arg, char **address_r,
			 char **local_r, char **domain_r)
{
	if (acct_address_split(ctl_pool, arg, address_r, local_r,
			       domain_r) < 0)
		return ctl_fail("invalid address: %s", arg);
	return 0;
}

/* canon_login - lower-cased admin login: letters, digits, ._@+- */
static int canon_login(const char *arg, char **login_r)
{
	char *login = str_lower(p_strdup(ctl_pool, arg));
	size_t len = strlen(login);

	if (len == 0 || len > CTL_LOGIN_MAX || !is_lower_alnum(login[0]))
		return ctl_fail("invalid login: %s", arg);
	for (size_t i = 0; i < len; i++) {
		if (!is_lower_alnum(login[i]) &&
		    strchr("._@+-", login[i]) == NULL)
			return ctl_fail("invalid login: %s", arg);
	}
	*login_r = login;
	return 0;
}

/* check_name - a display name from --name */
static int check_name(const char *name)
{
	if (name != NULL && !str_text_sane(name, CTL_NAME_MAX))
		return ctl_fail("invalid name (at most %d bytes of UTF-8 "
				"text without control characters)",
				CTL_NAME_MAX);
	return 0;
}

/* ==== Passwords ========================================================== */

static int tty_fd = -1;
static struct termios tty_saved;
static volatile sig_atomic_t tty_echo_off;

/* tty_signal - put the echo back before dying of a signal */
static void tty_signal(int sig)
{
	if (tty_echo_off)
		tcsetattr(tty_fd, TCSAFLUSH, &tty_saved);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* read_line_fd - one line from fd into buf (at most max bytes, no NUL
 * added); the newline is dropped; -1 on a read error or a longer line */
static int read_line_fd(int fd, char *buf, size_t max, size_t *len_r)
{
	size_t len = 0;
	char c;

	for (;;) {
		ssize_t n = read(fd, &c, 1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return ctl_fail("cannot read the password: %s",
					strerror(errno));
		if (n == 0 || c == '\n')
			break;
		if (len == max)
			return ctl_fail("password too long (at most %d "
					"bytes)", CTL_PASSWORD_MAX);
		buf[len++] = c;
	}
	*len_r = len;
	return 0;
}

/* prompt_tty - ask once on the terminal with echo off */
static int prompt_tty(const char *prompt, char *buf, size_t max,
		      size_t *len_r)
{
	struct termios noecho = tty_saved;
	int ret;

	if (write(tty_fd, prompt, strlen(prompt)) < 0)
		return ctl_fail("cannot write to the terminal: %s",
				strerror(errno));
	noecho.c_lflag &= ~(tcflag_t)ECHO;
	noecho.c_lflag |= ECHONL;
	tty_echo_off = 1;
	if (tcsetattr(tty_fd, TCSAFLUSH, &noecho) < 0) {
		tty_echo_off = 0;
		return ctl_fail("cannot turn terminal echo off: %s",
				strerror(errno));
	}
	ret = read_line_fd(tty_fd, buf, max, len_r);
	tcsetattr(tty_fd, TCSAFLUSH, &tty_saved);
	tty_echo_off = 0;
	return ret;
}

/* password_from_tty - typed twice on /dev/tty; must match */
static int password_from_tty(char *buf, size_t max, size_t *len_r)
{
	char *again = xmalloc(max);
	size_t len2 = 0;
	int ret = -1;

	tty_fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (tty_fd < 0 || tcgetattr(tty_fd, &tty_saved) < 0) {
		ctl_fail("no terminal to ask for the password; "
			 "use --password-file");
		goto out;
	}
	signal(SIGINT, tty_signal);
	signal(SIGTERM, tty_signal);
	signal(SIGHUP, tty_signal);
	signal(SIGQUIT, tty_signal);
	if (prompt_tty("Password: ", buf, max, len_r) < 0 ||
	    prompt_tty("Repeat password: ", again, max, &len2) < 0)
		goto out;
	if (*len_r != len2 || sodium_memcmp(buf, again, len2) != 0) {
		ctl_fail("passwords do not match");
		goto out;
	}
	ret = 0;
out:
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	if (tty_fd >= 0)
		close(tty_fd);
	tty_fd = -1;
	sodium_memzero(again, max);
	free(again);
	return ret;
}

/* password_from_file - first line of file ("-" = stdin), CR/LF removed */
static int password_from_file(const char *file, char *buf, size_t max,
			      size_t *len_r)
{
	int fd = strcmp(file, "-") == 0 ? STDIN_FILENO :
		open(file, O_RDONLY | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return ctl_fail("cannot read %s: %s", file, strerror(errno));
	ret = read_line_fd(fd, buf, max, len_r);
	if (fd != STDIN_FILENO)
		close(fd);
	return ret;
}

/* pw_policy_fail - why a password does not meet a domain's policy */
static int pw_policy_fail(const struct acct_pw_policy *policy,
			  unsigned int why)
{
	switch (why) {
	case ACCT_PW_SHORT:
		return ctl_fail("the domain's password policy asks for at"
				" least %u characters", policy->min_chars);
	case ACCT_PW_LOWER:
		return ctl_fail("the domain's password policy asks for a"
				" lower-case letter (a-z)");
	case ACCT_PW_UPPER:
		return ctl_fail("the domain's password policy asks for an"
				" upper-case letter (A-Z)");
	case ACCT_PW_DIGIT:
		return ctl_fail("the domain's password policy asks for a"
				" digit (0-9)");
	default:
		return ctl_fail("the domain's password policy asks for a"
				" character other than a-z, A-Z and 0-9");
	}
}

/* domain_pw_policy - the password policy of domain domain_id */
static int domain_pw_policy(const char *domain_id,
			    struct acct_pw_policy *policy_r)
{
	int ret = acct_pw_policy_get(ctl_pool, domain_id, policy_r);

	if (ret < 0)
		return ctl_db_fail();
	if (ret == 0)
		return ctl_fail("domain %s does not exist", domain_id);
	return 0;
}

/* get_password_hash - read a new password and return its hash
 * (malloc'd); the clear text is wiped before returning. A user's
 * password must meet its domain's policy (NULL: no policy) */
static int get_password_hash(const char *file,
			     const struct acct_pw_policy *policy,
			     char **hash_r)
{
	size_t max = CTL_PASSWORD_MAX + 1, len = 0;
	char *buf = xmalloc(max + 1);
	unsigned int why;
	int ret = -1;

	if (file != NULL)
		ret = password_from_file(file, buf, max, &len);
	else
		ret = password_from_tty(buf, max, &len);
	if (ret < 0)
		goto out;
	ret = -1;
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	buf[len] = '\0';
	if (len == 0)
		ctl_fail("empty password refused");
	else if (strlen(buf) != len)
		ctl_fail("password contains a NUL byte");
	else if (len > CTL_PASSWORD_MAX)
		ctl_fail("password too long (at most %d bytes)",
			 CTL_PASSWORD_MAX);
	else if (!utf8_valid(buf, len))
		ctl_fail("password is not valid UTF-8");
	else if (policy != NULL && (why = acct_pw_refused(policy, buf)) != 0)
		pw_policy_fail(policy, why);
	else if (pw_hash(buf, hash_r) < 0)
		ctl_fail("cannot hash the password (out of memory)");
	else
		ret = 0;
out:
	sodium_memzero(buf, max + 1);
	free(buf);
	return ret;
}

/* ==== Audit ============================================================== */

/* audit - audit row for a CLI action, inside the command's transaction */
static int audit(const char *action, const char *object, const char *detail)
{
	if (audit_log(ctl_pool, "cli", ctl_actor, NULL, action, object,
		      detail) < 0)
		return ctl_db_fail();
	return 0;
}

/* ==== Lookups ============================================================ */

/* lookup_id - id (as text) of the single row of sql($1 = key), NULL if
 * none; *failed_r on a database error */
static const char *lookup_id(const char *sql, const char *key,
			     bool *failed_r)
{
	const char *params[] = { key };
	PGresult *res = q(sql, 1, params);

	*failed_r = res == NULL;
	if (res == NULL) {
		ctl_db_fail();
		return NULL;
	}
	return db_ntuples(res) > 0 ? db_value(res, 0, 0) : NULL;
}

/* need_domain - id of an existing domain, or -1 with the message set */
static int need_domain(const char *name, bool lock, const char **id_r)
{
	bool failed;
	const char *id = lookup_id(lock ?
		"SELECT id FROM domains WHERE name = $1 FOR SHARE" :
		"SELECT id FROM domains WHERE name = $1", name, &failed);

	if (failed)
		return -1;
	if (id == NULL)
		return ctl_fail("domain %s does not exist", name);
	*id_r = id;
	return 0;
}

/* ==== migrate / check / config =========================================== */

static int migration_cmp(const void *a, const void *b)
{
	const struct migration *x = a, *y = b;

	return x->version < y->version ? -1 : x->version > y->version;
}

/* migration_name - parse "NNN_name.sql"; 1 ok, 0 not a .sql file,
 * -1 a .sql file with a bad name */
static int migration_name(const char *file, unsigned int *version_r,
			  char **name_r)
{
	size_t len = strlen(file), digits = 0;
	char num[16];

	if (file[0] == '.' || len < 4 || strcmp(file + len - 4, ".sql") != 0)
		return 0;
	while (file[digits] >= '0' && file[digits] <= '9')
		digits++;
	if (digits == 0 || digits >= sizeof(num) || file[digits] != '_' ||
	    digits + 1 >= len - 4)
		return -1;
	for (size_t i = digits + 1; i < len - 4; i++) {
		char c = file[i];

		if (!is_lower_alnum(c) && !(c >= 'A' && c <= 'Z') &&
		    c != '_' && c != '-')
			return -1;
	}
	memcpy(num, file, digits);
	num[digits] = '\0';
	if (str_to_uint(num, version_r) < 0 || *version_r == 0 ||
	    *version_r > INT32_MAX)
		return -1;
	*name_r = p_strndup(ctl_pool, file, len - 4);
	return 1;
}

/* list_migrations - the migration files of cfg.sql_dir, sorted */
static int list_migrations(struct migration **list_r, size_t *count_r)
{
	struct migration *list = NULL;
	size_t count = 0;
	struct dirent *de;
	DIR *dir = opendir(cfg.sql_dir);

	if (dir == NULL)
		return ctl_fail("cannot read %s: %s", cfg.sql_dir,
				strerror(errno));
	list = p_new(ctl_pool, struct migration, CTL_MIGRATIONS_MAX);
	while ((de = readdir(dir)) != NULL) {
		unsigned int version;
		char *name;
		int ret = migration_name(de->d_name, &version, &name);

		if (ret == 0)
			continue;
		if (ret < 0) {
			ctl_fail("bad migration file name %s/%s "
				 "(expected NNN_name.sql)", cfg.sql_dir,
				 de->d_name);
			closedir(dir);
			return -1;
		}
		if (count == CTL_MIGRATIONS_MAX) {
			closedir(dir);
			return ctl_fail("too many migrations in %s",
					cfg.sql_dir);
		}
		list[count].version = version;
		list[count].name = name;
		list[count].path = p_printf(ctl_pool, "%s/%s", cfg.sql_dir,
					    de->d_name);
		count++;
	}
	closedir(dir);
	qsort(list, count, sizeof(*list), migration_cmp);
	for (size_t i = 1; i < count; i++) {
		if (list[i].version == list[i - 1].version)
			return ctl_fail("two migrations with version %u: "
					"%s and %s", list[i].version,
					list[i - 1].name, list[i].name);
	}
	*list_r = list;
	*count_r = count;
	return 0;
}

/* read_script - a migration file as a NUL-terminated UTF-8 string */
static int read_script(const char *path, char **text_r)
{
	struct stat st;
	char *text;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st) < 0) {
		ctl_fail("cannot read %s: %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > CTL_MIGRATION_MAX) {
		ctl_fail("%s: not a regular file of at most %d bytes", path,
			 CTL_MIGRATION_MAX);
		goto fail;
	}
	text = p_alloc(ctl_pool, (size_t)st.st_size + 1);
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, text + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ctl_fail("cannot read %s: %s", path,
				 n < 0 ? strerror(errno) : "file shrank");
			goto fail;
		}
		got += (size_t)n;
	}
	close(fd);
	text[got] = '\0';
	if (strlen(text) != got || !utf8_valid(text, got))
		return ctl_fail("%s: not UTF-8 text", path);
	*text_r = text;
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	return -1;
}

/* schema_versions - applied versions (ascending) and their number */
static int schema_versions(PGresult **res_r)
{
	PGresult *res = q("SELECT version FROM schema_version "
			  "ORDER BY version", 0, NULL);

	if (res == NULL)
		return ctl_db_fail();
	*res_r = res;
	return 0;
}

/* version_applied - is version among the rows of schema_versions() */
static bool version_applied(const PGresult *res, unsigned int version)
{
	for (int i = 0; i < db_ntuples(res); i++) {
		unsigned int v;

		if (str_to_uint(db_value(res, i, 0), &v) == 0 &&
		    v == version)
			return true;
	}
	return false;
}

/* max_version - highest applied version, 0 for none */
static unsigned int max_version(const PGresult *res)
{
	unsigned int v = 0;
	int n = db_ntuples(res);

	if (n > 0 && str_to_uint(db_value(res, n - 1, 0), &v) < 0)
		v = 0;
	return v;
}

struct migrate_ctx {
	const struct migration *m;
	const char *text;
	bool applied;
};

/* migrate_one_tx - apply one migration unless another run just did */
static int migrate_one_tx(void *arg)
{
	struct migrate_ctx *ctx = arg;
	const char *params[2];
	PGresult *res;

	params[0] = CTL_MIGRATE_LOCK;
	if (q("SELECT pg_advisory_xact_lock($1::bigint)", 1, params) == NULL)
		return ctl_db_fail();
	params[0] = p_printf(ctl_pool, "%u", ctx->m->version);
	params[1] = ctx->m->name;
	res = q("SELECT 1 FROM schema_version WHERE version = $1::integer",
		1, params);
	if (res == NULL)
		return ctl_db_fail();
	if (db_ntuples(res) > 0)
		return 0;
	if (db_exec_script(ctx->text) < 0)
		return ctl_fail("migration %s failed: %s", ctx->m->name,
				db_error());
	if (q("INSERT INTO schema_version (version, name) "
	      "VALUES ($1::integer, $2)", 2, params) == NULL)
		return ctl_db_fail();
	ctx->applied = true;
	return 0;
}

/* schema_version_tx - create schema_version once, even when two
 * migrate runs start together */
static int schema_version_tx(void *arg)
{
	const char *params[] = { CTL_MIGRATE_LOCK };

	(void)arg;
	if (q("SELECT pg_advisory_xact_lock($1::bigint)", 1, params) == NULL ||
	    db_exec_script("CREATE TABLE IF NOT EXISTS schema_version ("
			   "version integer PRIMARY KEY, "
			   "name text NOT NULL, "
			   "applied_at timestamptz NOT NULL DEFAULT now())")
	    < 0)
		return ctl_db_fail();
	return 0;
}

/* cmd_migrate - apply the migrations not yet in schema_version */
static int cmd_migrate(int argc, char **argv)
{
	struct migration *list;
	size_t count;
	PGresult *res = NULL;
	unsigned int applied = 0;

	(void)argv;
	if (argc != 0)
		return ctl_usage_fail("migrate takes no arguments");
	if (list_migrations(&list, &count) < 0)
		return -1;
	if (ctl_tx(schema_version_tx, NULL) < 0)
		return -1;
	if (schema_versions(&res) < 0)
		return -1;
	for (size_t i = 0; i < count; i++) {
		struct migrate_ctx ctx = { .m = &list[i] };
		char *text = NULL;

		if (version_applied(res, list[i].version))
			continue;
		if (read_script(list[i].path, &text) < 0)
			return -1;
		ctx.text = text;
		if (ctl_tx(migrate_one_tx, &ctx) < 0)
			return -1;
		if (ctx.applied) {
			printf("applied %s\n", list[i].name);
			applied++;
		}
	}
	if (applied == 0) {
		if (schema_versions(&res) < 0)
			return -1;
		printf("schema up to date (version %u)\n", max_version(res));
	}
	return 0;
}

/* cmd_check - database reachable and schema at the newest migration */
static int cmd_check(int argc, char **argv)
{
	struct migration *list;
	size_t count;
	PGresult *res;
	unsigned int have;

	(void)argv;
	if (argc != 0)
		return ctl_usage_fail("check takes no arguments");
	if (list_migrations(&list, &count) < 0)
		return -1;
	res = q("SELECT to_regclass('schema_version') IS NOT NULL", 0, NULL);
	if (res == NULL)
		return ctl_db_fail();
	if (strcmp(db_value(res, 0, 0), "t") != 0)
		return ctl_fail("the database schema is not initialised "
				"(run mailhivectl migrate)");
	if (schema_versions(&res) < 0)
		return -1;
	have = max_version(res);
	for (size_t i = 0; i < count; i++) {
		if (!version_applied(res, list[i].version))
			return ctl_fail("schema version %u: migration %s is "
					"not applied (run mailhivectl "
					"migrate)", have, list[i].name);
	}
	if (count > 0 && have > list[count - 1].version)
		return ctl_fail("schema version %u is newer than the "
				"newest migration here (%s)", have,
				list[count - 1].name);
	printf("ok: database reachable, schema version %u\n", have);
	return 0;
}

/* cmd_config - print the effective configuration */
static int cmd_config(int argc, char **argv)
{
	(void)argv;
	if (argc != 0)
		return ctl_usage_fail("config takes no arguments");
	cfg_dump(stdout);
	return 0;
}

/* ==== domain ============================================================= */

struct domain_ctx {
	const char *name;
};

/* domain_add_tx - insert the domain unless it exists */
static int domain_add_tx(void *arg)
{
	struct domain_ctx *ctx = arg;
	const char *params[] = { ctx->name };
	PGresult *res;

	res = q("INSERT INTO domains (name) VALUES ($1) "
		"ON CONFLICT (name) DO NOTHING RETURNING id", 1, params);
	if (res == NULL)
		return ctl_db_fail();
	if (db_ntuples(res) == 0)
		return ctl_fail("domain %s already exists", ctx->name);
	return audit("domain.add", ctx->name, NULL);
}

/* cmd_domain_add - domain add NAME */
static int cmd_domain_add(int argc, char **argv)
{
	struct domain_ctx ctx;
	char *name = NULL;

	if (argc != 1)
		return ctl_usage_fail("domain add takes one NAME");
	if (canon_domain(argv[0], &name) < 0)
		return -1;
	ctx.name = name;
	if (ctl_tx(domain_add_tx, &ctx) < 0)
		return -1;
	printf("domain %s added\n", name);
	return 0;
}

/* cmd_domain_list - domain list: name, status, number of users */
static int cmd_domain_list(int argc, char **argv)
{
	PGresult *res;

	(void)argv;
	if (argc != 0)
		return ctl_usage_fail("domain list takes no arguments");
	res = q("SELECT d.name, d.status, count(u.id) FROM domains d "
		"LEFT JOIN users u ON u.domain_id = d.id "
		"GROUP BY d.id ORDER BY d.name", 0, NULL);
	if (res == NULL)
		return ctl_db_fail();
	for (int i = 0; i < db_ntuples(res); i++)
		printf("%s\t%s\t%s\n", db_value(res, i, 0),
		       db_value(res, i, 1), db_value(res, i, 2));
	return 0;
}

/* domain_del_tx - delete a domain that has no users */
static int domain_del_tx(void *arg)
{
	struct domain_ctx *ctx = arg;
	const char *params[1];
	PGresult *res;
	bool failed;
	const char *id, *n;

	id = lookup_id("SELECT id FROM domains WHERE name = $1 FOR UPDATE",
		       ctx->name, &failed);
	if (failed)
		return -1;
	if (id == NULL)
		return ctl_fail("domain %s does not exist", ctx->name);
	params[0] = id;
	res = q("SELECT count(*) FROM users WHERE domain_id = $1::bigint",
		1, params);
	if (res == NULL)
		return ctl_db_fail();
	n = db_value(res, 0, 0);
	if (strcmp(n, "0") != 0)
		return ctl_fail("domain %s still has %s user%s; delete %s "
				"first", ctx->name, n,
				strcmp(n, "1") == 0 ? "" : "s",
				strcmp(n, "1") == 0 ? "it" : "them");
	if (q("DELETE FROM domains WHERE id = $1::bigint", 1, params) == NULL)
		return ctl_db_fail();
	return audit("domain.del", ctx->name, NULL);
}

/* cmd_domain_del - domain del NAME */
static int cmd_domain_del(int argc, char **argv)
{
	struct domain_ctx ctx;
	char *name = NULL;

	if (argc != 1)
		return ctl_usage_fail("domain del takes one NAME");
	if (canon_domain(argv[0], &name) < 0)
		return -1;
	ctx.name = name;
	if (ctl_tx(domain_del_tx, &ctx) < 0)
		return -1;
	printf("domain %s deleted\n", name);
	return 0;
}

/* ==== user =============================================================== */

struct user_ctx {
	char *address, *local, *domain;
	const char *name;
	const char *quota;
	char *hash;
};

/* user_free_address - the address is used by neither a user nor an
 * alias; -1 with the message set otherwise */
static int user_free_address(const char *address)
{
	enum acct_owner owner;

	if (acct_address_owner(ctl_pool, address, &owner) < 0)
		return ctl_db_fail();
	if (owner == ACCT_OWNER_USER)
		return ctl_fail("user %s already exists", address);
	if (owner == ACCT_OWNER_ALIAS)
		return ctl_fail("address %s is already an alias", address);
	return 0;
}

/* user_add_tx - insert the user and its five mailboxes */
static int user_add_tx(void *arg)
{
	struct user_ctx *ctx = arg;
	const char *domain_id = NULL, *user_id;
	struct acct_user user;
	int ret;

	if (need_domain(ctx->domain, true, &domain_id) < 0 ||
	    user_free_address(ctx->address) < 0)
		return -1;
	memset(&user, 0, sizeof(user));
	user.domain_id = domain_id;
	user.local_part = ctx->local;
	user.address = ctx->address;
	user.display_name = ctx->name;
	user.password_hash = ctx->hash;
	user.quota_bytes = ctx->quota;
	ret = acct_user_insert(ctl_pool, &user, &user_id);
	if (ret < 0)
		return ctl_db_fail();
	if (ret == 0)
		return ctl_fail("user %s already exists", ctx->address);
	return audit("user.add", ctx->address,
		     p_printf(ctl_pool, "{\"quota_bytes\":%s}", ctx->quota));
}

/* cmd_user_add - user add ADDRESS [--name] [--quota] [--password-file] */
static int cmd_user_add(int argc, char **argv)
{
	const char *name = NULL, *quota = NULL, *pwfile = NULL;
	const char *domain_id = NULL;
	const struct ctl_opt opts[] = {
		{ "name", &name },
		{ "quota", &quota },
		{ "password-file", &pwfile },
	};
	struct user_ctx ctx;
	struct acct_pw_policy policy;
	uint64_t quota_bytes = 0;
	char **pos = NULL;
	int npos = 0, ret;

	memset(&ctx, 0, sizeof(ctx));
	ret = ctl_parse(argc, argv, opts, 3, &pos, &npos);
	if (ret != 0)
		return ret;
	if (npos != 1)
		return ctl_usage_fail("user add takes one ADDRESS");
	if (canon_address(pos[0], &ctx.address, &ctx.local, &ctx.domain) < 0 ||
	    check_name(name) < 0)
		return -1;
	if (quota != NULL && (str_to_size(quota, &quota_bytes) < 0 ||
			      quota_bytes > INT64_MAX))
		return ctl_fail("invalid quota: %s (bytes, or a number with "
				"K, M or G)", quota);
	ctx.name = name;
	ctx.quota = p_printf(ctl_pool, "%llu",
			     (unsigned long long)quota_bytes);
	/* fail early, before asking for a password */
	if (need_domain(ctx.domain, false, &domain_id) < 0 ||
	    user_free_address(ctx.address) < 0 ||
	    domain_pw_policy(domain_id, &policy) < 0)
		return -1;
	if (get_password_hash(pwfile, &policy, &ctx.hash) < 0)
		return -1;
	ret = ctl_tx(user_add_tx, &ctx);
	free(ctx.hash);
	if (ret < 0)
		return -1;
	printf("user %s added\n", ctx.address);
	return 0;
}

/* cmd_user_list - user list [DOMAIN]: address, display name, status */
static int cmd_user_list(int argc, char **argv)
{
	const char *params[1] = { NULL };
	PGresult *res;
	char *domain = NULL;

	if (argc > 1)
		return ctl_usage_fail("user list takes at most one DOMAIN");
	if (argc == 1) {
		if (canon_domain(argv[0], &domain) < 0 ||
		    need_domain(domain, false, &params[0]) < 0)
			return -1;
	}
	res = q("SELECT address, display_name, "
		"CASE WHEN deleted_at IS NOT NULL THEN 'deleted' "
		"ELSE status END FROM users "
		"WHERE $1::bigint IS NULL OR domain_id = $1::bigint "
		"ORDER BY address", 1, params);
	if (res == NULL)
		return ctl_db_fail();
	for (int i = 0; i < db_ntuples(res); i++) {
		print_clean(stdout, db_value(res, i, 0));
		putchar('\t');
		print_clean(stdout, db_value(res, i, 1));
		putchar('\t');
		print_clean(stdout, db_value(res, i, 2));
		putchar('\n');
	}
	return 0;
}

/* user_passwd_tx - store the new hash, end sessions, clear failures */
static int user_passwd_tx(void *arg)
{
	struct user_ctx *ctx = arg;
	const char *id;
	bool failed;
	int ret;

	id = lookup_id("SELECT id FROM users WHERE address = $1 FOR UPDATE",
		       ctx->address, &failed);
	if (failed)
		return -1;
	if (id == NULL)
		return ctl_fail("user %s does not exist", ctx->address);
	ret = acct_user_set_password(ctl_pool, id, ctx->hash);
	if (ret < 0)
		return ctl_db_fail();
	if (ret == 0)
		return ctl_fail("user %s does not exist", ctx->address);
	return audit("user.passwd", ctx->address, NULL);
}

/* cmd_user_passwd - user passwd ADDRESS [--password-file] */
static int cmd_user_passwd(int argc, char **argv)
{
	const char *pwfile = NULL, *domain_id = NULL;
	const struct ctl_opt opts[] = { { "password-file", &pwfile } };
	struct user_ctx ctx;
	struct acct_pw_policy policy;
	char **pos = NULL;
	int npos = 0, ret;
	bool failed;

	memset(&ctx, 0, sizeof(ctx));
	ret = ctl_parse(argc, argv, opts, 1, &pos, &npos);
	if (ret != 0)
		return ret;
	if (npos != 1)
		return ctl_usage_fail("user passwd takes one ADDRESS");
	if (canon_address(pos[0], &ctx.address, &ctx.local, &ctx.domain) < 0)
		return -1;
	if (lookup_id("SELECT id FROM users WHERE address = $1", ctx.address,
		      &failed) == NULL)
		return failed ? -1 : ctl_fail("user %s does not exist",
					      ctx.address);
	if (need_domain(ctx.domain, false, &domain_id) < 0 ||
	    domain_pw_policy(domain_id, &policy) < 0)
		return -1;
	if (get_password_hash(pwfile, &policy, &ctx.hash) < 0)
		return -1;
	ret = ctl_tx(user_passwd_tx, &ctx);
	free(ctx.hash);
	if (ret < 0)
		return -1;
	printf("password changed for %s\n", ctx.address);
	return 0;
}

/* user_del_tx - delete the user and everything it owns */
static int user_del_tx(void *arg)
{
	struct user_ctx *ctx = arg;
	const char *id;
	bool failed;
	int ret;

	id = lookup_id("SELECT id FROM users WHERE address = $1 FOR UPDATE",
		       ctx->address, &failed);
	if (failed)
		return -1;
	if (id == NULL)
		return ctl_fail("user %s does not exist", ctx->address);
	ret = acct_user_purge(ctl_pool, id);
	if (ret < 0)
		return ctl_db_fail();
	if (ret == 0)
		return ctl_fail("user %s does not exist", ctx->address);
	return audit("user.del", ctx->address, NULL);
}

/* cmd_user_del - user del ADDRESS */
static int cmd_user_del(int argc, char **argv)
{
	struct user_ctx ctx;

	memset(&ctx, 0, sizeof(ctx));
	if (argc != 1)
		return ctl_usage_fail("user del takes one ADDRESS");
	if (canon_address(argv[0], &ctx.address, &ctx.local,
			  &ctx.domain) < 0)
		return -1;
	if (ctl_tx(user_del_tx, &ctx) < 0)
		return -1;
	printf("user %s deleted\n", ctx.address);
	return 0;
}

/* ==== domainadmin / superadmin =========================================== */

struct admin_ctx {
	bool super;
	char *login;
	const char *name;
	char **domains;
	int ndomains;
	char *hash;
};

/* admin_kind - "domain admin" or "super admin", for messages */
static const char *admin_kind(const struct admin_ctx *ctx)
{
	return ctx->super ? "super admin" : "domain admin";
}

/* admin_exists_sql - lookup of an admin login */
static const char *admin_exists_sql(const struct admin_ctx *ctx)
{
	return ctx->super ?
		"SELECT id FROM super_admins WHERE login = $1" :
		"SELECT id FROM domain_admins WHERE login = $1";
}

/* admin_add_tx - insert the admin and, for a domain admin, its domains */
static int admin_add_tx(void *arg)
{
	struct admin_ctx *ctx = arg;
	const char *params[3], *admin_id, *domain_id = NULL;
	struct buf *detail = buf_new_pool(ctl_pool, 0);
	PGresult *res;

	params[0] = ctx->login;
	params[1] = ctx->hash;
	params[2] = ctx->name != NULL ? ctx->name : "";
	res = q(ctx->super ?
		"INSERT INTO super_admins (login, password_hash, "
		"display_name, password_changed_at) "
		"VALUES ($1, $2, $3, now()) "
		"ON CONFLICT DO NOTHING RETURNING id" :
		"INSERT INTO domain_admins (login, password_hash, "
		"display_name, password_changed_at) "
		"VALUES ($1, $2, $3, now()) "
		"ON CONFLICT DO NOTHING RETURNING id", 3, params);
	if (res == NULL)
		return ctl_db_fail();
	if (db_ntuples(res) == 0)
		return ctl_fail("%s %s already exists", admin_kind(ctx),
				ctx->login);
	admin_id = p_strdup(ctl_pool, db_value(res, 0, 0));
	if (buf_append_str(detail, "{\"domains\":[") < 0)
		panic("out of memory");
	for (int i = 0; i < ctx->ndomains; i++) {
		if (need_domain(ctx->domains[i], true, &domain_id) < 0)
			return -1;
		params[0] = admin_id;
		params[1] = domain_id;
		if (q("INSERT INTO domain_admin_domains (admin_id, domain_id) "
		      "VALUES ($1::bigint, $2::bigint) ON CONFLICT DO NOTHING",
		      2, params) == NULL)
			return ctl_db_fail();
		if (buf_printf(detail, "%s%s", i > 0 ? "," : "",
			       str_json_quote(ctl_pool, ctx->domains[i])) < 0)
			panic("out of memory");
	}
	if (buf_append_str(detail, "]}") < 0)
		panic("out of memory");
	return audit(ctx->super ? "superadmin.add" : "domainadmin.add",
		     ctx->login, ctx->super ? NULL : detail->data);
}

/* admin_add - shared by "domainadmin add" and "superadmin add" */
static int admin_add(bool super, int argc, char **argv)
{
	const char *name = NULL, *pwfile = NULL, *domain_id;
	const struct ctl_opt opts[] = {
		{ "name", &name },
		{ "password-file", &pwfile },
	};
	struct admin_ctx ctx;
	char **pos = NULL;
	int npos = 0, ret;
	bool failed;

	memset(&ctx, 0, sizeof(ctx));
	ctx.super = super;
	ret = ctl_parse(argc, argv, opts, 2, &pos, &npos);
	if (ret != 0)
		return ret;
	if (super && npos != 1)
		return ctl_usage_fail("superadmin add takes one LOGIN");
	if (!super && npos < 2)
		return ctl_usage_fail("domainadmin add takes a LOGIN and at "
				      "least one DOMAIN");
	if (canon_login(pos[0], &ctx.login) < 0 || check_name(name) < 0)
		return -1;
	ctx.name = name;
	ctx.domains = p_new(ctl_pool, char *, (size_t)npos);
	for (int i = 1; i < npos; i++) {
		char *domain = NULL;
		bool dup = false;

		if (canon_domain(pos[i], &domain) < 0)
			return -1;
		for (int j = 0; j < ctx.ndomains; j++)
			dup = dup || strcmp(ctx.domains[j], domain) == 0;
		if (!dup)
			ctx.domains[ctx.ndomains++] = domain;
	}
	/* fail early, before asking for a password */
	if (lookup_id(admin_exists_sql(&ctx), ctx.login, &failed) != NULL)
		return ctl_fail("%s %s already exists", admin_kind(&ctx),
				ctx.login);
	if (failed)
		return -1;
	for (int i = 0; i < ctx.ndomains; i++) {
		if (need_domain(ctx.domains[i], false, &domain_id) < 0)
			return -1;
	}
	if (get_password_hash(pwfile, NULL, &ctx.hash) < 0)
		return -1;
	ret = ctl_tx(admin_add_tx, &ctx);
	free(ctx.hash);
	if (ret < 0)
		return -1;
	printf("%s %s added\n", admin_kind(&ctx), ctx.login);
	return 0;
}

/* cmd_domainadmin_add - domainadmin add LOGIN DOMAIN... */
static int cmd_domainadmin_add(int argc, char **argv)
{
	return admin_add(false, argc, argv);
}

/* cmd_superadmin_add - superadmin add LOGIN */
static int cmd_superadmin_add(int argc, char **argv)
{
	return admin_add(true, argc, argv);
}

/* ==== main =============================================================== */

static const struct ctl_cmd ctl_cmds[] = {
	{ "migrate", NULL, cmd_migrate, true },
	{ "check", NULL, cmd_check, true },
	{ "config", NULL, cmd_config, false },
	{ "domain", "add", cmd_domain_add, true },
	{ "domain", "list", cmd_domain_list, true },
	{ "domain", "del", cmd_domain_del, true },
	{ "user", "add", cmd_user_add, true },
	{ "user", "list", cmd_user_list, true },
	{ "user", "passwd", cmd_user_passwd, true },
	{ "user", "del", cmd_user_del, true },
	{ "domainadmin", "add", cmd_domainadmin_add, true },
	{ "superadmin", "add", cmd_superadmin_add, true },
};

#define CTL_NCMDS (sizeof(ctl_cmds) / sizeof(ctl_cmds[0]))

/* usage_exit - reason (if any) and usage on stderr, status 2 */
static void usage_exit(void) __attribute__((noreturn));
static void usage_exit(void)
{
	if (ctl_errbuf[0] != '\0') {
		fputs("mailhivectl: ", stderr);
		print_clean(stderr, ctl_errbuf);
		fputc('\n', stderr);
	}
	fputs(ctl_usage_text, stderr);
	exit(2);
}

/* find_cmd - the table entry for argv; *used_r = words consumed */
static const struct ctl_cmd *find_cmd(int argc, char **argv, int *used_r)
{
	bool known = false;

	for (size_t i = 0; i < CTL_NCMDS; i++) {
		const struct ctl_cmd *c = &ctl_cmds[i];

		if (strcmp(c->name, argv[0]) != 0)
			continue;
		known = true;
		if (c->sub == NULL) {
			*used_r = 1;
			return c;
		}
		if (argc > 1 && strcmp(c->sub, argv[1]) == 0) {
			*used_r = 2;
			return c;
		}
	}
	if (!known)
		ctl_usage_fail("unknown command %s", argv[0]);
	else if (argc < 2)
		ctl_usage_fail("%s needs a subcommand", argv[0]);
	else
		ctl_usage_fail("unknown %s subcommand %s", argv[0], argv[1]);
	return NULL;
}

/* ctl_whoami - the Unix user, recorded as the actor in audit_log */
static const char *ctl_whoami(void)
{
	struct passwd *pw = getpwuid(geteuid());

	if (pw != NULL && str_text_sane(pw->pw_name, 64))
		return p_strdup(ctl_pool, pw->pw_name);
	return p_printf(ctl_pool, "uid %ld", (long)geteuid());
}

/* main - global options, configuration, then one command */
int main(int argc, char **argv)
{
	const char *conf = NULL, *env;
	const struct ctl_cmd *cmd;
	char *error = NULL;
	int i = 1, used = 0, ret;

	while (i < argc && argv[i][0] == '-' && argv[i][1] != '\0') {
		if (strcmp(argv[i], "-c") == 0) {
			if (i + 1 >= argc) {
				ctl_usage_fail("option -c needs a file");
				usage_exit();
			}
			conf = argv[i + 1];
			i += 2;
		} else if (strncmp(argv[i], "-c", 2) == 0) {
			conf = argv[i] + 2;
			i++;
		} else if (strcmp(argv[i], "-h") == 0 ||
			   strcmp(argv[i], "--help") == 0) {
			fputs(ctl_usage_text, stdout);
			return 0;
		} else if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else {
			ctl_usage_fail("unknown option %s", argv[i]);
			usage_exit();
		}
	}
	if (i >= argc) {
		ctl_usage_fail("no command given");
		usage_exit();
	}
	if (strcmp(argv[i], "help") == 0) {
		fputs(ctl_usage_text, stdout);
		return 0;
	}
	cmd = find_cmd(argc - i, argv + i, &used);
	if (cmd == NULL)
		usage_exit();
	if (conf == NULL) {
		env = getenv("MAILHIVE_CONF");
		if (env != NULL && env[0] != '\0')
			conf = env;
	}

	log_init("mailhivectl", LOG_WARN);
	token_init();
	if (cfg_load(conf, &error) < 0) {
		fputs("mailhivectl: ", stderr);
		print_clean(stderr, error);
		fputc('\n', stderr);
		free(error);
		return 1;
	}
	pw_set_params(cfg.pw_opslimit, (size_t)cfg.pw_memlimit);
	ctl_pool = pool_new("mailhivectl", 8192);
	ctl_actor = ctl_whoami();
	if (cmd->needs_db && db_init(cfg.db_conninfo_resolved) < 0) {
		ctl_fail("cannot connect to the database: %s", db_error());
		ret = -1;
	} else {
		ret = cmd->fn(argc - i - used, argv + i + used);
	}
	if (ret == CTL_USAGE)
		usage_exit();
	if (fflush(stdout) != 0 || ferror(stdout)) {
		ctl_fail("cannot write the output: %s", strerror(errno));
		ret = -1;
	}
	if (ret < 0 && ctl_errbuf[0] == '\0')
		ctl_fail("failed");
	db_close();
	pool_destroy(&ctl_pool);
	cfg_free();
	if (ret < 0) {
		fputs("mailhivectl: ", stderr);
		print_clean(stderr, ctl_errbuf);
		fputc('\n', stderr);
		return 1;
	}
	return 0;
}
