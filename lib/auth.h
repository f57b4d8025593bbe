#ifndef MH_AUTH_H
#define MH_AUTH_H
/*
 * auth.h - who may log in: account lookup, password check, failed-login
 * throttling and the audit log. Shared by the three portals now and by the
 * mail services later, so the failure counters are common to all of them.
 *
 * auth_login() never tells an unknown account from a wrong password: both
 * give AUTH_BAD after the same amount of work (a dummy verification for the
 * unknown one). Failures are counted per account and per client address in
 * the login_failures table; once either reaches its limit within
 * login.window seconds the answer is AUTH_LIMITED with the seconds to wait.
 * A successful login clears the account's counter, upgrades imported or
 * weak hashes to argon2id and records last_login.
 */
#include <stdint.h>

/* the longest failed-login delay of the mail services, seconds */
#define AUTH_DELAY_MAX 15

struct pool;

enum auth_role { AUTH_ROLE_USER, AUTH_ROLE_DOMAINADMIN, AUTH_ROLE_SUPERADMIN };

enum auth_status {
	AUTH_OK = 0,
	AUTH_BAD = 1,		/* unknown account, wrong password, disabled;
				   *retry_after_r is the delay a mail
				   service waits before saying so */
	AUTH_LIMITED = 2,	/* too many failures: *retry_after_r seconds */
	AUTH_ERROR = -1,	/* database unavailable or internal error */
};

struct auth_principal {
	enum auth_role role;
	int64_t id;		/* users.id, domain_admins.id or super_admins.id */
	const char *login;	/* canonical login (lower case), pool memory */
	const char *display_name; /* may be "" */
	const char *language;	/* preferred language or "" */
	const char *skin;	/* users: own skin, else the domain's; or "" */
	int64_t domain_id;	/* users: their domain; others: 0 */
};

const char *auth_role_name(enum auth_role role); /* "user", "domainadmin", "superadmin" */

enum auth_status auth_login(struct pool *pool, enum auth_role role,
			    const char *login, const char *password,
			    const char *client_ip, const char *service,
			    struct auth_principal *principal_r,
			    unsigned int *retry_after_r);

/* auth_lookup - load a principal by role and id (sessions use this);
 * 1 found and enabled, 0 not found or disabled, -1 error */
int auth_lookup(struct pool *pool, enum auth_role role, int64_t id,
		struct auth_principal *principal_r);

/* auth_lookup_user - an enabled user by address, for a service that
 * already proved who it acts for (IMAP's service login); no password is
 * checked. 1 found, 0 not, -1 error */
int auth_lookup_user(struct pool *pool, const char *address,
		     struct auth_principal *principal_r);
/* audit_log - one audit_log row; actor may be NULL (anonymous).
 * detail is free text (JSON preferred). -1 on database error. */
int audit_log(struct pool *pool, const char *actor_role, const char *actor,
	      const char *client_ip, const char *action, const char *object,
	      const char *detail);

#endif
