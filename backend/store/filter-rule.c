/*
 * filter-rule.c - mail filter rules: matching, checking and Sieve.
 *
 * A rule is a list of conditions (all or any must hold) and a list of
 * actions. The conditions look at From, To, Cc (the whole header for
 * "contains", each address for "is" and "matches"), the subject, any
 * named header, the size and the text of the message. The same rule
 * renders as a Sieve command (RFC 5228 with fileinto, imap4flags,
 * reject, copy and body), so a user can take the rules elsewhere:
 *
 *   from contains x        header :contains "from" "x"
 *   to is a@b              address :is "to" "a@b"
 *   header X-Y matches *z  header :matches "X-Y" "*z"
 *   size over 100K         size :over 100K
 *   body contains x        body :text :contains "x"
 *   seen / flag            addflag "\\Seen" / addflag "\\Flagged"
 *   fileinto / forward     fileinto "F" / redirect :copy "a@b"
 *   reject / discard       reject "why" / discard
 *
 * SECURITY: at delivery the text matched is the sender's; the matcher
 * backtracks only to the last star, so a pattern costs at most
 * pattern length times text length steps, and both are bounded
 * (FILTER_VALUE_MAX, MIME_META_TEXT_MAX_FTS). Header values are found
 * by a bounded scan of the header block and never change it.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "filter-rule.h"
#include "pool.h"
#include "strnum.h"

static const char *const field_names[FILTER_F_COUNT] = {
	[FILTER_F_FROM] = "from", [FILTER_F_TO] = "to", [FILTER_F_CC] = "cc",
	[FILTER_F_SUBJECT] = "subject", [FILTER_F_HEADER] = "header",
	[FILTER_F_SIZE] = "size", [FILTER_F_BODY] = "body",
};

static const char *const op_names[FILTER_OP_COUNT] = {
	[FILTER_OP_CONTAINS] = "contains", [FILTER_OP_IS] = "is",
	[FILTER_OP_MATCHES] = "matches", [FILTER_OP_OVER] = "over",
	[FILTER_OP_UNDER] = "under",
};

static const char *const action_names[FILTER_A_COUNT] = {
	[FILTER_A_FILEINTO] = "fileinto", [FILTER_A_SEEN] = "seen",
	[FILTER_A_FLAG] = "flag", [FILTER_A_FORWARD] = "forward",
	[FILTER_A_REJECT] = "reject", [FILTER_A_DISCARD] = "discard",
};

/* ==== names ============================================================ */

const char *filter_field_name(enum filter_field field)
{
	return (unsigned int)field < FILTER_F_COUNT ? field_names[field] :
		NULL;
}

const char *filter_op_name(enum filter_op op)
{
	return (unsigned int)op < FILTER_OP_COUNT ? op_names[op] : NULL;
}

const char *filter_action_name(enum filter_action_type type)
{
	return (unsigned int)type < FILTER_A_COUNT ? action_names[type] :
		NULL;
}

/* find_name - the index of s in names, -1 if absent */
static int find_name(const char *const *names, unsigned int n,
		     const char *s)
{
	for (unsigned int i = 0; s != NULL && i < n; i++)
		if (strcmp(names[i], s) == 0)
			return (int)i;
	return -1;
}

int filter_field_parse(const char *s, enum filter_field *field_r)
{
	int i = find_name(field_names, FILTER_F_COUNT, s);

	if (i < 0)
		return -1;
	*field_r = (enum filter_field)i;
	return 0;
}

int filter_op_parse(const char *s, enum filter_op *op_r)
{
	int i = find_name(op_names, FILTER_OP_COUNT, s);

	if (i < 0)
		return -1;
	*op_r = (enum filter_op)i;
	return 0;
}

int filter_action_parse(const char *s, enum filter_action_type *type_r)
{
	int i = find_name(action_names, FILTER_A_COUNT, s);

	if (i < 0)
		return -1;
	*type_r = (enum filter_action_type)i;
	return 0;
}

/* ==== matching ========================================================= */

static unsigned char fold(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

/* char_len - bytes of the UTF-8 sequence at s (1 for a stray byte),
 * never past the terminating NUL */
static size_t char_len(const char *s)
{
	unsigned char c = (unsigned char)*s;
	size_t n = c < 0xc0 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;

	for (size_t i = 1; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			return i;
	return n;
}

bool filter_wildcard(const char *p, const char *t)
{
	const char *star_p = NULL, *star_t = NULL;

	while (*t != '\0') {
		if (*p == '*') {
			while (*p == '*')
				p++;
			star_p = p;
			star_t = t;
			continue;
		}
		if (*p == '?') {
			p++;
			t += char_len(t);
			continue;
		}
		if (*p != '\0') {
			const char *q = *p == '\\' && p[1] != '\0' ? p + 1 : p;

			if (fold((unsigned char)*q) == fold((unsigned char)*t)) {
				p = q + 1;
				t++;
				continue;
			}
		}
		if (star_p == NULL)
			return false;
		/* let the last star take one more character */
		star_t += char_len(star_t);
		p = star_p;
		t = star_t;
	}
	while (*p == '*')
		p++;
	return *p == '\0';
}

/* contains - value occurs in text, ASCII case ignored */
static bool contains(const char *text, const char *value)
{
	size_t n = strlen(value);

	if (n == 0)
		return true;
	for (; *text != '\0'; text++)
		if (strncasecmp(text, value, n) == 0)
			return true;
	return false;
}

bool filter_match_text(enum filter_op op, const char *value,
		       const char *text)
{
	if (text == NULL || value == NULL)
		return false;
	switch (op) {
	case FILTER_OP_CONTAINS:
		return contains(text, value);
	case FILTER_OP_IS:
		return strcasecmp(text, value) == 0;
	case FILTER_OP_MATCHES:
		return filter_wildcard(value, text);
	default:
		return false;
	}
}

/* header_name - the header a field reads */
static const char *header_name(const struct filter_cond *c)
{
	switch (c->field) {
	case FILTER_F_FROM:
		return "From";
	case FILTER_F_TO:
		return "To";
	case FILTER_F_CC:
		return "Cc";
	case FILTER_F_SUBJECT:
		return "Subject";
	default:
		return c->header;
	}
}

/* any_header - some occurrence of the header matches */
static bool any_header(const struct filter_cond *c,
		       const struct filter_input *in, const char *name)
{
	const char *v;

	if (in->header == NULL || name == NULL)
		return false;
	for (unsigned int i = 0; (v = in->header(in->ctx, name, i)) != NULL;
	     i++)
		if (filter_match_text(c->op, c->value, v))
			return true;
	return false;
}

bool filter_cond_matches(const struct filter_cond *c,
			 const struct filter_input *in)
{
	const char *v;

	switch (c->field) {
	case FILTER_F_FROM:
	case FILTER_F_TO:
	case FILTER_F_CC:
		if (c->op == FILTER_OP_CONTAINS)
			return any_header(c, in, header_name(c));
		if (in->address == NULL)
			return false;
		for (unsigned int i = 0;
		     (v = in->address(in->ctx, c->field, i)) != NULL; i++)
			if (filter_match_text(c->op, c->value, v))
				return true;
		return false;
	case FILTER_F_SUBJECT:
		return filter_match_text(c->op, c->value,
					 in->subject != NULL ? in->subject :
					 "");
	case FILTER_F_HEADER:
		return any_header(c, in, c->header);
	case FILTER_F_SIZE:
		return c->op == FILTER_OP_OVER ? in->size > c->size :
			c->op == FILTER_OP_UNDER ? in->size < c->size : false;
	case FILTER_F_BODY:
		return filter_match_text(c->op, c->value,
					 in->body != NULL ? in->body : "");
	default:
		return false;
	}
}

bool filter_rule_matches(const struct filter_rule *r,
			 const struct filter_input *in)
{
	if (r->nconds == 0)
		return true;
	for (unsigned int i = 0; i < r->nconds; i++) {
		bool m = filter_cond_matches(&r->conds[i], in);

		if (m && r->match_any)
			return true;
		if (!m && !r->match_any)
			return false;
	}
	return !r->match_any;
}

/* ==== checking ========================================================= */

int filter_size_parse(const char *s, uint64_t *size_r)
{
	uint64_t n;

	if (s == NULL || str_to_size(s, &n) < 0)
		return -1;
	*size_r = n;
	return 0;
}

/* header_name_ok - printable ASCII without colon or space (RFC 5322
 * field name) */
static bool header_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > FILTER_HEADER_NAME_MAX)
		return false;
	for (; *s != '\0'; s++)
		if (*s < '!' || *s > '~' || *s == ':')
			return false;
	return true;
}

/* address_ok - local@domain, no space, control byte or routing */
static bool address_ok(const char *s)
{
	const char *at = strrchr(s, '@');

	if (at == NULL || at == s || at[1] == '\0' || strlen(s) > 254 ||
	    strchr(at + 1, '.') == NULL)
		return false;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7f ||
		    strchr("<>()[],;:\\\"", *s) != NULL)
			return false;
	return true;
}

/* sane - valid UTF-8 text without control bytes, at most max bytes */
static bool sane(const char *s, size_t max)
{
	return s != NULL && str_text_sane(s, max);
}

static int check_cond(const struct filter_cond *c, const char **key_r)
{
	if ((unsigned int)c->field >= FILTER_F_COUNT ||
	    (unsigned int)c->op >= FILTER_OP_COUNT) {
		*key_r = "op";
		return -1;
	}
	if (c->field == FILTER_F_HEADER &&
	    (c->header == NULL || !header_name_ok(c->header))) {
		*key_r = "header";
		return -1;
	}
	if (c->field == FILTER_F_SIZE) {
		if (c->op != FILTER_OP_OVER && c->op != FILTER_OP_UNDER) {
			*key_r = "op";
			return -1;
		}
		return 0;
	}
	if (c->op == FILTER_OP_OVER || c->op == FILTER_OP_UNDER) {
		*key_r = "op";
		return -1;
	}
	if (!sane(c->value, FILTER_VALUE_MAX) || *c->value == '\0') {
		*key_r = "value";
		return -1;
	}
	return 0;
}

int filter_rule_check(const struct filter_rule *r, const char *own_addr,
		      const char **key_r)
{
	bool seen[FILTER_A_COUNT] = { false };

	if (!sane(r->name, FILTER_NAME_MAX) || *r->name == '\0') {
		*key_r = "name";
		return -1;
	}
	if (r->nconds > FILTER_CONDS_MAX || r->nacts > FILTER_ACTIONS_MAX) {
		*key_r = "too_many";
		return -1;
	}
	for (unsigned int i = 0; i < r->nconds; i++)
		if (check_cond(&r->conds[i], key_r) < 0)
			return -1;
	if (r->nacts == 0) {
		*key_r = "no_action";
		return -1;
	}
	for (unsigned int i = 0; i < r->nacts; i++) {
		const struct filter_action *a = &r->acts[i];

		if ((unsigned int)a->type >= FILTER_A_COUNT) {
			*key_r = "no_action";
			return -1;
		}
		if (seen[a->type]) {
			*key_r = "duplicate_action";
			return -1;
		}
		seen[a->type] = true;
		switch (a->type) {
		case FILTER_A_FILEINTO:
			if (!sane(a->value, FILTER_VALUE_MAX) ||
			    *a->value == '\0') {
				*key_r = "folder";
				return -1;
			}
			break;
		case FILTER_A_FORWARD:
			if (a->value == NULL || !address_ok(a->value)) {
				*key_r = "address";
				return -1;
			}
			if (own_addr != NULL &&
			    strcasecmp(a->value, own_addr) == 0) {
				*key_r = "own_address";
				return -1;
			}
			break;
		case FILTER_A_REJECT:
			if (!sane(a->value, FILTER_VALUE_MAX)) {
				*key_r = "reason";
				return -1;
			}
			break;
		default:
			break;
		}
	}
	/* the message goes one way: kept (perhaps elsewhere, perhaps
	 * flagged), deleted or refused */
	if ((seen[FILTER_A_REJECT] || seen[FILTER_A_DISCARD]) &&
	    (seen[FILTER_A_FILEINTO] || seen[FILTER_A_SEEN] ||
	     seen[FILTER_A_FLAG])) {
		*key_r = "conflict";
		return -1;
	}
	if (seen[FILTER_A_REJECT] && seen[FILTER_A_DISCARD]) {
		*key_r = "conflict";
		return -1;
	}
	return 0;
}

/* ==== headers ========================================================== */

/* line_end - the end of the line at p (its LF, or end) */
static const char *line_end(const char *p, const char *end)
{
	const char *lf = memchr(p, '\n', (size_t)(end - p));

	return lf != NULL ? lf : end;
}

const char *filter_header_value(struct pool *pool, const char *hdr,
				size_t len, const char *name, unsigned int i)
{
	const char *p = hdr, *end = hdr + len;
	size_t nlen = strlen(name);
	unsigned int found = 0;

	while (p < end && *p != '\r' && *p != '\n') {
		const char *e = line_end(p, end), *q = p + nlen;
		struct buf *v;

		if ((size_t)(e - p) <= nlen || strncasecmp(p, name, nlen) != 0 ||
		    *p == ' ' || *p == '\t') {
			p = e < end ? e + 1 : end;
			continue;
		}
		while (q < e && (*q == ' ' || *q == '\t'))
			q++;
		if (q >= e || *q != ':' || found++ != i) {
			p = e < end ? e + 1 : end;
			continue;
		}
		/* the value and its continuation lines, unfolded */
		v = buf_new_pool(pool, 0);
		q++;
		for (;;) {
			const char *ve = e > q && e[-1] == '\r' ? e - 1 : e;

			if (ve > q && buf_append(v, q, (size_t)(ve - q)) < 0)
				return NULL;
			p = e < end ? e + 1 : end;
			if (p >= end || (*p != ' ' && *p != '\t'))
				break;
			q = p;
			e = line_end(p, end);
		}
		return str_trim(p_strndup(pool, v->data != NULL ? v->data :
					  "", v->len));
	}
	return NULL;
}

/* ==== Sieve ============================================================ */

/* sieve_string - s as a quoted string */
static void sieve_string(struct buf *out, const char *s)
{
	buf_addc(out, '"');
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			buf_addc(out, '\\');
		buf_addc(out, *s);
	}
	buf_addc(out, '"');
}

static void sieve_size(struct buf *out, uint64_t n)
{
	if (n > 0 && n % (1024 * 1024) == 0)
		buf_addf(out, "%lluM", (unsigned long long)(n / (1024 * 1024)));
	else if (n > 0 && n % 1024 == 0)
		buf_addf(out, "%lluK", (unsigned long long)(n / 1024));
	else
		buf_addf(out, "%llu", (unsigned long long)n);
}

static void sieve_test(struct buf *out, const struct filter_cond *c)
{
	const char *op = c->op == FILTER_OP_IS ? ":is" :
		c->op == FILTER_OP_MATCHES ? ":matches" : ":contains";

	switch (c->field) {
	case FILTER_F_FROM:
	case FILTER_F_TO:
	case FILTER_F_CC:
		buf_addf(out, "%s %s ", c->op == FILTER_OP_CONTAINS ?
			 "header" : "address", op);
		sieve_string(out, field_names[c->field]);
		break;
	case FILTER_F_SUBJECT:
		buf_addf(out, "header %s \"subject\"", op);
		break;
	case FILTER_F_HEADER:
		buf_addf(out, "header %s ", op);
		sieve_string(out, c->header);
		break;
	case FILTER_F_SIZE:
		buf_addf(out, "size %s ", c->op == FILTER_OP_UNDER ? ":under" :
			 ":over");
		sieve_size(out, c->size);
		return;
	case FILTER_F_BODY:
		buf_addf(out, "body :text %s", op);
		break;
	default:
		buf_adds(out, "false");
		return;
	}
	buf_addc(out, ' ');
	sieve_string(out, c->value);
}

void filter_sieve_require(struct buf *out, const struct filter_rule *rules,
			  unsigned int n)
{
	static const char *const names[] = { "fileinto", "imap4flags",
		"reject", "copy", "body" };
	bool need[5] = { false };
	bool first = true;

	for (unsigned int i = 0; i < n; i++) {
		for (unsigned int j = 0; j < rules[i].nacts; j++)
			switch (rules[i].acts[j].type) {
			case FILTER_A_FILEINTO:
				need[0] = true;
				break;
			case FILTER_A_SEEN:
			case FILTER_A_FLAG:
				need[1] = true;
				break;
			case FILTER_A_REJECT:
				need[2] = true;
				break;
			case FILTER_A_FORWARD:
				need[3] = true;
				break;
			default:
				break;
			}
		for (unsigned int j = 0; j < rules[i].nconds; j++)
			if (rules[i].conds[j].field == FILTER_F_BODY)
				need[4] = true;
	}
	for (unsigned int i = 0; i < 5; i++) {
		if (!need[i])
			continue;
		buf_adds(out, first ? "require [" : ", ");
		sieve_string(out, names[i]);
		first = false;
	}
	if (!first)
		buf_adds(out, "];\n");
}

/* sieve_action - one action's command, or nothing for a type that is
 * not this pass's */
static void sieve_action(struct buf *out, const struct filter_action *a)
{
	switch (a->type) {
	case FILTER_A_SEEN:
		buf_adds(out, "\taddflag \"\\\\Seen\";\n");
		break;
	case FILTER_A_FLAG:
		buf_adds(out, "\taddflag \"\\\\Flagged\";\n");
		break;
	case FILTER_A_FILEINTO:
		buf_adds(out, "\tfileinto ");
		sieve_string(out, a->value);
		buf_adds(out, ";\n");
		break;
	case FILTER_A_FORWARD:
		buf_adds(out, "\tredirect :copy ");
		sieve_string(out, a->value);
		buf_adds(out, ";\n");
		break;
	case FILTER_A_REJECT:
		buf_adds(out, "\treject ");
		sieve_string(out, a->value != NULL ? a->value : "");
		buf_adds(out, ";\n");
		break;
	case FILTER_A_DISCARD:
		buf_adds(out, "\tdiscard;\n");
		break;
	default:
		break;
	}
}

void filter_sieve_rule(struct buf *out, const struct filter_rule *r)
{
	/* flags first, so that they apply to the message filed */
	static const enum filter_action_type order[] = {
		FILTER_A_SEEN, FILTER_A_FLAG, FILTER_A_FILEINTO,
		FILTER_A_FORWARD, FILTER_A_REJECT, FILTER_A_DISCARD,
	};

	buf_adds(out, "# ");
	buf_adds(out, r->name);
	buf_adds(out, r->enabled ? "\n" : " (disabled)\n");
	buf_adds(out, "if ");
	if (!r->enabled)
		buf_adds(out, "allof (false, ");
	if (r->nconds == 0) {
		buf_adds(out, "true");
	} else if (r->nconds == 1) {
		sieve_test(out, &r->conds[0]);
	} else {
		buf_adds(out, r->match_any ? "anyof (" : "allof (");
		for (unsigned int i = 0; i < r->nconds; i++) {
			if (i > 0)
				buf_adds(out, ", ");
			sieve_test(out, &r->conds[i]);
		}
		buf_addc(out, ')');
	}
	if (!r->enabled)
		buf_addc(out, ')');
	buf_adds(out, " {\n");
	for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++)
		for (unsigned int i = 0; i < r->nacts; i++)
			if (r->acts[i].type == order[k])
				sieve_action(out, &r->acts[i]);
	if (r->stop)
		buf_adds(out, "\tstop;\n");
	buf_adds(out, "}\n");
}

void filter_sieve_script(struct buf *out, const struct filter_rule *rules,
			 unsigned int n)
{
	filter_sieve_require(out, rules, n);
	for (unsigned int i = 0; i < n; i++) {
		buf_addc(out, '\n');
		filter_sieve_rule(out, &rules[i]);
	}
}
