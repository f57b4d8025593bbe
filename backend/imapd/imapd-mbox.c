/*
 * imapd-mbox.c - commands on a user's mailboxes as names: LIST (with
 * LIST-EXTENDED, LIST-STATUS, SPECIAL-USE, CHILDREN), LSUB, CREATE,
 * DELETE, RENAME, SUBSCRIBE, UNSUBSCRIBE, STATUS, NAMESPACE, the QUOTA
 * commands, and APPEND (its message streams into the blob store while
 * the client sends it).
 *
 * Names are stored in UTF-8 with "/" as the hierarchy delimiter; the
 * wire form is modified UTF-7. Every statement names the user, so no
 * name or id can reach another user's mailbox.
 */
#include "config.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "blob.h"
#include "buf.h"
#include "cfg.h"
#include "db.h"
#include "deliver.h"
#include "imap-utf7.h"
#include "imapd-private.h"
#include "log.h"
#include "mailbox.h"
#include "mime-meta.h"
#include "notify.h"
#include "pool.h"
#include "strnum.h"

#define IMAPD_NAME_MAX 512	/* octets of a mailbox name, UTF-8 */
#define IMAPD_NAME_DEPTH 16	/* levels of hierarchy */

static const char *user_param(struct imapd_session *s)
{
	return p_printf(s->cmd, "%" PRId64, s->user_id);
}

int imapd_find_mailbox(struct imapd_session *s, const char *name,
		       int64_t *id_r, uint32_t *uidvalidity_r)
{
	const char *params[2] = { user_param(s), name };
	PGresult *res;

	res = db_query(s->cmd, "SELECT id, uidvalidity FROM mailboxes"
		       " WHERE user_id = $1::bigint AND name = $2", 2, params);
	if (res == NULL)
		return -1;
	if (db_ntuples(res) != 1)
		return 0;
	*id_r = imapd_i64(res, 0, 0);
	if (uidvalidity_r != NULL)
		*uidvalidity_r = (uint32_t)imapd_i64(res, 0, 1);
	return 1;
}

/* name_valid - a name we can create: not empty, no empty level, no
 * control characters, bounded length and depth */
static bool name_valid(const char *name)
{
	unsigned int depth = 1;
	size_t len = strlen(name);

	if (len == 0 || len > IMAPD_NAME_MAX || name[0] == '/' ||
	    name[len - 1] == '/' || strstr(name, "//") != NULL)
		return false;
	for (const char *p = name; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f || *p == '*' ||
		    *p == '%')
			return false;
		if (*p == '/' && ++depth > IMAPD_NAME_DEPTH)
			return false;
	}
	return true;
}

/* ==== pattern matching (LIST) =========================================== */

/* glob - RFC 3501 6.3.8: "*" matches anything, "%" anything but "/";
 * dynamic programming, so no pattern can take exponential time */
static bool glob(struct pool *pool, const char *pat, const char *name)
{
	size_t np = strlen(pat), nn = strlen(name);
	bool *prev = p_alloc(pool, nn + 1), *cur = p_alloc(pool, nn + 1);

	memset(prev, 0, nn + 1);
	prev[0] = true;
	for (size_t i = 1; i <= np; i++) {
		char c = pat[i - 1];

		cur[0] = prev[0] && (c == '*' || c == '%');
		for (size_t j = 1; j <= nn; j++) {
			if (c == '*')
				cur[j] = prev[j] || cur[j - 1];
			else if (c == '%')
				cur[j] = prev[j] ||
					(cur[j - 1] && name[j - 1] != '/');
			else
				cur[j] = prev[j - 1] && c == name[j - 1];
		}
		memcpy(prev, cur, nn + 1);
	}
	return prev[nn];
}

/* match - with INBOX compared without case */
static bool match(struct pool *pool, const char *pat, const char *name)
{
	if (strncmp(name, "INBOX", 5) == 0 && strncasecmp(pat, "INBOX", 5) == 0)
		return glob(pool, p_printf(pool, "INBOX%s", pat + 5), name);
	return glob(pool, pat, name);
}

/* ==== LIST / LSUB ======================================================= */

struct list_opts {
	bool subscribed_only;	/* LSUB or (SUBSCRIBED) */
	bool recursive;		/* RECURSIVEMATCH */
	bool special_only;	/* (SPECIAL-USE) selection */
	bool ret_subscribed;
	bool ret_children;
	bool ret_special;
	const char *status;	/* RETURN (STATUS (...)) items, or NULL */
	bool extended;
};

static int parse_status_items(struct imapd_session *s,
			      const struct imap_arg *arg, const char **items_r);

static void status_line(struct imapd_session *s, const char *name,
			const char *items);

void imapd_cmd_list(struct imapd_session *s, bool lsub)
{
	const struct imap_cmd *cmd = s->cur;
	const struct imap_arg *args = cmd->args, *list;
	unsigned int nargs = cmd->count, npat, nl;
	struct list_opts o = { .subscribed_only = lsub };
	const char *ref, *params[1], **pats;
	size_t reflen;
	PGresult *res;

	if (!lsub && nargs > 0 && args[0].type == IMAP_ARG_LIST) {
		(void)imap_arg_get_list(&args[0], &list, &nl);
		o.extended = true;
		for (unsigned int i = 0; i < nl; i++) {
			if (imap_arg_atom_eq(&list[i], "SUBSCRIBED"))
				o.subscribed_only = o.ret_subscribed = true;
			else if (imap_arg_atom_eq(&list[i], "RECURSIVEMATCH"))
				o.recursive = true;
			else if (imap_arg_atom_eq(&list[i], "SPECIAL-USE"))
				o.special_only = o.ret_special = true;
			else if (imap_arg_atom_eq(&list[i], "REMOTE"))
				;
			else
				goto bad;
		}
		if (o.recursive && !o.subscribed_only)
			goto bad;
		args++;
		nargs--;
	}
	if (nargs < 2 || !imap_arg_get_astring(&args[0], &ref, &reflen))
		goto bad;
	/* patterns: one mailbox-pattern, or a list of them */
	if (args[1].type == IMAP_ARG_LIST && !lsub) {
		(void)imap_arg_get_list(&args[1], &list, &npat);
		o.extended = true;
	} else {
		list = &args[1];
		npat = 1;
	}
	pats = p_alloc(s->cmd, (npat + 1) * sizeof(*pats));
	for (unsigned int i = 0; i < npat; i++) {
		const char *p, *utf8, *error;
		size_t plen;

		if (!imap_arg_get_astring(&list[i], &p, &plen) &&
		    list[i].type != IMAP_ARG_ATOM)
			goto bad;
		if (list[i].type == IMAP_ARG_ATOM)
			p = list[i].str;
		p = p_printf(s->cmd, "%s%s", ref, p);
		if (imap_utf7_to_utf8(s->cmd, p, strlen(p), &utf8, &error) < 0)
			utf8 = NULL;	/* matches nothing */
		pats[i] = utf8;
	}
	if (nargs >= 3) {
		const struct imap_arg *r;
		unsigned int nr;

		if (lsub || nargs != 4 || !imap_arg_atom_eq(&args[2], "RETURN") ||
		    !imap_arg_get_list(&args[3], &r, &nr))
			goto bad;
		for (unsigned int i = 0; i < nr; i++) {
			if (imap_arg_atom_eq(&r[i], "SUBSCRIBED"))
				o.ret_subscribed = true;
			else if (imap_arg_atom_eq(&r[i], "CHILDREN"))
				o.ret_children = true;
			else if (imap_arg_atom_eq(&r[i], "SPECIAL-USE"))
				o.ret_special = true;
			else if (imap_arg_atom_eq(&r[i], "STATUS") &&
				 i + 1 < nr) {
				if (parse_status_items(s, &r[++i],
						       &o.status) < 0)
					return;
			} else
				goto bad;
		}
	}

	/* LIST "" "": the delimiter and root */
	if (npat == 1 && pats[0] != NULL && pats[0][0] == '\0' &&
	    !o.extended) {
		imapd_out(s, "* %s (\\Noselect) \"/\" \"\"\r\n",
			  lsub ? "LSUB" : "LIST");
		imapd_tagged(s, "OK", "%s completed", cmd->name);
		return;
	}
	params[0] = user_param(s);
	res = db_query(s->cmd,
		"SELECT m.name, COALESCE(m.special_use, ''), m.subscribed,"
		" EXISTS (SELECT 1 FROM mailboxes c WHERE c.parent_id = m.id),"
		" EXISTS (SELECT 1 FROM mailboxes c WHERE c.parent_id = m.id"
		"  AND c.subscribed)"
		" FROM mailboxes m WHERE m.user_id = $1::bigint"
		" ORDER BY m.name <> 'INBOX', m.name", 1, params);
	if (res == NULL) {
		imapd_db_fail(s);
		return;
	}
	for (int i = 0; i < db_ntuples(res); i++) {
		const char *name = db_value(res, i, 0);
		const char *special = db_value(res, i, 1);
		bool subscribed = db_value(res, i, 2)[0] == 't';
		bool children = db_value(res, i, 3)[0] == 't';
		bool sub_children = db_value(res, i, 4)[0] == 't';
		bool matched = false, child_info = false;
		struct buf *attrs = buf_new_pool(s->cmd, 0);

		for (unsigned int j = 0; j < npat && !matched; j++)
			matched = pats[j] != NULL && match(s->cmd, pats[j], name);
		if (!matched)
			continue;
		if (o.subscribed_only && !subscribed) {
			if (!(o.recursive && sub_children))
				continue;
			child_info = true;
		}
		if (o.special_only && special[0] == '\0')
			continue;
		buf_adds(attrs, children ? "\\HasChildren" :
				     "\\HasNoChildren");
		if (strcmp(name, "INBOX") != 0 && special[0] != '\0' &&
		    (o.ret_special || !o.extended))
			buf_addf(attrs, " %s", special);
		if ((o.ret_subscribed || lsub) && subscribed && !lsub)
			buf_adds(attrs, " \\Subscribed");
		imapd_out(s, "* %s (%s) \"/\" %s", lsub ? "LSUB" : "LIST",
			  attrs->data, imapd_mailbox_wire(s, name));
		if (child_info)
			imapd_out(s, " (\"CHILDINFO\" (\"SUBSCRIBED\"))");
		imapd_out(s, "\r\n");
		if (o.status != NULL)
			status_line(s, name, o.status);
	}
	imapd_tagged(s, "OK", "%s completed", cmd->name);
	return;
bad:
	imapd_tagged(s, "BAD", "Invalid %s arguments", cmd->name);
}

/* ==== STATUS ============================================================ */

/* parse_status_items - "(MESSAGES UNSEEN ...)" checked and upper-cased */
static int parse_status_items(struct imapd_session *s,
			      const struct imap_arg *arg, const char **items_r)
{
	static const char *const known[] = {
		"MESSAGES", "RECENT", "UIDNEXT", "UIDVALIDITY", "UNSEEN",
		"HIGHESTMODSEQ", "SIZE", "DELETED",
	};
	const struct imap_arg *list;
	unsigned int n;
	struct buf *b = buf_new_pool(s->cmd, 0);

	if (!imap_arg_get_list(arg, &list, &n) || n == 0)
		goto bad;
	for (unsigned int i = 0; i < n; i++) {
		bool ok = false;

		for (size_t k = 0; k < sizeof(known) / sizeof(known[0]); k++) {
			if (imap_arg_atom_eq(&list[i], known[k])) {
				buf_addf(b, "%s%s", b->len ? " " : "",
						 known[k]);
				ok = true;
			}
		}
		if (!ok)
			goto bad;
	}
	*items_r = b->data;
	return 0;
bad:
	imapd_tagged(s, "BAD", "Invalid status items");
	return -1;
}

/* status_text - "MESSAGES 3 UNSEEN 1" for a mailbox; NULL if none, "" on
 * a database error (answered by the caller) */
static const char *status_text(struct imapd_session *s, const char *name,
			       const char *items, bool *error_r)
{
	const char *params[4] = { user_param(s), name };
	PGresult *res;
	struct buf *b = buf_new_pool(s->cmd, 0);
	char *copy = p_strdup(s->cmd, items), *save = NULL;

	/* MESSAGES and UNSEEN are kept in the mailbox row (by triggers);
	   SIZE and DELETED are counted only when asked for: a STATUS of a
	   small folder must not read a big one's rows */
	params[2] = strstr(items, "SIZE") != NULL ? "t" : "f";
	params[3] = strstr(items, "DELETED") != NULL ? "t" : "f";
	*error_r = false;
	res = db_query(s->cmd,
		"SELECT mb.message_count, mb.unseen_count,"
		" mb.uidnext, mb.uidvalidity, mb.highestmodseq,"
		" CASE WHEN $3::boolean THEN (SELECT COALESCE(sum(m.size), 0)"
		"  FROM messages m WHERE m.mailbox_id = mb.id) ELSE 0 END,"
		" CASE WHEN $4::boolean THEN (SELECT count(*) FROM messages m"
		"  WHERE m.mailbox_id = mb.id"
		"  AND m.flags @> '{\"\\\\Deleted\"}') ELSE 0 END"
		" FROM mailboxes mb"
		" WHERE mb.user_id = $1::bigint AND mb.name = $2", 4, params);
	if (res == NULL) {
		*error_r = true;
		return NULL;
	}
	if (db_ntuples(res) != 1)
		return NULL;
	for (char *it = strtok_r(copy, " ", &save); it != NULL;
	     it = strtok_r(NULL, " ", &save)) {
		const char *v = "0";

		if (strcmp(it, "MESSAGES") == 0)
			v = db_value(res, 0, 0);
		else if (strcmp(it, "UNSEEN") == 0)
			v = db_value(res, 0, 1);
		else if (strcmp(it, "UIDNEXT") == 0)
			v = db_value(res, 0, 2);
		else if (strcmp(it, "UIDVALIDITY") == 0)
			v = db_value(res, 0, 3);
		else if (strcmp(it, "HIGHESTMODSEQ") == 0)
			v = db_value(res, 0, 4);
		else if (strcmp(it, "SIZE") == 0)
			v = db_value(res, 0, 5);
		else if (strcmp(it, "DELETED") == 0)
			v = db_value(res, 0, 6);
		buf_addf(b, "%s%s %s", b->len ? " " : "", it, v);
	}
	return b->data != NULL ? b->data : "";
}

static void status_line(struct imapd_session *s, const char *name,
			const char *items)
{
	bool error;
	const char *text = status_text(s, name, items, &error);

	if (text != NULL)
		imapd_out(s, "* STATUS %s (%s)\r\n",
			  imapd_mailbox_wire(s, name), text);
}

void imapd_cmd_status(struct imapd_session *s)
{
	const struct imap_cmd *cmd = s->cur;
	const char *name, *items, *text;
	bool error;

	if (cmd->count != 2) {
		imapd_tagged(s, "BAD", "Usage: STATUS mailbox (items)");
		return;
	}
	name = imapd_mailbox_arg(s, &cmd->args[0]);
	if (name == NULL || parse_status_items(s, &cmd->args[1], &items) < 0)
		return;
	text = status_text(s, name, items, &error);
	if (error) {
		imapd_db_fail(s);
		return;
	}
	if (text == NULL) {
		imapd_tagged(s, "NO", "[NONEXISTENT] Mailbox does not exist");
		return;
	}
	imapd_out(s, "* STATUS %s (%s)\r\n", imapd_mailbox_wire(s, name), text);
	imapd_tagged(s, "OK", "Status completed");
}

/* ==== CREATE / DELETE / RENAME ========================================== */

/* create_one - one mailbox row, its parent looked up by name; 1 made, 0
 * it existed, -1 error. UIDVALIDITY mixes the time with the row id, so a
 * name deleted and made again never gets its old value back. */
static int create_one(struct imapd_session *s, const char *name)
{
	const char *slash = strrchr(name, '/');
	const char *params[3];
	PGresult *res;

	params[0] = user_param(s);
	params[1] = name;
	params[2] = slash != NULL ? p_strndup(s->cmd, name,
					      (size_t)(slash - name)) : NULL;
	res = db_query(s->cmd,
		"INSERT INTO mailboxes (id, user_id, name, parent_id,"
		" uidvalidity, subscribed)"
		" SELECT n.v, $1::bigint, $2,"
		"  (SELECT id FROM mailboxes WHERE user_id = $1::bigint"
		"   AND name = $3),"
		"  ((extract(epoch FROM now())::bigint + n.v * 7919)"
		"   % 4294967295) + 1, false"
		" FROM (SELECT nextval(pg_get_serial_sequence('mailboxes',"
		"  'id')) AS v) n"
		" ON CONFLICT (user_id, name) DO NOTHING RETURNING id",
		3, params);
	if (res == NULL)
		return -1;
	return db_ntuples(res) == 1 ? 1 : 0;
}

/* create_parents - every missing level above name */
static int create_parents(struct imapd_session *s, const char *name)
{
	for (const char *p = strchr(name, '/'); p != NULL;
	     p = strchr(p + 1, '/'))
		if (create_one(s, p_strndup(s->cmd, name,
					    (size_t)(p - name))) < 0)
			return -1;
	return 0;
}

void imapd_cmd_create(struct imapd_session *s)
{
	const struct imap_cmd *cmd = s->cur;
	const char *name;
	char *trimmed;
	int ret;

	if (cmd->count < 1 || cmd->count > 2) {
		imapd_tagged(s, "BAD", "Usage: CREATE mailbox");
		return;
	}
	name = imapd_mailbox_arg(s, &cmd->args[0]);
	if (name == NULL)
		return;
	/* "foo/" asks for foo as a parent of names to come: make foo */
	trimmed = p_strdup(s->cmd, name);
	if (strlen(trimmed) > 1 && trimmed[strlen(trimmed) - 1] == '/')
		trimmed[strlen(trimmed) - 1] = '\0';
	if (strcmp(trimmed, "INBOX") == 0) {
		imapd_tagged(s, "NO", "[ALREADYEXISTS] INBOX always exists");
		return;
	}
	if (!name_valid(trimmed)) {
		imapd_tagged(s, "NO", "[CANNOT] Invalid mailbox name");
		return;
	}
	if (db_begin() < 0) {
		imapd_db_fail(s);
		return;
	}
	ret = create_parents(s, trimmed);
	if (ret == 0)
		ret = create_one(s, trimmed);
	if (ret < 0 || db_commit() < 0) {
		db_rollback();
		imapd_db_fail(s);
		return;
	}
	if (ret == 0)
		imapd_tagged(s, "NO", "[ALREADYEXISTS] Mailbox already exists");
	else
		imapd_tagged(s, "OK", "Create completed");
}

void imapd_cmd_delete(struct imapd_session *s)
{
	const struct imap_cmd *cmd = s->cur;
	const char *name, *params[2];
	PGresult *res;

	if (cmd->count != 1) {
		imapd_tagged(s, "BAD", "Usage: DELETE mailbox");
		return;
	}
	name = imapd_mailbox_arg(s, &cmd->args[0]);
	if (name == NULL)
		return;
	if (strcmp(name, "INBOX") == 0) {
		imapd_tagged(s, "NO", "[CANNOT] INBOX cannot be deleted");
		return;
	}
	params[0] = user_param(s);
	params[1] = name;
	/* the quota is given back; messages go with the mailbox (their
	   blobs' reference counts drop through the table triggers) */
	res = db_query(s->cmd,
		"WITH mb AS (SELECT id, EXISTS (SELECT 1 FROM mailboxes c"
		"  WHERE c.parent_id = mailboxes.id) AS children"
		"  FROM mailboxes WHERE user_id = $1::bigint AND name = $2),"
		" sz AS (SELECT COALESCE(sum(size), 0) AS s FROM messages"
		"  WHERE mailbox_id = (SELECT id FROM mb)),"
		" del AS (DELETE FROM mailboxes WHERE id = (SELECT id FROM mb)"
		"  AND NOT (SELECT children FROM mb) RETURNING id),"
		" u AS (UPDATE users SET used_bytes = GREATEST(0, used_bytes -"
		"  (SELECT s FROM sz)) WHERE id = $1::bigint"
		"  AND EXISTS (SELECT 1 FROM del))"
		" SELECT (SELECT count(*) FROM mb), (SELECT children FROM mb),"
		"  (SELECT id FROM del)", 2, params);
	if (res == NULL) {
		imapd_db_fail(s);
		return;
	}
	if (imapd_i64(res, 0, 0) == 0) {
		imapd_tagged(s, "NO", "[NONEXISTENT] Mailbox does not exist");
		return;
	}
	if (db_value(res, 0, 2) == NULL) {
		imapd_tagged(s, "NO", "[INUSE] Mailbox has children, delete"
			     " them first");
		return;
	}
	mbox_notify(imapd_i64(res, 0, 2));
	if (s->state == IMAPD_SELECTED &&
	    s->view.mailbox_id == imapd_i64(res, 0, 2)) {
		imapd_view_reset(s);
		imapd_out(s, "* BYE Selected mailbox was deleted\r\n");
		s->state = IMAPD_LOGOUT;
	}
	imapd_tagged(s, "OK", "Delete completed");
}

/* rename_inbox - RFC 3501 6.3.5: move INBOX's messages to a new mailbox
 * (they keep their UIDs there); INBOX stays, empty */
static int rename_inbox(struct imapd_session *s, const char *to)
{
	const char *params[2] = { user_param(s), to };
	PGresult *res;

	if (create_parents(s, to) < 0 || create_one(s, to) < 0)
		return -1;
	res = db_query(s->cmd,
		"WITH inbox AS (UPDATE mailboxes SET"
		"  highestmodseq = highestmodseq + 1"
		"  WHERE user_id = $1::bigint AND name = 'INBOX'"
		"  RETURNING id, uidnext, highestmodseq),"
		" dst AS (UPDATE mailboxes SET uidnext = (SELECT uidnext FROM"
		"  inbox) WHERE user_id = $1::bigint AND name = $2 RETURNING id),"
		" mv AS (UPDATE messages SET mailbox_id = (SELECT id FROM dst)"
		"  WHERE mailbox_id = (SELECT id FROM inbox) RETURNING uid),"
		" ex AS (INSERT INTO expunged (mailbox_id, uid, modseq)"
		"  SELECT (SELECT id FROM inbox), uid, (SELECT highestmodseq"
		"  FROM inbox) FROM mv ON CONFLICT (mailbox_id, uid)"
		"  DO UPDATE SET modseq = EXCLUDED.modseq)"
		" SELECT (SELECT id FROM inbox)", 2, params);
	if (res == NULL)
		return -1;
	mbox_notify(imapd_i64(res, 0, 0));
	return 0;
}

void imapd_cmd_rename(struct imapd_session *s)
{
	const struct imap_cmd *cmd = s->cur;
	const char *from, *to, *params[4], *parent;
	const char *slash;
	PGresult *res;
	int64_t id;

	if (cmd->count != 2) {
		imapd_tagged(s, "BAD", "Usage: RENAME from to");
		return;
	}
	from = imapd_mailbox_arg(s, &cmd->args[0]);
	if (from == NULL)
		return;
	to = imapd_mailbox_arg(s, &cmd->args[1]);
	if (to == NULL)
		return;
	if (!name_valid(to) || strcmp(to, "INBOX") == 0) {
		imapd_tagged(s, "NO", "[CANNOT] Invalid target name");
		return;
	}
	switch (imapd_find_mailbox(s, to, &id, NULL)) {
	case -1:
		imapd_db_fail(s);
		return;
	case 1:
		imapd_tagged(s, "NO", "[ALREADYEXISTS] Target mailbox exists");
		return;
	}
	switch (imapd_find_mailbox(s, from, &id, NULL)) {
	case -1:
		imapd_db_fail(s);
		return;
	case 0:
		imapd_tagged(s, "NO", "[NONEXISTENT] Mailbox does not exist");
		return;
	}
	if (strncmp(to, from, strlen(from)) == 0 && to[strlen(from)] == '/') {
		imapd_tagged(s, "NO", "[CANNOT] Cannot move a mailbox under"
			     " itself");
		return;
	}
	if (db_begin() < 0) {
		imapd_db_fail(s);
		return;
	}
	if (strcmp(from, "INBOX") == 0) {
		if (rename_inbox(s, to) < 0)
			goto fail;
	} else {
		if (create_parents(s, to) < 0)
			goto fail;
		slash = strrchr(to, '/');
		parent = slash != NULL ? p_strndup(s->cmd, to,
						   (size_t)(slash - to)) : NULL;
		params[0] = user_param(s);
		params[1] = from;
		params[2] = to;
		params[3] = parent;
		/* the mailbox and everything under it */
		res = db_query(s->cmd,
			"UPDATE mailboxes SET name = $3::text || substr(name,"
			" length($2::text) + 1) WHERE user_id = $1::bigint AND"
			" (name = $2::text OR left(name, length($2::text) + 1)"
			" = $2::text || '/')",
			3, params);
		if (res == NULL)
			goto fail;
		params[1] = to;
		params[2] = parent;
		res = db_query(s->cmd,
			"UPDATE mailboxes SET parent_id = (SELECT id FROM"
			" mailboxes WHERE user_id = $1::bigint AND name ="
			" $3::text) WHERE user_id = $1::bigint AND name ="
			" $2::text", 3, params);
		if (res == NULL)
			goto fail;
	}
	if (db_commit() < 0)
		goto fail;
	if (s->state == IMAPD_SELECTED && strcmp(s->view.name, from) == 0)
		s->view.name = p_strdup(s->pool, to);
	imapd_tagged(s, "OK", "Rename completed");
	return;
fail:
	db_rollback();
	imapd_db_fail(s);
}

void imapd_cmd_subscribe(struct imapd_session *s, bool on)
{
	const struct imap_cmd *cmd = s->cur;
	const char *name, *params[3];
	PGresult *res;

	if (cmd->count != 1) {
		imapd_tagged(s, "BAD", "Usage: %s mailbox", cmd->name);
		return;
	}
	name = imapd_mailbox_arg(s, &cmd->args[0]);
	if (name == NULL)
		return;
	params[0] = user_param(s);
	params[1] = name;
	params[2] = on ? "t" : "f";
	res = db_query(s->cmd, "UPDATE mailboxes SET subscribed = $3::boolean"
		       " WHERE user_id = $1::bigint AND name = $2", 3, params);
	if (res == NULL) {
		imapd_db_fail(s);
		return;
	}
	if (strcmp(PQcmdTuples(res), "0") == 0) {
		imapd_tagged(s, "NO", "[NONEXISTENT] Mailbox does not exist");
		return;
	}
	imapd_tagged(s, "OK", "%s completed", cmd->name);
}

void imapd_cmd_namespace(struct imapd_session *s)
{
	imapd_out(s, "* NAMESPACE ((\"\" \"/\")) NIL NIL\r\n");
	imapd_tagged(s, "OK", "Namespace completed");
}

/* ==== QUOTA (RFC 9208) ================================================== */

/* quota - the user's limit and use in bytes; -1 error */
static int quota(struct imapd_session *s, uint64_t *limit_r, uint64_t *used_r)
{
	const char *params[1] = { user_param(s) };
	PGresult *res;

	res = db_query(s->cmd, "SELECT " DELIVER_QUOTA_EXPR ", u.used_bytes"
		       DELIVER_QUOTA_FROM " WHERE u.id = $1::bigint", 1,
		       params);
	if (res == NULL || db_ntuples(res) != 1)
		return -1;
	*limit_r = (uint64_t)imapd_i64(res, 0, 0);
	*used_r = (uint64_t)imapd_i64(res, 0, 1);
	return 0;
}

void imapd_cmd_getquota(struct imapd_session *s, bool root)
{
	const struct imap_cmd *cmd = s->cur;
	uint64_t limit, used;
	const char *arg;
	size_t len;

	if (cmd->count != 1 || !imap_arg_get_astring(&cmd->args[0], &arg,
						     &len)) {
		imapd_tagged(s, "BAD", "Usage: %s %s", cmd->name,
			     root ? "mailbox" : "root");
		return;
	}
	if (quota(s, &limit, &used) < 0) {
		imapd_db_fail(s);
		return;
	}
	if (root) {
		const char *name = imapd_mailbox_arg(s, &cmd->args[0]);
		int64_t id;

		if (name == NULL)
			return;
		switch (imapd_find_mailbox(s, name, &id, NULL)) {
		case -1:
			imapd_db_fail(s);
			return;
		case 0:
			imapd_tagged(s, "NO", "[NONEXISTENT] Mailbox does not"
				     " exist");
			return;
		}
		imapd_out(s, "* QUOTAROOT %s%s\r\n",
			  imapd_mailbox_wire(s, name), limit > 0 ? " \"\"" : "");
	} else if (arg[0] != '\0' || limit == 0) {
		imapd_tagged(s, "NO", "[NONEXISTENT] No such quota root");
		return;
	}
	if (limit > 0)
		imapd_out(s, "* QUOTA \"\" (STORAGE %" PRIu64 " %" PRIu64 ")\r\n",
			  (used + 1023) / 1024, limit / 1024);
	imapd_tagged(s, "OK", "%s completed", cmd->name);
}

void imapd_cmd_setquota(struct imapd_session *s)
{
	imapd_tagged(s, "NO", "[NOPERM] Quotas are set by the administrator");
}

/* ==== APPEND ============================================================ */

struct imapd_append {
	struct blob_writer *bw;
	int64_t mailbox_id;
	uint32_t uidvalidity;
	const char *flags;	/* text[] literal or NULL */
	const char *date;	/* timestamptz text or NULL */
	uint64_t size;
	bool failed;
};

static const char *const months[] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

/* parse_date_time - RFC 3501 date-time "dd-Mon-yyyy hh:mm:ss +zzzz" as
 * ISO 8601 text for PostgreSQL; NULL when malformed */
static const char *parse_date_time(struct pool *pool, const char *s)
{
	unsigned int d, y, hh, mm, ss, zh, zm, mon = 0;
	char mname[4], sign;
	int n = 0;

	if (strlen(s) != 26 ||
	    sscanf(s[0] == ' ' ? s + 1 : s, "%u-%3c-%u %u:%u:%u %c%2u%2u%n",
		   &d, mname, &y, &hh, &mm, &ss, &sign, &zh, &zm, &n) != 9)
		return NULL;
	mname[3] = '\0';
	for (unsigned int i = 0; i < 12; i++)
		if (strcasecmp(mname, months[i]) == 0)
			mon = i + 1;
	if (mon == 0 || d < 1 || d > 31 || y < 1000 || y > 9999 || hh > 23 ||
	    mm > 59 || ss > 60 || zh > 23 || zm > 59 ||
	    (sign != '+' && sign != '-'))
		return NULL;
	return p_printf(pool, "%04u-%02u-%02u %02u:%02u:%02u%c%02u:%02u", y,
			mon, d, hh, mm, ss, sign, zh, zm);
}

int imapd_append_begin(struct imapd_session *s)
{
	const struct imap_cmd *cmd = s->cur;
	const struct imap_literal_info *li = NULL;
	struct imapd_append *a;
	const char *name, *error;
	uint64_t limit, used;
	int found;

	(void)li;
	imapd_append_abort(s);
	name = imapd_mailbox_arg(s, &cmd->args[0]);
	if (name == NULL)
		return -1;
	a = p_alloc(s->cmd, sizeof(*a));
	memset(a, 0, sizeof(*a));
	for (unsigned int i = 1; i < cmd->count; i++) {
		const struct imap_arg *arg = &cmd->args[i];

		if (arg->type == IMAP_ARG_LIST && a->flags == NULL &&
		    a->date == NULL) {
			a->flags = imapd_flags_array(s, arg, 1);
			if (a->flags == NULL) {
				imapd_tagged(s, "BAD", "Invalid flag");
				return -1;
			}
		} else if (arg->type == IMAP_ARG_STRING && a->date == NULL) {
			a->date = parse_date_time(s->cmd, arg->str);
			if (a->date == NULL) {
				imapd_tagged(s, "BAD", "Invalid date-time");
				return -1;
			}
		} else {
			imapd_tagged(s, "BAD", "Invalid APPEND arguments");
			return -1;
		}
	}
	found = imapd_find_mailbox(s, name, &a->mailbox_id, &a->uidvalidity);
	if (found < 0) {
		imapd_db_fail(s);
		return -1;
	}
	if (found == 0) {
		imapd_tagged(s, "NO", "[TRYCREATE] Mailbox does not exist");
		return -1;
	}
	if (quota(s, &limit, &used) < 0) {
		imapd_db_fail(s);
		return -1;
	}
	li = imap_parser_literal_info(s->parser);
	if (limit > 0 && used + li->size > limit) {
		imapd_tagged(s, "NO", "[OVERQUOTA] Quota exceeded");
		return -1;
	}
	if (blob_writer_open(s->cmd, cfg.blob_dir, &a->bw, &error) < 0) {
		log_error("event=append_failed session=%s error=%s", s->id,
			  log_quote(error));
		imapd_tagged(s, "NO", "[SERVERBUG] Cannot store the message");
		return -1;
	}
	s->append = a;
	return 0;
}

int imapd_append_sink(void *ctx, const char *data, size_t len, bool last)
{
	struct imapd_session *s = ctx;
	struct imapd_append *a = s->append;
	const char *error;

	(void)last;
	if (a == NULL || a->failed)
		return -1;
	if (len > 0 && blob_writer_write(a->bw, data, len, &error) < 0) {
		log_error("event=append_failed session=%s error=%s", s->id,
			  log_quote(error));
		a->failed = true;
		return -1;
	}
	a->size += len;
	return 0;
}

void imapd_append_abort(struct imapd_session *s)
{
	if (s->append != NULL && s->append->bw != NULL)
		blob_writer_abort(&s->append->bw);
	s->append = NULL;
}

void imapd_cmd_append(struct imapd_session *s)
{
	const struct imap_cmd *cmd = s->cur;
	struct imapd_append *a = s->append;
	char sha[BLOB_SHA_HEX_LEN + 1];
	const char *error;
	struct mime_meta *meta;
	struct deliver_msg msg;
	struct deliver_rcpt rcpt;
	struct deliver_target target;
	uint64_t size;
	uint32_t uid;
	int fd = -1, ret;

	if (a == NULL || cmd->count < 2 ||
	    cmd->args[cmd->count - 1].type != IMAP_ARG_LITERAL ||
	    !cmd->args[cmd->count - 1].streamed) {
		imapd_append_abort(s);
		imapd_tagged(s, "BAD", "Usage: APPEND mailbox [(flags)]"
			     " [date-time] {size}");
		return;
	}
	if (a->size == 0) {
		imapd_append_abort(s);
		imapd_tagged(s, "NO", "Empty message");
		return;
	}
	if (blob_writer_commit(a->bw, sha, &size, &error) < 0) {
		a->bw = NULL;
		imapd_append_abort(s);
		log_error("event=append_failed session=%s error=%s", s->id,
			  log_quote(error));
		imapd_tagged(s, "NO", "[SERVERBUG] Cannot store the message");
		return;
	}
	a->bw = NULL;
	s->append = NULL;
	if (blob_open_read(s->cmd, cfg.blob_dir, sha, &fd, &size, &error) < 0 ||
	    mime_meta_parse_fd(s->cmd, fd, NULL, &meta, &error) < 0) {
		if (fd >= 0)
			close(fd);
		log_error("event=append_failed session=%s error=%s", s->id,
			  log_quote(error));
		imapd_tagged(s, "NO", "[SERVERBUG] Cannot read the message");
		return;
	}
	close(fd);
	memset(&msg, 0, sizeof(msg));
	msg.sha = sha;
	msg.size = size;
	msg.meta = meta;
	msg.sender = "";
	msg.remote = s->c.ip;
	msg.queue_id = s->id;
	rcpt.user_id = s->user_id;
	rcpt.domain_id = s->domain_id;
	rcpt.addr = s->login;
	memset(&target, 0, sizeof(target));
	target.mailbox_id = a->mailbox_id;
	target.flags = a->flags;
	target.internal_date = a->date;
	/* "OK" to an APPEND promises the message survives a crash */
	if (db_begin() < 0) {
		imapd_db_fail(s);
		return;
	}
	ret = imapd_durable(s) < 0 ? -1 :
		deliver_to_mailbox(s->cmd, &msg, &rcpt, &target, &uid);
	if (ret < 0 || db_commit() < 0) {
		db_rollback();
		imapd_db_fail(s);
		return;
	}
	mbox_notify(a->mailbox_id);
	mbox_notify(a->mailbox_id);
	if (ret == 0) {
		imapd_tagged(s, "NO", "[OVERQUOTA] Quota exceeded");
		return;
	}
	if (s->state == IMAPD_SELECTED && imapd_sync(s, false) < 0) {
		imapd_db_fail(s);
		return;
	}
	imapd_tagged(s, "OK", "[APPENDUID %" PRIu32 " %" PRIu32 "] Append"
		     " completed", a->uidvalidity, uid);
}
