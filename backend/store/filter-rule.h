#ifndef MH_FILTER_RULE_H
#define MH_FILTER_RULE_H
/*
 * filter-rule.h - a user's mail filter rules: their parts, the matcher,
 * the form check and the Sieve (RFC 5228) rendering.
 *
 * Pure code, no I/O: delivery (filters.c) evaluates rules with it and
 * webmail checks and shows them with it, so both agree on what a rule
 * means. Text is compared with i;ascii-casemap, as Sieve does by
 * default: ASCII letters ignore case, other bytes must be equal.
 * "matches" patterns use * (any run, also empty) and ? (one character,
 * a whole UTF-8 sequence), with \ making the next character literal.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf;
struct pool;

#define FILTER_RULES_MAX 200	/* rules of one user */
#define FILTER_CONDS_MAX 16	/* conditions of one rule */
#define FILTER_ACTIONS_MAX 8	/* actions of one rule */
#define FILTER_NAME_MAX 200	/* bytes of a rule's name */
#define FILTER_VALUE_MAX 1000	/* bytes of a condition or action value */
#define FILTER_HEADER_NAME_MAX 76
#define FILTER_FORWARDS_MAX 4	/* copies forwarded for one message */

enum filter_field {
	FILTER_F_FROM, FILTER_F_TO, FILTER_F_CC, FILTER_F_SUBJECT,
	FILTER_F_HEADER, FILTER_F_SIZE, FILTER_F_BODY,
	FILTER_F_COUNT
};

enum filter_op {
	FILTER_OP_CONTAINS, FILTER_OP_IS, FILTER_OP_MATCHES,
	FILTER_OP_OVER, FILTER_OP_UNDER,
	FILTER_OP_COUNT
};

enum filter_action_type {
	FILTER_A_FILEINTO, FILTER_A_SEEN, FILTER_A_FLAG, FILTER_A_FORWARD,
	FILTER_A_REJECT, FILTER_A_DISCARD,
	FILTER_A_COUNT
};

struct filter_cond {
	enum filter_field field;
	enum filter_op op;
	const char *header;	/* FILTER_F_HEADER: the header's name */
	const char *value;	/* text; for size the number of bytes */
	uint64_t size;		/* FILTER_F_SIZE */
};

struct filter_action {
	enum filter_action_type type;
	const char *value;	/* folder, address or reason; "" if none */
	int64_t mailbox_id;	/* fileinto at delivery: 0 = no such folder */
};

struct filter_rule {
	int64_t id;
	const char *name;
	bool enabled;
	bool match_any;		/* any condition (false: all of them) */
	bool stop;		/* no later rule after this one matched */
	struct filter_cond conds[FILTER_CONDS_MAX];
	unsigned int nconds;
	struct filter_action acts[FILTER_ACTIONS_MAX];
	unsigned int nacts;
};

/* what a message offers to the conditions; header() returns the i-th
 * occurrence of a header, unfolded and decoded, NULL after the last;
 * address() the i-th address of From, To or Cc, NULL after the last */
struct filter_input {
	const char *(*header)(void *ctx, const char *name, unsigned int i);
	const char *(*address)(void *ctx, enum filter_field field,
			       unsigned int i);
	void *ctx;
	const char *subject;	/* decoded */
	const char *body;	/* the text of the message */
	uint64_t size;
};

/* names as the forms and the filters table spell them; NULL if out of
 * range, -1 from a parse of an unknown name */
const char *filter_field_name(enum filter_field field);
const char *filter_op_name(enum filter_op op);
const char *filter_action_name(enum filter_action_type type);
int filter_field_parse(const char *s, enum filter_field *field_r);
int filter_op_parse(const char *s, enum filter_op *op_r);
int filter_action_parse(const char *s, enum filter_action_type *type_r);

/* filter_match_text - text against value with op (contains, is,
 * matches); false for the size ops */
bool filter_match_text(enum filter_op op, const char *value,
		       const char *text);
/* filter_wildcard - the whole text matches pattern (* ? \) */
bool filter_wildcard(const char *pattern, const char *text);

/* filter_cond_matches, filter_rule_matches - evaluate against a message;
 * a rule without conditions matches every message */
bool filter_cond_matches(const struct filter_cond *c,
			 const struct filter_input *in);
bool filter_rule_matches(const struct filter_rule *r,
			 const struct filter_input *in);

/* filter_size_parse - "2048", "100K", "5M" (binary multiples) to bytes;
 * -1 if it is not such a number */
int filter_size_parse(const char *s, uint64_t *size_r)
	__attribute__((warn_unused_result));

/* filter_rule_check - the rule as a form left it: each condition and
 * action has its fields; 0 if it may be stored, else -1 with *key_r the
 * message key (Lang.filters.error.<key>). own_addr: the user's address,
 * which a forward may not name. */
int filter_rule_check(const struct filter_rule *r, const char *own_addr,
		      const char **key_r)
	__attribute__((warn_unused_result));

/* filter_header_value - the i-th occurrence of header name in the header
 * block hdr (len bytes, CRLF or LF lines), unfolded, surrounding white
 * space removed, in pool memory; NULL when there are fewer */
const char *filter_header_value(struct pool *pool, const char *hdr,
				size_t len, const char *name, unsigned int i);

/* filter_sieve_require - the require line of a script holding rules */
void filter_sieve_require(struct buf *out, const struct filter_rule *rules,
			  unsigned int n);
/* filter_sieve_rule - one rule as a Sieve command (a disabled rule is
 * kept, with a test that is always false) */
void filter_sieve_rule(struct buf *out, const struct filter_rule *r);
/* filter_sieve_script - require line and every rule */
void filter_sieve_script(struct buf *out, const struct filter_rule *rules,
			 unsigned int n);

#endif
