/*
 * sso.c - single sign-on from an outside portal: a signed login link.
 *
 *   GET /sso?user=ADDR&exp=UNIX&nonce=NONCE&sig=HEX
 *
 * The outside portal (an intranet, say) holds the SSO secret of the
 * user's domain (32 bytes, shown once as 64 hex digits by the domain
 * administrators' portal, kept sealed in domains.sso_secret_box) and
 * signs, with HMAC-SHA256 keyed with those 32 bytes, the canonical string
 *
 *   ADDR "|" UNIX "|" NONCE
 *
 * where ADDR is the user's address exactly as in the link (it is looked
 * up in lower case), UNIX the link's expiry in seconds since 1970 (plain
 * decimal digits), and NONCE 16 to 128 characters of A-Z a-z 0-9 '_' '-',
 * never used before with this domain. sig is the HMAC in hex (either
 * case). README.md has a worked example.
 *
 * The link is accepted when, in this order: it is well formed; the
 * address's domain has a secret; the signature matches (compared in
 * constant time); the expiry has not passed and is at most
 * WM_SSO_AHEAD_MAX seconds ahead; the user exists and the user and its
 * domain are active; the nonce is new. The nonce is stored (sso_nonces,
 * unique per domain) in the transaction that creates the session, so two
 * uses of one link cannot both succeed. Then the request gets a normal
 * web session, as a password login does, and goes on to /mail. Every
 * refusal is a 403 page that says why, and an audit_log row "sso.refused"
 * with the reason; a success is audited as "sso.login".
 *
 * The session cookie is SameSite=Strict, which a browser does not send
 * on a redirect that follows a navigation from another site; so when
 * the link was followed from another site (Sec-Fetch-Site: cross-site)
 * the answer is a page that continues to /mail by itself instead of a
 * redirect.
 *
 * SECURITY: everything in the link is untrusted; the secret is wiped
 * after use; nothing is said about an account until the signature has
 * proved that the domain's secret made the link. HEAD is refused, so a
 * link checker cannot use up the link.
 */
#include "config.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "auth.h"
#include "buf.h"
#include "db.h"
#include "log.h"
#include "pool.h"
#include "settings.h"
#include "sso-secret.h"
#include "strnum.h"
#include "web-cs.h"
#include "web-form.h"
#include "web-portal.h"
#include "web-req.h"
#include "web-session.h"

#define WM_SSO_AHEAD_MAX 60	/* seconds an expiry may lie ahead */
#define WM_SSO_USER_MAX 254
#define WM_SSO_NONCE_MIN 16
#define WM_SSO_NONCE_MAX 128
#define WM_SSO_EXP_MAX 20	/* digits */

struct sso_link {
	const char *user, *exp, *nonce, *sig;
	const char *domain_id;		/* once known */
	int64_t expires;
};

/* refuse - the 403 page with its reason, and the audit row */
static int refuse(struct web_req *req, const struct sso_link *l,
		  const char *reason)
{
	const char *params[5];

	params[0] = req->client_ip;
	params[1] = l->user != NULL && str_text_sane(l->user, WM_SSO_USER_MAX) ?
		l->user : NULL;
	params[2] = p_printf(req->pool, "{\"reason\":%s}",
			     str_json_quote(req->pool, reason));
	params[3] = l->domain_id;
	if (db_query(req->pool, "INSERT INTO audit_log (actor_role, actor,"
		     " client_ip, action, object, detail, domain_id)"
		     " VALUES ('sso', NULL, $1, 'sso.refused', $2, $3,"
		     " $4::bigint)", 4, params) == NULL)
		log_error("event=sso_audit_failed error=%s",
			  log_quote(db_error()));
	log_info("event=web_sso_refused ip=%s user=%s reason=%s",
		 log_quote(req->client_ip),
		 log_quote(params[1] != NULL ? params[1] : ""), reason);
	wcs_set(req->hdf, "Sso.Reason", reason);
	return web_render(req, 403, "sso.cs");
}

/* nonce_ok - WM_SSO_NONCE_MIN..MAX of A-Z a-z 0-9 _ - */
static bool nonce_ok(const char *s)
{
	size_t n = strlen(s);

	if (n < WM_SSO_NONCE_MIN || n > WM_SSO_NONCE_MAX)
		return false;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
			return false;
	return true;
}

/* well_formed - every field there and within its syntax */
static bool well_formed(struct sso_link *l)
{
	const char *at;
	uint64_t exp;

	if (l->user == NULL || l->exp == NULL || l->nonce == NULL ||
	    l->sig == NULL)
		return false;
	at = strrchr(l->user, '@');
	if (!str_text_sane(l->user, WM_SSO_USER_MAX) || at == NULL ||
	    at == l->user || at[1] == '\0' || strchr(l->user, '|') != NULL)
		return false;
	if (strlen(l->exp) > WM_SSO_EXP_MAX || str_to_u64(l->exp, &exp) < 0 ||
	    exp > INT64_MAX)
		return false;
	l->expires = (int64_t)exp;
	if (strlen(l->sig) != 2 * crypto_auth_hmacsha256_BYTES)
		return false;
	for (const char *p = l->sig; *p != '\0'; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') ||
		      (*p >= 'A' && *p <= 'F')))
			return false;
	return nonce_ok(l->nonce);
}

/* signature_ok - sig is the HMAC-SHA256 of the canonical string under
 * secret; the comparison takes the same time wherever they differ */
static bool signature_ok(struct pool *pool, const struct sso_link *l,
			 const unsigned char secret[SSO_SECRET_BYTES])
{
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	unsigned char sig[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256_state st;
	const char *msg = p_printf(pool, "%s|%s|%s", l->user, l->exp,
				   l->nonce);
	size_t len = 0;
	bool ok;

	if (sodium_hex2bin(sig, sizeof(sig), l->sig, strlen(l->sig), NULL,
			   &len, NULL) != 0 || len != sizeof(sig))
		return false;
	crypto_auth_hmacsha256_init(&st, secret, SSO_SECRET_BYTES);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)msg,
				      strlen(msg));
	crypto_auth_hmacsha256_final(&st, mac);
	ok = sodium_memcmp(mac, sig, sizeof(mac)) == 0;
	sodium_memzero(&st, sizeof(st));
	sodium_memzero(mac, sizeof(mac));
	return ok;
}

struct sso_login {
	struct web_req *req;
	const struct sso_link *l;
	const struct auth_principal *pr;
	bool replayed;
};

/* login_tx - use up the nonce; then the session, last login, audit */
static int login_tx(void *arg)
{
	struct sso_login *c = arg;
	struct web_req *req = c->req;
	const char *params[6];
	PGresult *res;

	params[0] = c->l->domain_id;
	params[1] = c->l->nonce;
	res = db_query(req->pool, "INSERT INTO sso_nonces (domain_id, nonce)"
		       " VALUES ($1::bigint, $2) ON CONFLICT DO NOTHING"
		       " RETURNING 1", 2, params);
	if (res == NULL)
		return -1;
	if (db_ntuples(res) != 1) {
		c->replayed = true;
		return 1;
	}
	if (web_session_create(req, c->pr) < 0)
		return -1;
	params[0] = p_printf(req->pool, "%" PRId64, c->pr->id);
	if (db_query(req->pool, "UPDATE users SET last_login_at = now()"
		     " WHERE id = $1::bigint", 1, params) == NULL)
		return -1;
	params[0] = c->pr->login;
	params[1] = req->client_ip;
	params[2] = p_printf(req->pool, "{\"service\":\"sso\",\"nonce\":%s}",
			     str_json_quote(req->pool, c->l->nonce));
	params[3] = c->l->domain_id;
	if (db_query(req->pool, "INSERT INTO audit_log (actor_role, actor,"
		     " client_ip, action, object, detail, domain_id)"
		     " VALUES ('user', $1, $2, 'sso.login', $1, $3,"
		     " $4::bigint)", 4, params) == NULL)
		return -1;
	return 0;
}

int wm_page_sso(struct web_req *req)
{
	struct sso_link l = { 0 };
	unsigned char secret[SSO_SECRET_BYTES];
	struct auth_principal pr;
	struct sso_login c;
	const char *params[2], *error, *site;
	PGresult *res;
	int64_t now = (int64_t)time(NULL), uid;
	bool ok;
	int ret;

	if (req->head_only)
		return web_fail(req, 405, "method");
	l.user = form_get(&req->query, "user");
	l.exp = form_get(&req->query, "exp");
	l.nonce = form_get(&req->query, "nonce");
	l.sig = form_get(&req->query, "sig");
	if (!well_formed(&l))
		return refuse(req, &l, "malformed");

	/* the domain's secret, and the signature */
	params[0] = strrchr(l.user, '@') + 1;
	res = db_query(req->pool, "SELECT id, status = 'active' FROM domains"
		       " WHERE name = lower($1)", 1, params);
	if (res == NULL)
		goto unavailable;
	if (db_ntuples(res) != 1)
		return refuse(req, &l, "no_secret");
	l.domain_id = db_value(res, 0, 0);
	ok = strcmp(db_value(res, 0, 1), "t") == 0;
	ret = sso_secret_fetch(req->pool, l.domain_id, secret, &error);
	if (ret < 0) {
		log_error("event=sso_secret_failed domain=%s error=%s",
			  l.domain_id, log_quote(error));
		goto unavailable;
	}
	if (ret == 0)
		return refuse(req, &l, "no_secret");
	ret = signature_ok(req->pool, &l, secret);
	sodium_memzero(secret, sizeof(secret));
	if (!ret)
		return refuse(req, &l, "bad_signature");

	/* the link's time, then the account */
	if (l.expires < now)
		return refuse(req, &l, "expired");
	if (l.expires > now + WM_SSO_AHEAD_MAX)
		return refuse(req, &l, "too_far_ahead");
	params[0] = l.user;
	params[1] = l.domain_id;
	res = db_query(req->pool, "SELECT id, status = 'active' AND"
		       " deleted_at IS NULL FROM users WHERE address ="
		       " lower($1) AND domain_id = $2::bigint", 2, params);
	if (res == NULL)
		goto unavailable;
	if (db_ntuples(res) != 1)
		return refuse(req, &l, "unknown_user");
	if (!ok || strcmp(db_value(res, 0, 1), "t") != 0 ||
	    str_to_int64(db_value(res, 0, 0), &uid) < 0)
		return refuse(req, &l, "disabled_user");
	ret = auth_lookup(req->pool, AUTH_ROLE_USER, uid, &pr);
	if (ret < 0)
		goto unavailable;
	if (ret == 0)
		return refuse(req, &l, "disabled_user");

	/* the nonce and the session, together */
	c.req = req;
	c.l = &l;
	c.pr = &pr;
	c.replayed = false;
	ret = db_tx(login_tx, &c);
	if (c.replayed)
		return refuse(req, &l, "replayed");
	if (ret != 0)
		goto unavailable;
	log_info("event=web_sso_login portal=%s login=%s ip=%s",
		 req->app->name, log_quote(pr.login),
		 log_quote(req->client_ip));
	site = web_param(req, "HTTP_SEC_FETCH_SITE");
	if (site != NULL && strcmp(site, "cross-site") == 0) {
		wcs_set(req->hdf, "Sso.Continue", "/mail");
		return web_render(req, 200, "sso.cs");
	}
	return web_redirect(req, "/mail");

unavailable:
	log_error("event=sso_failed error=%s", log_quote(db_error()));
	return web_fail(req, 503, "unavailable");
}
