/*
 * imapd-fetch.c - FETCH and UID FETCH (RFC 3501 6.4.5, BINARY RFC 3516,
 * CONDSTORE/QRESYNC RFC 7162).
 *
 * The rows come from PostgreSQL in one query; each message's bytes are
 * mapped from the blob store only when an item needs them (ENVELOPE
 * reads just the header). Responses are produced one message at a time
 * as the client reads them: a message's response is a list of pieces,
 * text made here or ranges of the mapped blob, copied to the output
 * buffer while it is below its high-water mark, so a 50 MB BODY[] never
 * sits in memory twice and a slow client holds only its own session.
 */
#include "config.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blob.h"
#include "buf.h"
#include "cfg.h"
#include "db.h"
#include "imap-fetch.h"
#include "imap-mime.h"
#include "imapd-private.h"
#include "log.h"
#include "mailbox.h"
#include "notify.h"
#include "pool.h"
#include "strnum.h"

#define FETCH_HIGH (256 * 1024)	/* output kept ahead of the client */
#define FETCH_READ_MAX (4 * 1024 * 1024)	/* bigger messages are mapped */

struct piece {
	const char *data;
	size_t len;
};

struct fetch_ctx {
	struct imap_fetch f;
	PGresult *rows;
	int nrows;
	int row;		/* next row to produce */
	bool add_flags;		/* \Seen was set: report FLAGS */
	bool uid;
	struct pool *msg_pool;	/* the current message's */
	void *map;		/* the message: rbuf, or mapped when big */
	size_t map_len;
	bool mapped;
	char *rbuf;		/* malloc'd, kept for the command */
	size_t rbuf_cap;
	struct piece *pieces;
	unsigned int npieces;
	unsigned int cur;	/* piece being copied */
	size_t off;		/* octets of it copied */
	bool failed;
};

static void unmap(struct fetch_ctx *fc)
{
	if (fc->mapped && fc->map != NULL && fc->map != MAP_FAILED)
		munmap(fc->map, fc->map_len);
	fc->mapped = false;
	fc->map = NULL;
	fc->map_len = 0;
}

/* map_blob - the message's bytes; -1 when the blob cannot be read.
 * Messages up to FETCH_READ_MAX are read into a buffer kept for the
 * command; only bigger ones are mapped. */
static int map_blob(struct imapd_session *s, struct fetch_ctx *fc,
		    const char *sha)
{
	const char *error;
	uint64_t size;
	size_t len;
	int fd;

	if (blob_open_read(fc->msg_pool, cfg.blob_dir, sha, &fd, &size,
			   &error) < 0) {
		log_error("event=fetch_blob_missing session=%s sha=%s"
			  " error=%s", s->id, sha, log_quote(error));
		return -1;
	}
	if (size <= FETCH_READ_MAX) {
		int ret = blob_read_fd(fc->msg_pool, fd, sha, size,
				       FETCH_READ_MAX, &fc->rbuf,
				       &fc->rbuf_cap, &len, &error);

		close(fd);
		if (ret < 0) {
			log_error("event=fetch_blob_unreadable session=%s"
				  " sha=%s error=%s", s->id, sha,
				  log_quote(error));
			return -1;
		}
		fc->map = fc->rbuf;
		fc->map_len = len;
		return 0;
	}
	fc->map_len = (size_t)size;
	fc->map = mmap(NULL, fc->map_len, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (fc->map == MAP_FAILED) {
		fc->map = NULL;
		return -1;
	}
	fc->mapped = true;
	return 0;
}

static void add_piece(struct fetch_ctx *fc, unsigned int *cap,
		      const char *data, size_t len)
{
	if (fc->npieces == *cap) {
		struct piece *p = p_alloc(fc->msg_pool,
					  (*cap * 2) * sizeof(*p));

		memcpy(p, fc->pieces, fc->npieces * sizeof(*p));
		fc->pieces = p;
		*cap *= 2;
	}
	fc->pieces[fc->npieces].data = data;
	fc->pieces[fc->npieces].len = len;
	fc->npieces++;
}

/* add_literal - the text so far and a literal of data[0..len) */
static void add_literal(struct fetch_ctx *fc, unsigned int *cap,
			struct buf *text, const char *data, size_t len,
			bool binary)
{
	bool nul = binary && memchr(data, '\0', len) != NULL;

	buf_addf(text, "%s{%zu}\r\n", nul ? "~" : "", len);
	add_piece(fc, cap, p_memdup(fc->msg_pool, text->data, text->len),
		  text->len);
	buf_reset(text);
	if (len > 0)
		add_piece(fc, cap, data, len);
}

/* partial - apply <offset.count> */
static void partial(const struct imap_fetch_att *att, const char **data,
		    size_t *len)
{
	if (!att->partial)
		return;
	if (att->partial_offset >= *len) {
		*data += *len;
		*len = 0;
		return;
	}
	*data += att->partial_offset;
	*len -= att->partial_offset;
	if (*len > att->partial_count)
		*len = att->partial_count;
}

/* build - the response pieces of one message; -1 when it cannot be
 * produced (blob missing: the message is skipped with a NO at the end) */
static int build(struct imapd_session *s, struct fetch_ctx *fc, int row)
{
	const PGresult *r = fc->rows;
	uint32_t uid = (uint32_t)imapd_i64(r, row, 0);
	unsigned int seq = imapd_seq_of(s, uid), cap = 8;
	struct buf *text = buf_new_pool(fc->msg_pool, 0);
	struct imap_mime *mime = NULL;
	bool need_blob = false, first = true, flags_done = false;
	const char *envelope = db_value(r, row, 6);

	fc->pieces = p_alloc(fc->msg_pool, cap * sizeof(*fc->pieces));
	fc->npieces = 0;
	fc->cur = 0;
	fc->off = 0;
	if (seq == 0)
		return 1;	/* expunged meanwhile: nothing to say */
	for (unsigned int i = 0; i < fc->f.count; i++) {
		enum imap_fetch_type t = fc->f.atts[i].type;

		if (t == IMAP_FETCH_ENVELOPE && envelope != NULL)
			continue;	/* stored with the message */
		if (t != IMAP_FETCH_FLAGS && t != IMAP_FETCH_UID &&
		    t != IMAP_FETCH_INTERNALDATE && t != IMAP_FETCH_MODSEQ &&
		    t != IMAP_FETCH_RFC822_SIZE)
			need_blob = true;
	}
	if (need_blob && map_blob(s, fc, db_value(r, row, 4)) < 0)
		return -1;
	buf_addf(text, "* %u FETCH (", seq);
	for (unsigned int i = 0; i < fc->f.count; i++) {
		const struct imap_fetch_att *att = &fc->f.atts[i];
		const char *data = fc->map;
		size_t len = fc->map_len;

		if (!first)
			buf_addc(text, ' ');
		first = false;
		switch (att->type) {
		case IMAP_FETCH_UID:
			buf_addf(text, "UID %" PRIu32, uid);
			break;
		case IMAP_FETCH_FLAGS:
			buf_addf(text, "FLAGS (%s)", db_value(r, row, 1));
			flags_done = true;
			break;
		case IMAP_FETCH_INTERNALDATE:
			buf_addf(text, "INTERNALDATE \"%s\"",
					 db_value(r, row, 2));
			break;
		case IMAP_FETCH_RFC822_SIZE:
			buf_addf(text, "RFC822.SIZE %s",
					 db_value(r, row, 3));
			break;
		case IMAP_FETCH_MODSEQ:
			buf_addf(text, "MODSEQ (%s)",
					 db_value(r, row, 5));
			break;
		case IMAP_FETCH_ENVELOPE:
			buf_adds(text, "ENVELOPE ");
			if (envelope != NULL) {
				buf_adds(text, envelope);
				break;
			}
			imap_mime_envelope(data != NULL ? data : "",
					   imap_mime_header_len(data != NULL ?
						data : "", len), text);
			break;
		case IMAP_FETCH_BODY:
		case IMAP_FETCH_BODYSTRUCTURE:
			if (mime == NULL)
				mime = imap_mime_parse(fc->msg_pool, data != NULL ?
						       data : "", len);
			buf_adds(text, att->type == IMAP_FETCH_BODY ?
					     "BODY " : "BODYSTRUCTURE ");
			imap_mime_bodystructure(mime, att->type ==
						IMAP_FETCH_BODYSTRUCTURE, text);
			break;
		case IMAP_FETCH_RFC822:
			buf_adds(text, "RFC822 ");
			add_literal(fc, &cap, text, data, len, false);
			break;
		case IMAP_FETCH_RFC822_HEADER:
			buf_adds(text, "RFC822.HEADER ");
			add_literal(fc, &cap, text, data,
				    imap_mime_header_len(data, len), false);
			break;
		case IMAP_FETCH_RFC822_TEXT: {
			size_t h = imap_mime_header_len(data, len);

			buf_adds(text, "RFC822.TEXT ");
			add_literal(fc, &cap, text, data + h, len - h, false);
			break;
		}
		case IMAP_FETCH_BODY_SECTION:
		case IMAP_FETCH_BINARY:
		case IMAP_FETCH_BINARY_SIZE: {
			const char *sec;
			size_t seclen;
			int ret;

			if (mime == NULL)
				mime = imap_mime_parse(fc->msg_pool, data != NULL ?
						       data : "", len);
			if (att->type == IMAP_FETCH_BODY_SECTION)
				ret = imap_mime_section(fc->msg_pool, mime,
							&att->section, &sec,
							&seclen);
			else
				ret = imap_mime_binary(fc->msg_pool, mime,
						       &att->section, &sec,
						       &seclen);
			if (ret < 0) {
				if (att->type != IMAP_FETCH_BODY_SECTION)
					return -2;	/* UNKNOWN-CTE */
				sec = "";
				seclen = 0;
			}
			if (att->type == IMAP_FETCH_BINARY_SIZE) {
				buf_addf(text, "%s %zu", att->name,
						 seclen);
				break;
			}
			partial(att, &sec, &seclen);
			buf_addf(text, "%s ", att->name);
			add_literal(fc, &cap, text, sec, seclen,
				    att->type == IMAP_FETCH_BINARY);
			break;
		}
		}
	}
	if (fc->add_flags && !flags_done)
		buf_addf(text, "%sFLAGS (%s)", first ? "" : " ",
				 db_value(r, row, 1));
	buf_adds(text, ")\r\n");
	add_piece(fc, &cap, text->data, text->len);
	return 0;
}

/* fetch_resume - copy pieces while the client keeps up; true when the
 * command is complete (tagged response sent) */
static bool fetch_resume(struct imapd_session *s)
{
	struct fetch_ctx *fc = s->resume_ctx;

	while (s->c.out.len < FETCH_HIGH && s->state != IMAPD_LOGOUT) {
		if (fc->cur < fc->npieces) {
			const struct piece *p = &fc->pieces[fc->cur];
			size_t room = FETCH_HIGH - s->c.out.len + 4096;
			size_t n = p->len - fc->off;

			if (n > room)
				n = room;
			imapd_outb(s, p->data + fc->off, n);
			fc->off += n;
			if (fc->off == p->len) {
				fc->cur++;
				fc->off = 0;
			}
			continue;
		}
		unmap(fc);
		pool_clear(fc->msg_pool);
		fc->npieces = 0;
		if (fc->row >= fc->nrows)
			break;
		switch (build(s, fc, fc->row++)) {
		case -1:
			fc->failed = true;
			break;
		case -2:
			unmap(fc);
			pool_destroy(&fc->msg_pool);
			imapd_tagged(s, "NO", "[UNKNOWN-CTE] Cannot decode the"
				     " content transfer encoding");
			return true;
		}
	}
	if (fc->cur < fc->npieces || fc->row < fc->nrows)
		return false;
	unmap(fc);
	pool_destroy(&fc->msg_pool);
	if (fc->failed)
		imapd_tagged(s, "NO", "Some messages could not be read");
	else
		imapd_tagged(s, "OK", "%s completed", s->cur->name);
	return true;
}

/* set_seen - \Seen on the messages a non-PEEK body fetch reads */
static int set_seen(struct imapd_session *s, const uint32_t *uids,
		    unsigned int n, bool *changed_r)
{
	uint64_t m;

	if (store_set_seen(s->cmd, s->user_id, s->view.mailbox_id, uids, n,
			   &m) < 0)
		return -1;
	*changed_r = m > 0;
	if (m > 0)
		imapd_own_change(s, m);	/* reported with the FETCH */
	return 0;
}

/* fetch_cleanup - at the end of the command's pool, also when the
 * client went away in the middle */
static void fetch_cleanup(void *arg)
{
	struct fetch_ctx *fc = arg;

	unmap(fc);
	free(fc->rbuf);
	fc->rbuf = NULL;
	if (fc->msg_pool != NULL)
		pool_destroy(&fc->msg_pool);
}

void imapd_cmd_fetch(struct imapd_session *s)
{
	const struct imap_cmd *cmd = s->cur;
	struct fetch_ctx *fc;
	const char *error, *params[3];
	char id[32], since[32];
	uint32_t *uids;
	unsigned int n;
	bool changed = false;

	fc = p_alloc(s->cmd, sizeof(*fc));
	memset(fc, 0, sizeof(*fc));
	if (imap_fetch_parse(s->cmd, cmd->args, cmd->count, cmd->uid, &fc->f,
			     &error) < 0) {
		imapd_tagged(s, "BAD", "%s", error);
		return;
	}
	if (fc->f.vanished && !s->qresync) {
		imapd_tagged(s, "BAD", "VANISHED needs QRESYNC enabled");
		return;
	}
	if (fc->f.changedsince)
		s->condstore = true;
	/* RFC 3501 7.4.1: no EXPUNGE during FETCH, new messages are fine */
	if (imapd_sync(s, cmd->uid) < 0) {
		imapd_db_fail(s);
		return;
	}
	if (imapd_resolve_set(s, &fc->f.seqset, cmd->uid, &uids, &n) < 0)
		return;
	if (fc->f.vanished) {
		char mid[32];
		const char *p2[3];
		PGresult *res;
		struct buf *b = buf_new_pool(s->cmd, 0);
		uint32_t star = s->view.uidnext > 0 ? s->view.uidnext - 1 : 0;

		snprintf(mid, sizeof(mid), "%" PRId64, s->view.mailbox_id);
		snprintf(since, sizeof(since), "%" PRIu64,
			 fc->f.changedsince_modseq);
		p2[0] = mid;
		p2[1] = since;
		res = db_query(s->cmd, "SELECT uid FROM expunged WHERE"
			       " mailbox_id = $1::bigint AND modseq >"
			       " $2::bigint ORDER BY uid", 2, p2);
		if (res == NULL) {
			imapd_db_fail(s);
			return;
		}
		for (int i = 0; i < db_ntuples(res); i++) {
			uint32_t u = (uint32_t)imapd_i64(res, i, 0);

			if (imap_seqset_contains(&fc->f.seqset, u, star))
				buf_addf(b, "%s%" PRIu32,
						 b->len ? "," : "", u);
		}
		if (b->len > 0)
			imapd_out(s, "* VANISHED (EARLIER) %s\r\n", b->data);
	}
	if (n == 0) {
		imapd_tagged(s, "OK", "%s completed", cmd->name);
		return;
	}
	if (fc->f.sets_seen && !s->view.readonly) {
		if (set_seen(s, uids, n, &changed) < 0) {
			imapd_db_fail(s);
			return;
		}
		fc->add_flags = changed;
	}
	snprintf(id, sizeof(id), "%" PRId64, s->view.mailbox_id);
	snprintf(since, sizeof(since), "%" PRIu64, fc->f.changedsince ?
		 fc->f.changedsince_modseq : 0);
	params[0] = id;
	params[1] = imapd_uid_array(s, uids, n);
	params[2] = since;
	fc->rows = db_query(s->cmd,
		"SELECT uid, array_to_string(flags, ' '),"
		" to_char(internal_date AT TIME ZONE 'UTC',"
		"  'DD-Mon-YYYY HH24:MI:SS \"+0000\"'),"
		" size, blob_sha256, modseq, imap_envelope FROM messages"
		" WHERE mailbox_id = $1::bigint AND uid = ANY($2::bigint[])"
		" AND modseq > $3::bigint ORDER BY uid", 3, params);
	if (fc->rows == NULL) {
		imapd_db_fail(s);
		return;
	}
	fc->nrows = db_ntuples(fc->rows);
	fc->uid = cmd->uid;
	fc->msg_pool = pool_new("imap fetch message", 8192);
	pool_cleanup_add(s->cmd, fetch_cleanup, fc);
	s->resume = fetch_resume;
	s->resume_ctx = fc;
	s->wait = IMAPD_WAIT_RESUME;
	if (fetch_resume(s)) {
		s->wait = IMAPD_WAIT_NONE;
		s->resume = NULL;
	}
}
