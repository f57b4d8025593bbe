/*
 * cfg.c - parse mailhive.conf into the global read-only struct cfg.
 *
 * The table below is the whole list of keys: name, type, where it goes and
 * its embedded default. mailhive.conf.example documents the same keys; a
 * unit test checks that the two agree.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "cfg.h"
#include "log.h"
#include "pool.h"
#include "strnum.h"

#define CFG_LINE_MAX 4096

struct cfg cfg;

enum cfg_type { CFG_STR, CFG_PATH, CFG_UINT, CFG_SIZE, CFG_BOOL };

struct cfg_key {
	const char *name;
	enum cfg_type type;
	size_t offset;
	const char *def;
};

#define K(name, type, field, def) { name, type, offsetof(struct cfg, field), def }

static const struct cfg_key cfg_keys[] = {
	K("general.var_dir", CFG_PATH, var_dir, "var"),
	K("general.log_level", CFG_STR, log_level, "info"),
	K("general.hostname", CFG_STR, hostname, "localhost"),
	K("database.conninfo", CFG_STR, db_conninfo, ""),
	K("database.embedded_port", CFG_UINT, db_embedded_port, "5432"),
	K("database.embedded_user", CFG_STR, db_embedded_user, "mailhive"),
	K("http.listen", CFG_STR, http_listen, "127.0.0.1:8080"),
	K("http.public_url", CFG_STR, http_public_url, ""),
	K("http.tls", CFG_BOOL, http_tls, "no"),
	K("http.max_body", CFG_SIZE, http_max_body, "25M"),
	K("http.max_parts", CFG_UINT, http_max_parts, "64"),
	K("http.workers", CFG_UINT, http_workers, "4"),
	K("http.templates_dir", CFG_PATH, templates_dir, ""),
	K("http.static_dir", CFG_PATH, static_dir, ""),
	K("session.user_idle", CFG_UINT, session_user_idle, "1800"),
	K("session.user_absolute", CFG_UINT, session_user_absolute, "28800"),
	K("session.admin_idle", CFG_UINT, session_admin_idle, "600"),
	K("session.admin_absolute", CFG_UINT, session_admin_absolute, "14400"),
	K("login.max_failures", CFG_UINT, login_max_failures, "5"),
	K("login.max_failures_ip", CFG_UINT, login_max_failures_ip, "20"),
	K("login.window", CFG_UINT, login_window, "60"),
	K("password.argon2_opslimit", CFG_UINT, pw_opslimit, "2"),
	K("password.argon2_memlimit", CFG_SIZE, pw_memlimit, "64M"),
	K("smtp.listen", CFG_STR, smtp_listen, "127.0.0.1:2525"),
	K("smtp.submission_listen", CFG_STR, smtp_submission_listen,
	  "127.0.0.1:2587"),
	K("smtp.smtps_listen", CFG_STR, smtp_smtps_listen, "127.0.0.1:2465"),
	K("smtp.workers", CFG_UINT, smtp_workers, "8"),
	K("smtp.max_connections", CFG_UINT, smtp_max_connections, "1000"),
	K("smtp.max_connections_per_ip", CFG_UINT,
	  smtp_max_connections_per_ip, "100"),
	K("smtp.max_message_size", CFG_SIZE, smtp_max_message_size, "50M"),
	K("smtp.max_recipients", CFG_UINT, smtp_max_recipients, "1000"),
	K("smtp.max_received", CFG_UINT, smtp_max_received, "50"),
	K("smtp.command_timeout", CFG_UINT, smtp_command_timeout, "300"),
	K("smtp.data_timeout", CFG_UINT, smtp_data_timeout, "600"),
	K("smtp.max_auth_failures", CFG_UINT, smtp_max_auth_failures, "3"),
	K("smtp.auth_plaintext_loopback", CFG_BOOL,
	  smtp_auth_plaintext_loopback, "yes"),
	K("imap.listen", CFG_STR, imap_listen, "127.0.0.1:1143"),
	K("imap.imaps_listen", CFG_STR, imap_imaps_listen, "127.0.0.1:1993"),
	K("imap.workers", CFG_UINT, imap_workers, "4"),
	K("imap.max_connections", CFG_UINT, imap_max_connections, "20000"),
	K("imap.max_connections_per_ip", CFG_UINT,
	  imap_max_connections_per_ip, "1000"),
	K("imap.max_connections_per_user", CFG_UINT,
	  imap_max_connections_per_user, "50"),
	K("imap.max_line", CFG_SIZE, imap_max_line, "64K"),
	K("imap.append_limit", CFG_SIZE, imap_append_limit, "50M"),
	K("imap.login_timeout", CFG_UINT, imap_login_timeout, "60"),
	K("imap.idle_timeout", CFG_UINT, imap_idle_timeout, "1800"),
	K("imap.auth_plaintext_loopback", CFG_BOOL,
	  imap_auth_plaintext_loopback, "yes"),
	K("imap.service_login", CFG_STR, imap_service_login, "webmail"),
	K("imap.service_secret_file", CFG_PATH, imap_service_secret_file, ""),
	K("pop3.listen", CFG_STR, pop3_listen, "127.0.0.1:1110"),
	K("pop3.pop3s_listen", CFG_STR, pop3_pop3s_listen, "127.0.0.1:1995"),
	K("pop3.workers", CFG_UINT, pop3_workers, "1"),
	K("pop3.max_connections", CFG_UINT, pop3_max_connections, "1000"),
	K("pop3.login_timeout", CFG_UINT, pop3_login_timeout, "60"),
	K("pop3.idle_timeout", CFG_UINT, pop3_idle_timeout, "600"),
	K("queue.resolver", CFG_STR, queue_resolver, ""),
	K("queue.remote_port", CFG_UINT, queue_remote_port, "25"),
	K("queue.retry_base", CFG_UINT, queue_retry_base, "300"),
	K("queue.retry_max", CFG_UINT, queue_retry_max, "14400"),
	K("queue.delay_warning", CFG_UINT, queue_delay_warning, "14400"),
	K("queue.expire", CFG_UINT, queue_expire, "432000"),
	K("queue.timeout", CFG_UINT, queue_timeout, "60"),
	K("tls.cert_file", CFG_PATH, tls_cert_file, ""),
	K("tls.key_file", CFG_PATH, tls_key_file, ""),
	K("store.blob_dir", CFG_PATH, blob_dir, ""),
	K("store.gc_grace", CFG_UINT, blob_gc_grace, "3600"),
	K("jobs.interval", CFG_UINT, jobs_interval, "60"),
};

#define CFG_NKEYS (sizeof(cfg_keys) / sizeof(cfg_keys[0]))

static char *cfg_base_dir;

static char *path_join(const char *dir, const char *rel)
{
	size_t a = strlen(dir), b = strlen(rel);
	char *p = xmalloc(a + b + 2);

	memcpy(p, dir, a);
	p[a] = '/';
	memcpy(p + a + 1, rel, b + 1);
	return p;
}

static char *resolve_path(const char *value)
{
	if (value[0] == '\0' || value[0] == '/')
		return xstrdup(value);
	return path_join(cfg_base_dir, value);
}

/* cfg_set - store one value; -1 with *why set when it does not parse */
static int cfg_set(const struct cfg_key *k, const char *value,
		   const char **why)
{
	char *base = (char *)&cfg;
	uint64_t u64;
	unsigned int u;

	switch (k->type) {
	case CFG_STR:
	case CFG_PATH: {
		char **dst = (char **)(base + k->offset);

		free(*dst);
		*dst = k->type == CFG_PATH ? resolve_path(value) :
			xstrdup(value);
		return 0;
	}
	case CFG_UINT:
		if (str_to_uint(value, &u) < 0) {
			*why = "not a non-negative integer";
			return -1;
		}
		*(unsigned int *)(base + k->offset) = u;
		return 0;
	case CFG_SIZE:
		if (str_to_size(value, &u64) < 0) {
			*why = "not a size (number with optional K, M or G)";
			return -1;
		}
		*(uint64_t *)(base + k->offset) = u64;
		return 0;
	case CFG_BOOL:
		if (strcmp(value, "yes") == 0 || strcmp(value, "true") == 0 ||
		    strcmp(value, "1") == 0) {
			*(bool *)(base + k->offset) = true;
		} else if (strcmp(value, "no") == 0 ||
			   strcmp(value, "false") == 0 ||
			   strcmp(value, "0") == 0) {
			*(bool *)(base + k->offset) = false;
		} else {
			*why = "not yes or no";
			return -1;
		}
		return 0;
	}
	*why = "unknown type";
	return -1;
}

static const struct cfg_key *cfg_find(const char *name)
{
	for (size_t i = 0; i < CFG_NKEYS; i++)
		if (strcmp(cfg_keys[i].name, name) == 0)
			return &cfg_keys[i];
	return NULL;
}

static char *errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *errorf(const char *fmt, ...)
{
	va_list ap;
	struct buf b;

	buf_init(&b, 0);
	va_start(ap, fmt);
	if (buf_vprintf(&b, fmt, ap) < 0)
		b.data = xstrdup("error");
	va_end(ap);
	return b.data;
}

static int dir_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* cfg_derive - fill the derived paths after all keys are known */
static void cfg_derive(void)
{
	struct buf b;

	cfg.run_dir = path_join(cfg.var_dir, "run");
	cfg.log_dir = path_join(cfg.var_dir, "log");
	if (cfg.templates_dir[0] == '\0') {
		free(cfg.templates_dir);
		cfg.templates_dir = dir_exists(MH_SRCDIR "/templates") ?
			xstrdup(MH_SRCDIR "/templates") :
			xstrdup(MH_DATADIR "/templates");
	}
	if (cfg.static_dir[0] == '\0') {
		free(cfg.static_dir);
		cfg.static_dir = dir_exists(MH_SRCDIR "/static") ?
			xstrdup(MH_SRCDIR "/static") :
			xstrdup(MH_DATADIR "/static");
	}
	if (cfg.tls_cert_file[0] == '\0') {
		free(cfg.tls_cert_file);
		cfg.tls_cert_file = path_join(cfg.var_dir, "tls/cert.pem");
	}
	if (cfg.tls_key_file[0] == '\0') {
		free(cfg.tls_key_file);
		cfg.tls_key_file = path_join(cfg.var_dir, "tls/key.pem");
	}
	if (cfg.imap_service_secret_file[0] == '\0') {
		free(cfg.imap_service_secret_file);
		cfg.imap_service_secret_file = path_join(cfg.var_dir,
						"secrets/service-secret");
	}
	if (cfg.blob_dir[0] == '\0') {
		free(cfg.blob_dir);
		cfg.blob_dir = path_join(cfg.var_dir, "blobs");
	}
	cfg.sql_dir = dir_exists(MH_SRCDIR "/sql") ? xstrdup(MH_SRCDIR "/sql") :
		xstrdup(MH_DATADIR "/sql");
	if (cfg.db_conninfo[0] != '\0') {
		cfg.db_conninfo_resolved = xstrdup(cfg.db_conninfo);
	} else {
		/* the embedded cluster listens on a unix socket in run/ */
		buf_init(&b, 0);
		if (buf_append_str(&b, "host='") < 0)
			panic("out of memory");
		for (const char *p = cfg.run_dir; *p != '\0'; p++) {
			if ((*p == '\'' || *p == '\\') &&
			    buf_append_char(&b, '\\') < 0)
				panic("out of memory");
			if (buf_append_char(&b, *p) < 0)
				panic("out of memory");
		}
		if (buf_printf(&b, "' port=%u dbname=mailhive user=%s",
			       cfg.db_embedded_port, cfg.db_embedded_user) < 0)
			panic("out of memory");
		cfg.db_conninfo_resolved = b.data;
	}
}

int cfg_load(const char *path, char **error_r)
{
	char line[CFG_LINE_MAX + 2];
	char section[64] = "";
	const char *why;
	unsigned int lineno = 0;
	FILE *fp = NULL;
	char cwd[PATH_MAX];

	cfg_free();
	if (path != NULL) {
		char *slash;

		fp = fopen(path, "r");
		if (fp == NULL) {
			*error_r = errorf("%s: %s", path, strerror(errno));
			return -1;
		}
		cfg.conf_path = xstrdup(path);
		if (path[0] == '/') {
			cfg_base_dir = xstrdup(path);
		} else {
			if (getcwd(cwd, sizeof(cwd)) == NULL)
				str_lcpy(cwd, "/", sizeof(cwd));
			cfg_base_dir = path_join(cwd, path);
		}
		slash = strrchr(cfg_base_dir, '/');
		if (slash == cfg_base_dir)
			slash[1] = '\0';
		else
			*slash = '\0';
	} else {
		if (getcwd(cwd, sizeof(cwd)) == NULL)
			str_lcpy(cwd, "/", sizeof(cwd));
		cfg_base_dir = xstrdup(cwd);
	}
	for (size_t i = 0; i < CFG_NKEYS; i++) {
		if (cfg_set(&cfg_keys[i], cfg_keys[i].def, &why) < 0)
			panic("bad default for %s", cfg_keys[i].name);
	}
	while (fp != NULL && fgets(line, sizeof(line), fp) != NULL) {
		char *s, *eq, *key, *value, name[160];
		const struct cfg_key *k;
		size_t len = strlen(line);

		lineno++;
		if (len > CFG_LINE_MAX) {
			*error_r = errorf("%s:%u: line too long", path, lineno);
			goto fail;
		}
		s = str_trim(line);
		if (*s == '\0' || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			len = strlen(s);
			if (s[len - 1] != ']' || len - 2 >= sizeof(section) ||
			    len < 3) {
				*error_r = errorf("%s:%u: bad section line",
						  path, lineno);
				goto fail;
			}
			memcpy(section, s + 1, len - 2);
			section[len - 2] = '\0';
			str_trim(section);
			continue;
		}
		eq = strchr(s, '=');
		if (eq == NULL) {
			*error_r = errorf("%s:%u: expected key = value",
					  path, lineno);
			goto fail;
		}
		*eq = '\0';
		key = str_trim(s);
		value = str_trim(eq + 1);
		len = strlen(value);
		if (len >= 2 && value[0] == '"' && value[len - 1] == '"') {
			value[len - 1] = '\0';
			value++;
		}
		snprintf(name, sizeof(name), "%s.%s", section, key);
		k = cfg_find(name);
		if (k == NULL) {
			*error_r = errorf("%s:%u: unknown key %s", path,
					  lineno, name);
			goto fail;
		}
		if (cfg_set(k, value, &why) < 0) {
			*error_r = errorf("%s:%u: %s: %s", path, lineno, name,
					  why);
			goto fail;
		}
	}
	if (fp != NULL)
		fclose(fp);
	cfg_derive();
	return 0;
fail:
	fclose(fp);
	cfg_free();
	return -1;
}

static void cfg_print_value(FILE *out, const struct cfg_key *k)
{
	const char *base = (const char *)&cfg;

	switch (k->type) {
	case CFG_STR:
	case CFG_PATH:
		fprintf(out, "%s", *(char *const *)(base + k->offset));
		break;
	case CFG_UINT:
		fprintf(out, "%u", *(const unsigned int *)(base + k->offset));
		break;
	case CFG_SIZE:
		fprintf(out, "%llu", (unsigned long long)
			*(const uint64_t *)(base + k->offset));
		break;
	case CFG_BOOL:
		fprintf(out, "%s", *(const bool *)(base + k->offset) ?
			"yes" : "no");
		break;
	}
}

void cfg_dump(FILE *out)
{
	for (size_t i = 0; i < CFG_NKEYS; i++) {
		fprintf(out, "%s=", cfg_keys[i].name);
		cfg_print_value(out, &cfg_keys[i]);
		fputc('\n', out);
	}
	fprintf(out, "derived.run_dir=%s\n", cfg.run_dir);
	fprintf(out, "derived.log_dir=%s\n", cfg.log_dir);
	fprintf(out, "derived.sql_dir=%s\n", cfg.sql_dir);
	fprintf(out, "derived.db_conninfo=%s\n", cfg.db_conninfo_resolved);
}

void cfg_keys_each(void (*fn)(const char *name, void *ctx), void *ctx)
{
	for (size_t i = 0; i < CFG_NKEYS; i++)
		fn(cfg_keys[i].name, ctx);
}

void cfg_free(void)
{
	for (size_t i = 0; i < CFG_NKEYS; i++) {
		if (cfg_keys[i].type == CFG_STR || cfg_keys[i].type == CFG_PATH) {
			char **p = (char **)((char *)&cfg + cfg_keys[i].offset);

			free(*p);
			*p = NULL;
		}
	}
	free(cfg.conf_path);
	free(cfg.run_dir);
	free(cfg.log_dir);
	free(cfg.sql_dir);
	free(cfg.db_conninfo_resolved);
	free(cfg_base_dir);
	cfg_base_dir = NULL;
	memset(&cfg, 0, sizeof(cfg));
}

int cfg_local_endpoint(const char *spec, char *host, size_t size,
		       uint16_t *port_r)
{
	const char *colon, *h;
	unsigned int port;
	size_t hlen;

	if (spec[0] == '[') {
		const char *end = strchr(spec, ']');

		if (end == NULL || end[1] != ':')
			goto bad;
		h = spec + 1;
		hlen = (size_t)(end - h);
		colon = end + 1;
	} else {
		colon = strrchr(spec, ':');
		if (colon == NULL)
			goto bad;
		h = spec;
		hlen = (size_t)(colon - spec);
	}
	if (str_to_uint(colon + 1, &port) < 0 || port == 0 || port > 65535 ||
	    hlen >= size)
		goto bad;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	if (hlen == 0 || strcmp(host, "*") == 0 ||
	    strcmp(host, "0.0.0.0") == 0)
		str_lcpy(host, "127.0.0.1", size);
	else if (strcmp(host, "::") == 0)
		str_lcpy(host, "::1", size);
	*port_r = (uint16_t)port;
	return 0;
bad:
	return -1;
}
