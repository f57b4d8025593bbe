/*
 * password.c - the user changes their own password.
 *
 *   GET  /settings/password
 *   POST /settings/password   current, new, confirm
 *
 * The new password must meet the domain's policy (domains.password_policy,
 * lib/accounts.h) and the system's minimum length, whichever asks more;
 * a form that does not is shown again with its message (422) and nothing
 * is checked or written. The current password is then checked like a
 * login (lib/auth.c): a wrong one is a failed login of the account and
 * the client address, counted by the same throttling, and refused (403,
 * or 429 once the account or address is limited). On success the hash is
 * replaced and every other web session of the user ends; the one the
 * change was made in goes on.
 *
 * SECURITY: the passwords go to pwhash only: never logged, never shown
 * again, never written to the page.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts.h"
#include "auth.h"
#include "buf.h"
#include "db.h"
#include "log.h"
#include "pool.h"
#include "pwhash.h"
#include "settings.h"
#include "web-cs.h"
#include "web-form.h"
#include "web-req.h"
#include "web-session.h"

struct pw_change {
	struct web_req *req;
	const char *hash;
};

/* policy - the domain's policy with the system minimum folded in;
 * -1 on a database error */
static int policy(struct web_req *req, struct acct_pw_policy *p)
{
	const char *domain = p_printf(req->pool, "%" PRId64,
				      req->session->principal.domain_id);

	if (acct_pw_policy_get(req->pool, domain, p) < 0)
		return -1;
	if (p->min_chars < ACCT_PASSWORD_MIN)
		p->min_chars = ACCT_PASSWORD_MIN;
	return 0;
}

static int show(struct web_req *req, int status, const char *error_key)
{
	struct acct_pw_policy p = { 0, 0 };

	if (policy(req, &p) < 0)
		return wm_settings_fail(req, "password_policy");
	wcs_set_int(req->hdf, "Policy.Min", p.min_chars);
	wcs_set(req->hdf, "Policy.Lower", p.classes & ACCT_PW_LOWER ? "1" : "");
	wcs_set(req->hdf, "Policy.Upper", p.classes & ACCT_PW_UPPER ? "1" : "");
	wcs_set(req->hdf, "Policy.Digit", p.classes & ACCT_PW_DIGIT ? "1" : "");
	wcs_set(req->hdf, "Policy.Symbol",
		p.classes & ACCT_PW_SYMBOL ? "1" : "");
	if (error_key != NULL)
		wcs_set(req->hdf, "Page.FormError", error_key);
	else if (form_get(&req->query, "done") != NULL)
		wcs_set(req->hdf, "Page.Done", "1");
	return web_render(req, status, "settings-password.cs");
}

int wm_page_password(struct web_req *req)
{
	return show(req, 200, NULL);
}

/* refused_key - the message for a new password the policy refuses */
static const char *refused_key(unsigned int why)
{
	switch (why) {
	case ACCT_PW_SHORT:
		return "short";
	case ACCT_PW_LOWER:
		return "lower";
	case ACCT_PW_UPPER:
		return "upper";
	case ACCT_PW_DIGIT:
		return "digit";
	default:
		return "symbol";
	}
}

/* text_ok - valid UTF-8 of at most ACCT_PASSWORD_MAX bytes without
 * control characters */
static bool text_ok(const char *s)
{
	size_t len = strlen(s);

	if (len > ACCT_PASSWORD_MAX || !utf8_valid(s, len))
		return false;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < ' ' || *s == 0x7f)
			return false;
	return true;
}

/* change_tx - the new hash; the other sessions end; audit */
static int change_tx(void *arg)
{
	struct pw_change *c = arg;
	struct web_req *req = c->req;

	if (acct_user_set_password_keep(req->pool, wm_settings_user(req),
					c->hash, req->session->id_hash) <= 0)
		return -1;
	return wm_settings_audit(req, "password.change", NULL);
}

int wm_action_password(struct web_req *req)
{
	const char *current = form_get(&req->post, "current");
	const char *fresh = form_get(&req->post, "new");
	const char *confirm = form_get(&req->post, "confirm");
	const struct auth_principal *me = &req->session->principal;
	struct auth_principal checked;
	struct acct_pw_policy p;
	struct pw_change c;
	unsigned int retry = 0, why;
	char *hash = NULL;
	int ret;

	if (current == NULL || fresh == NULL || confirm == NULL)
		return show(req, 422, "missing");
	if (*current == '\0')
		return show(req, 422, "current_empty");
	if (!text_ok(fresh) || !text_ok(current))
		return show(req, 422, "bad");
	if (strcmp(fresh, confirm) != 0)
		return show(req, 422, "mismatch");
	if (policy(req, &p) < 0)
		return wm_settings_fail(req, "password_policy");
	why = acct_pw_refused(&p, fresh);
	if (why != 0)
		return show(req, 422, refused_key(why));

	switch (auth_login(req->pool, AUTH_ROLE_USER, me->login, current,
			   req->client_ip, "webmail-password", &checked,
			   &retry)) {
	case AUTH_OK:
		break;
	case AUTH_BAD:
		log_info("event=webmail_password_refused user=%s ip=%s",
			 log_quote(me->login), log_quote(req->client_ip));
		return show(req, 403, "current_wrong");
	case AUTH_LIMITED:
		web_header_add(req, "Retry-After",
			       p_printf(req->pool, "%u", retry));
		wcs_set_int(req->hdf, "Page.RetryAfter", retry);
		return show(req, 429, "limited");
	case AUTH_ERROR:
	default:
		return web_fail(req, 503, "unavailable");
	}
	if (checked.id != me->id)
		return web_fail(req, 503, "unavailable");

	if (pw_hash(fresh, &hash) < 0)
		return web_fail(req, 500, "internal");
	c.req = req;
	c.hash = p_strdup(req->pool, hash);
	free(hash);
	ret = db_tx(change_tx, &c);
	if (ret != 0)
		return wm_settings_fail(req, "password_change");
	log_info("event=webmail_password_changed user=%s ip=%s",
		 log_quote(me->login), log_quote(req->client_ip));
	return web_redirect(req, "/settings/password?done=1");
}
