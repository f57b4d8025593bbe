#ifndef MH_CFG_H
#define MH_CFG_H
/*
 * cfg.h - the one configuration file, mailhive.conf.
 *
 * Format: "[section]" lines and "key = value" lines; '#' starts a comment
 * line. Keys are addressed as section.key. Every key has an embedded
 * default (see the table in cfg.c and mailhive.conf.example), so a missing
 * file is a valid configuration. cfg_load() parses once at start-up into
 * the read-only global `cfg`; an unknown key or a bad value is an error.
 * Relative paths are taken from the directory of the configuration file,
 * or from the working directory when there is no file.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct cfg {
	/* [general] */
	char *var_dir;
	char *log_level;
	char *hostname;
	/* [database] */
	char *db_conninfo;	/* "" = the embedded cluster */
	unsigned int db_embedded_port;
	char *db_embedded_user;
	/* [http] */
	char *http_listen;
	char *http_public_url;
	bool http_tls;
	uint64_t http_max_body;
	unsigned int http_max_parts;
	unsigned int http_workers;
	char *templates_dir;
	char *static_dir;
	/* [session] */
	unsigned int session_user_idle;
	unsigned int session_user_absolute;
	unsigned int session_admin_idle;
	unsigned int session_admin_absolute;
	/* [login] */
	unsigned int login_max_failures;
	unsigned int login_max_failures_ip;
	unsigned int login_window;
	/* [password] */
	unsigned int pw_opslimit;
	uint64_t pw_memlimit;

	/* [smtp] */
	char *smtp_listen;
	char *smtp_submission_listen;
	char *smtp_smtps_listen;
	unsigned int smtp_workers;
	unsigned int smtp_max_connections;
	unsigned int smtp_max_connections_per_ip;
	uint64_t smtp_max_message_size;
	unsigned int smtp_max_recipients;
	unsigned int smtp_max_received;
	unsigned int smtp_command_timeout;
	unsigned int smtp_data_timeout;
	unsigned int smtp_max_auth_failures;
	bool smtp_auth_plaintext_loopback;
	/* [imap] */
	char *imap_listen;
	char *imap_imaps_listen;
	unsigned int imap_workers;
	unsigned int imap_max_connections;
	unsigned int imap_max_connections_per_ip;
	unsigned int imap_max_connections_per_user;
	uint64_t imap_max_line;
	uint64_t imap_append_limit;
	unsigned int imap_login_timeout;
	unsigned int imap_idle_timeout;
	bool imap_auth_plaintext_loopback;
	char *imap_service_login;
	char *imap_service_secret_file;
	/* [pop3] */
	char *pop3_listen;
	char *pop3_pop3s_listen;
	unsigned int pop3_workers;
	unsigned int pop3_max_connections;
	unsigned int pop3_login_timeout;
	unsigned int pop3_idle_timeout;
	/* [queue] */
	char *queue_resolver;
	unsigned int queue_remote_port;
	unsigned int queue_retry_base;
	unsigned int queue_retry_max;
	unsigned int queue_delay_warning;
	unsigned int queue_expire;
	unsigned int queue_timeout;
	/* [tls] */
	char *tls_cert_file;
	char *tls_key_file;
	/* [store] */
	char *blob_dir;
	unsigned int blob_gc_grace;
	/* [jobs] */
	unsigned int jobs_interval;

	/* derived, not keys */
	char *conf_path;	/* NULL = defaults only */
	char *run_dir;		/* var_dir/run */
	char *log_dir;		/* var_dir/log */
	char *sql_dir;
	char *db_conninfo_resolved;
};

extern struct cfg cfg;

/* cfg_load - read path (NULL: defaults only); 0 or -1 with *error_r set
 * to a malloc'd message naming the file and line */
int cfg_load(const char *path, char **error_r)
	__attribute__((warn_unused_result));
/* cfg_dump - print every key as section.key=value, then derived paths */
void cfg_dump(FILE *out);
/* cfg_keys_each - call fn for every known key name (section.key) */
void cfg_keys_each(void (*fn)(const char *name, void *ctx), void *ctx);
void cfg_free(void);

/* cfg_local_endpoint - where to connect to one of our own services from
 * its listen value ("127.0.0.1:1143", "[::1]:1143"; a wildcard address
 * means this host); -1 when spec is not host:port */
int cfg_local_endpoint(const char *spec, char *host, size_t size,
		       uint16_t *port_r);

#endif
