/*
 * imap-fetch.c - sequence sets and FETCH attribute lists for mailhived.
 *
 * imap-parser hands FETCH its arguments as a tree; an attribute such as
 * BODY.PEEK[1.2.HEADER.FIELDS (From To)]<0.1024> arrives as one atom (the
 * parser keeps a section's spaces and parentheses inside it), which this
 * file takes apart:
 *
 *   fetch      = seq-set SP ("ALL" / "FULL" / "FAST" / fetch-att /
 *                "(" fetch-att *(SP fetch-att) ")") [SP modifiers]
 *   fetch-att  = "ENVELOPE" / "FLAGS" / "INTERNALDATE" / "UID" /
 *                "RFC822" [".HEADER" / ".SIZE" / ".TEXT"] / "MODSEQ" /
 *                "BODY" ["STRUCTURE"] / "BODY" [".PEEK"] section [partial]
 *                / "BINARY" [".PEEK"] "[" [part] "]" [partial] /
 *                "BINARY.SIZE" "[" [part] "]"
 *   section    = "[" [ text / part ["." (text / "MIME")] ] "]"
 *   text       = "HEADER" / "TEXT" / "HEADER.FIELDS" [".NOT"] SP
 *                "(" astring *(SP astring) ")"
 *   part       = nz-number *("." nz-number)
 *   partial    = "<" number "." nz-number ">"
 *   modifiers  = "(" ("CHANGEDSINCE" SP mod-sequence-value / "VANISHED")
 *                *(SP ...) ")"
 *
 * Keywords are case-insensitive. Deliberate choices:
 *  - Numbers are strict: no sign, no leading zero where the ABNF says
 *    nz-number (part numbers, sequence numbers, partial length); 32-bit
 *    ranges checked; the partial offset (number) may have leading zeros.
 *  - Header field names must be RFC 5322 field names (printable ASCII but
 *    ":"), atoms or quoted strings; "]" cannot be one because the parser
 *    ends a section at the first "]". The list must not be empty.
 *  - The macros ALL, FAST and FULL stand alone, never inside a list.
 *  - Modifiers may not repeat; CHANGEDSINCE takes 1..2^63-1 (RFC 7162
 *    mod-sequence-value: 0 is refused).
 *  - The response name keeps field names as sent and upper-cases the
 *    keywords, so "body.peek[header.fields (from)]" is answered as
 *    "BODY[HEADER.FIELDS (from)]".
 *
 * SECURITY: input is untrusted but already bounded by imap-parser. Every
 * scan is a single bounded pass over (data, len); arrays are sized by
 * counting the input first; no recursion.
 */
#include "config.h"

#include <string.h>

#include "buf.h"
#include "pool.h"

#include "imap-fetch.h"
#include "imap-parser.h"

#define MODSEQ_MAX	((uint64_t)INT64_MAX)

/* ==== small helpers ==================================================== */

/* is_digit - ASCII digit */
static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* to_upper - ASCII upper case */
static char to_upper(char c)
{
	return c >= 'a' && c <= 'z' ? (char)(c - ('a' - 'A')) : c;
}

/* ncase_eq - len octets of s equal word, ignoring ASCII case */
static bool ncase_eq(const char *s, size_t len, const char *word)
{
	size_t i;

	if (strlen(word) != len)
		return false;
	for (i = 0; i < len; i++) {
		if (to_upper(s[i]) != to_upper(word[i]))
			return false;
	}
	return true;
}

/* ncase_prefix - s[*pos..len) starts with word (any case); skips it */
static bool ncase_prefix(const char *s, size_t len, size_t *pos,
			 const char *word)
{
	size_t n = strlen(word);

	if (len - *pos < n || !ncase_eq(s + *pos, n, word))
		return false;
	*pos += n;
	return true;
}

/*
 * scan_number - digits at s[*pos] as a number <= max. nz: no leading
 * zero and not 0 (nz-number). Returns 0 and moves *pos, or -1.
 */
static int scan_number(const char *s, size_t len, size_t *pos, uint64_t max,
		       bool nz, uint64_t *num_r)
{
	size_t i = *pos;
	uint64_t n = 0;
	unsigned int d;

	if (i >= len || !is_digit(s[i]) || (nz && s[i] == '0'))
		return -1;
	for (; i < len && is_digit(s[i]); i++) {
		d = (unsigned int)(s[i] - '0');
		if (n > (max - d) / 10)
			return -1;
		n = n * 10 + d;
	}
	*pos = i;
	*num_r = n;
	return 0;
}

/* parse_modseq - a whole atom as mod-sequence-value (1..2^63-1) */
static int parse_modseq(const struct imap_arg *arg, uint64_t *num_r)
{
	const char *s = imap_arg_get_atom(arg);
	size_t pos = 0;
	uint64_t n;

	if (s == NULL || scan_number(s, arg->len, &pos, MODSEQ_MAX, true,
				     &n) < 0 || pos != arg->len)
		return -1;
	*num_r = n;
	return 0;
}

/* ==== sequence sets ==================================================== */

/* scan_seq_number - nz-number or "*" (IMAP_SEQ_STAR) */
static int scan_seq_number(const char *s, size_t len, size_t *pos,
			   uint32_t *num_r)
{
	uint64_t n;

	if (*pos < len && s[*pos] == '*') {
		(*pos)++;
		*num_r = IMAP_SEQ_STAR;
		return 0;
	}
	if (scan_number(s, len, pos, UINT32_MAX, true, &n) < 0)
		return -1;
	*num_r = (uint32_t)n;
	return 0;
}

/* imap_seqset_parse - parse a sequence set */
int imap_seqset_parse(struct pool *pool, const char *s, size_t len,
		      unsigned int flags, struct imap_seqset *set_r,
		      const char **error_r)
{
	struct imap_seq_range *ranges;
	unsigned int n = 1, i = 0;
	size_t pos = 0, k;
	uint32_t a, b;

	if (len == 1 && s[0] == '$') {
		if ((flags & IMAP_SEQSET_ALLOW_SEARCHRES) == 0) {
			*error_r = "'$' not allowed here";
			return -1;
		}
		set_r->ranges = NULL;
		set_r->count = 0;
		set_r->searchres = true;
		return 0;
	}
	if (len == 0) {
		*error_r = "Empty sequence set";
		return -1;
	}
	for (k = 0; k < len; k++) {
		if (s[k] == ',')
			n++;
	}
	ranges = p_new(pool, struct imap_seq_range, n);
	for (;;) {
		if (scan_seq_number(s, len, &pos, &a) < 0)
			goto bad;
		b = a;
		if (pos < len && s[pos] == ':') {
			pos++;
			if (scan_seq_number(s, len, &pos, &b) < 0)
				goto bad;
		}
		if (a == IMAP_SEQ_STAR) {
			a = b;
			b = IMAP_SEQ_STAR;
		} else if (b != IMAP_SEQ_STAR && b < a) {
			uint32_t t = a;

			a = b;
			b = t;
		}
		ranges[i].lo = a;
		ranges[i].hi = b;
		i++;
		if (pos == len)
			break;
		if (s[pos] != ',')
			goto bad;
		pos++;
	}
	set_r->ranges = ranges;
	set_r->count = i;
	set_r->searchres = false;
	return 0;
bad:
	*error_r = "Invalid sequence set";
	return -1;
}

/* imap_seqset_contains - membership with "*" resolved to star */
bool imap_seqset_contains(const struct imap_seqset *set, uint32_t n,
			  uint32_t star)
{
	const struct imap_seq_range *r;
	uint32_t lo, hi;
	unsigned int i;

	for (i = 0; i < set->count; i++) {
		r = &set->ranges[i];
		if (r->hi != IMAP_SEQ_STAR) {
			lo = r->lo;
			hi = r->hi;
		} else if (star == 0) {
			continue;
		} else {
			lo = r->lo == IMAP_SEQ_STAR ? star : r->lo;
			hi = star;
			if (lo > hi) {
				hi = lo;
				lo = star;
			}
		}
		if (n >= lo && n <= hi)
			return true;
	}
	return false;
}

/* ==== sections ========================================================= */

/* is_ftext - RFC 5322 field name character */
static bool is_ftext(unsigned char c)
{
	return c >= 33 && c <= 126 && c != ':';
}

/*
 * scan_field - one header field name at s[*pos]: an atom of ASTRING-CHARs
 * or a quoted string; stored unescaped in *name_r.
 */
static int scan_field(struct pool *pool, const char *s, size_t len,
		      size_t *pos, const char **name_r)
{
	size_t i = *pos, start, k;
	char *name, *w;

	if (i < len && s[i] == '"') {
		i++;
		name = w = p_alloc(pool, len - i + 1);
		for (; i < len && s[i] != '"'; i++) {
			if (s[i] == '\\') {
				if (++i == len || (s[i] != '\\' && s[i] != '"'))
					return -1;
			}
			if (!is_ftext((unsigned char)s[i]))
				return -1;
			*w++ = s[i];
		}
		if (i == len || w == name)
			return -1;
		*pos = i + 1;	/* past the closing quote */
		*name_r = name;
		return 0;
	}
	start = i;
	while (i < len && imap_is_astring_char((unsigned char)s[i]))
		i++;
	if (i == start)
		return -1;
	for (k = start; k < i; k++) {
		if (!is_ftext((unsigned char)s[k]))
			return -1;
	}
	*name_r = p_strndup(pool, s + start, i - start);
	*pos = i;
	return 0;
}

/* scan_header_list - " (" field *(SP field) ")" up to the end of s */
static int scan_header_list(struct pool *pool, const char *s, size_t len,
			    size_t pos, struct imap_section *sec)
{
	const char **fields;
	unsigned int n = 1, i = 0;
	size_t k;

	if (len - pos < 3 || s[pos] != ' ' || s[pos + 1] != '(' ||
	    s[len - 1] != ')')
		return -1;
	pos += 2;
	len--;		/* the ")" */
	for (k = pos; k < len; k++) {
		if (s[k] == ' ')
			n++;
	}
	fields = p_new(pool, const char *, n);
	for (;;) {
		if (i == n || scan_field(pool, s, len, &pos, &fields[i]) < 0)
			return -1;
		i++;
		if (pos == len)
			break;
		if (s[pos] != ' ')
			return -1;
		pos++;
	}
	sec->fields = fields;
	sec->field_count = i;
	return 0;
}

/*
 * parse_section - the text between "[" and "]". binary: only part numbers
 * (BINARY[...] and BINARY.SIZE[...]).
 */
static int parse_section(struct pool *pool, const char *s, size_t len,
			 bool binary, struct imap_section *sec,
			 const char **error_r)
{
	uint32_t parts[IMAP_FETCH_MAX_PART_DEPTH];
	unsigned int np = 0;
	size_t pos = 0;
	uint64_t n;

	memset(sec, 0, sizeof(*sec));
	while (pos < len && is_digit(s[pos])) {
		if (np == IMAP_FETCH_MAX_PART_DEPTH) {
			*error_r = "Section part numbers nested too deeply";
			return -1;
		}
		if (scan_number(s, len, &pos, UINT32_MAX, true, &n) < 0) {
			*error_r = "Invalid section part number";
			return -1;
		}
		parts[np++] = (uint32_t)n;
		if (pos == len)
			break;
		if (s[pos] != '.') {
			*error_r = "Invalid section";
			return -1;
		}
		pos++;
		if (pos == len) {
			*error_r = "Invalid section";
			return -1;
		}
	}
	if (np > 0) {
		sec->parts = p_memdup(pool, parts, sizeof(parts[0]) * np);
		sec->part_count = np;
	}
	if (pos == len)
		return 0;
	if (binary) {
		*error_r = "BINARY takes only part numbers";
		return -1;
	}
	if (ncase_prefix(s, len, &pos, "HEADER.FIELDS.NOT")) {
		sec->text = IMAP_SECTION_HEADER_FIELDS_NOT;
	} else if (ncase_prefix(s, len, &pos, "HEADER.FIELDS")) {
		sec->text = IMAP_SECTION_HEADER_FIELDS;
	} else if (ncase_prefix(s, len, &pos, "HEADER")) {
		sec->text = IMAP_SECTION_HEADER;
	} else if (ncase_prefix(s, len, &pos, "TEXT")) {
		sec->text = IMAP_SECTION_TEXT;
	} else if (np > 0 && ncase_prefix(s, len, &pos, "MIME")) {
		sec->text = IMAP_SECTION_MIME;
	} else {
		*error_r = "Invalid section";
		return -1;
	}
	if (sec->text == IMAP_SECTION_HEADER_FIELDS ||
	    sec->text == IMAP_SECTION_HEADER_FIELDS_NOT) {
		if (scan_header_list(pool, s, len, pos, sec) < 0) {
			*error_r = "Invalid header field list";
			return -1;
		}
		return 0;
	}
	if (pos != len) {
		*error_r = "Invalid section";
		return -1;
	}
	return 0;
}

/* parse_partial - "<" number "." nz-number ">", all of s */
static int parse_partial(const char *s, size_t len,
			 struct imap_fetch_att *att)
{
	size_t pos = 1;
	uint64_t off, cnt;

	if (len < 5 || s[0] != '<' || s[len - 1] != '>')
		return -1;
	if (scan_number(s, len, &pos, UINT32_MAX, false, &off) < 0 ||
	    pos >= len || s[pos] != '.')
		return -1;
	pos++;
	if (scan_number(s, len, &pos, UINT32_MAX, true, &cnt) < 0 ||
	    pos != len - 1)
		return -1;
	att->partial = true;
	att->partial_offset = (uint32_t)off;
	att->partial_count = (uint32_t)cnt;
	return 0;
}

/* append_field - a field name in astring form (quoted when needed) */
static void append_field(struct buf *b, const char *name)
{
	const char *s;
	bool atom = true;
	int ret = 0;

	for (s = name; *s != '\0'; s++)
		atom = atom && imap_is_astring_char((unsigned char)*s);
	if (atom) {
		ret = buf_append_str(b, name);
	} else {
		ret = buf_append_char(b, '"');
		for (s = name; *s != '\0' && ret == 0; s++) {
			if (*s == '"' || *s == '\\')
				ret = buf_append_char(b, '\\');
			if (ret == 0)
				ret = buf_append_char(b, *s);
		}
		if (ret == 0)
			ret = buf_append_char(b, '"');
	}
	(void)ret;	/* unbounded buffer: cannot fail */
}

/* att_name - the name of an item in the FETCH response */
static const char *att_name(struct pool *pool,
			    const struct imap_fetch_att *att,
			    const char *prefix)
{
	static const char *const text_names[] = {
		"", "HEADER", "HEADER.FIELDS", "HEADER.FIELDS.NOT", "TEXT",
		"MIME",
	};
	const struct imap_section *sec = &att->section;
	struct buf b;
	unsigned int i;
	const char *name;
	int ret;

	buf_init(&b, 0);
	ret = buf_printf(&b, "%s[", prefix);
	for (i = 0; i < sec->part_count && ret == 0; i++)
		ret = buf_printf(&b, i > 0 ? ".%u" : "%u", sec->parts[i]);
	if (sec->text != IMAP_SECTION_ALL && ret == 0) {
		ret = buf_printf(&b, "%s%s", sec->part_count > 0 ? "." : "",
				 text_names[sec->text]);
	}
	if (sec->field_count > 0 && ret == 0) {
		ret = buf_append_str(&b, " (");
		for (i = 0; i < sec->field_count && ret == 0; i++) {
			if (i > 0)
				ret = buf_append_char(&b, ' ');
			append_field(&b, sec->fields[i]);
		}
		if (ret == 0)
			ret = buf_append_char(&b, ')');
	}
	if (ret == 0)
		ret = buf_append_char(&b, ']');
	if (att->partial && ret == 0)
		ret = buf_printf(&b, "<%u>", att->partial_offset);
	(void)ret;	/* unbounded buffer: cannot fail */
	name = p_strndup(pool, b.data, b.len);
	buf_free(&b);
	return name;
}

/* ==== attributes ======================================================= */

static const struct {
	const char *name;
	enum imap_fetch_type type;
} simple_atts[] = {
	{ "ENVELOPE", IMAP_FETCH_ENVELOPE },
	{ "FLAGS", IMAP_FETCH_FLAGS },
	{ "INTERNALDATE", IMAP_FETCH_INTERNALDATE },
	{ "RFC822", IMAP_FETCH_RFC822 },
	{ "RFC822.HEADER", IMAP_FETCH_RFC822_HEADER },
	{ "RFC822.SIZE", IMAP_FETCH_RFC822_SIZE },
	{ "RFC822.TEXT", IMAP_FETCH_RFC822_TEXT },
	{ "BODY", IMAP_FETCH_BODY },
	{ "BODYSTRUCTURE", IMAP_FETCH_BODYSTRUCTURE },
	{ "UID", IMAP_FETCH_UID },
	{ "MODSEQ", IMAP_FETCH_MODSEQ },
};

static const struct {
	const char *name;
	enum imap_fetch_type type;
	bool peek;
	const char *prefix;	/* in the response */
} section_atts[] = {
	{ "BODY", IMAP_FETCH_BODY_SECTION, false, "BODY" },
	{ "BODY.PEEK", IMAP_FETCH_BODY_SECTION, true, "BODY" },
	{ "BINARY", IMAP_FETCH_BINARY, false, "BINARY" },
	{ "BINARY.PEEK", IMAP_FETCH_BINARY, true, "BINARY" },
	{ "BINARY.SIZE", IMAP_FETCH_BINARY_SIZE, false, "BINARY.SIZE" },
};

/* imap_fetch_att_parse - one fetch-att */
int imap_fetch_att_parse(struct pool *pool, const char *s, size_t len,
			 struct imap_fetch_att *att_r, const char **error_r)
{
	const char *open, *close;
	size_t i, plen;
	struct imap_fetch_att att;

	memset(&att, 0, sizeof(att));
	open = memchr(s, '[', len);
	if (open == NULL) {
		for (i = 0; i < sizeof(simple_atts) / sizeof(simple_atts[0]);
		     i++) {
			if (ncase_eq(s, len, simple_atts[i].name)) {
				att.type = simple_atts[i].type;
				att.name = simple_atts[i].name;
				*att_r = att;
				return 0;
			}
		}
		*error_r = "Unknown FETCH attribute";
		return -1;
	}
	plen = (size_t)(open - s);
	for (i = 0; i < sizeof(section_atts) / sizeof(section_atts[0]); i++) {
		if (ncase_eq(s, plen, section_atts[i].name))
			break;
	}
	if (i == sizeof(section_atts) / sizeof(section_atts[0])) {
		*error_r = "Unknown FETCH attribute";
		return -1;
	}
	att.type = section_atts[i].type;
	att.peek = section_atts[i].peek;
	close = memchr(open, ']', len - plen);
	if (close == NULL) {
		*error_r = "Missing ']'";
		return -1;
	}
	if (parse_section(pool, open + 1, (size_t)(close - open - 1),
			  att.type != IMAP_FETCH_BODY_SECTION, &att.section,
			  error_r) < 0)
		return -1;
	close++;
	if (close != s + len) {
		if (att.type == IMAP_FETCH_BINARY_SIZE ||
		    parse_partial(close, (size_t)(s + len - close),
				  &att) < 0) {
			*error_r = "Invalid partial range";
			return -1;
		}
	}
	att.name = att_name(pool, &att, section_atts[i].prefix);
	*att_r = att;
	return 0;
}

/* sets_seen - fetching this item sets \Seen */
static bool sets_seen(const struct imap_fetch_att *att)
{
	switch (att->type) {
	case IMAP_FETCH_RFC822:
	case IMAP_FETCH_RFC822_TEXT:
		return true;
	case IMAP_FETCH_BODY_SECTION:
	case IMAP_FETCH_BINARY:
		return !att->peek;
	default:
		return false;
	}
}

/* parse_modifiers - "(CHANGEDSINCE n VANISHED)" */
static int parse_modifiers(const struct imap_arg *arg, struct imap_fetch *f,
			   const char **error_r)
{
	const struct imap_arg *list;
	unsigned int count, i;

	if (!imap_arg_get_list(arg, &list, &count) || count == 0) {
		*error_r = "Invalid FETCH modifiers";
		return -1;
	}
	for (i = 0; i < count; i++) {
		if (imap_arg_atom_eq(&list[i], "CHANGEDSINCE")) {
			if (f->changedsince || i + 1 == count ||
			    parse_modseq(&list[i + 1],
					 &f->changedsince_modseq) < 0) {
				*error_r = "Invalid CHANGEDSINCE";
				return -1;
			}
			f->changedsince = true;
			i++;
		} else if (imap_arg_atom_eq(&list[i], "VANISHED")) {
			if (f->vanished) {
				*error_r = "Duplicate VANISHED";
				return -1;
			}
			f->vanished = true;
		} else {
			*error_r = "Unknown FETCH modifier";
			return -1;
		}
	}
	return 0;
}

/* add_macro - ALL, FAST or FULL into atts; false if word is none */
static bool add_macro(struct pool *pool, const struct imap_arg *arg,
		      struct imap_fetch_att *atts, unsigned int *n)
{
	static const char *const fast[] = {
		"FLAGS", "INTERNALDATE", "RFC822.SIZE",
	};
	unsigned int i, extra;
	const char *error;

	if (imap_arg_atom_eq(arg, "FAST"))
		extra = 0;
	else if (imap_arg_atom_eq(arg, "ALL"))
		extra = 1;
	else if (imap_arg_atom_eq(arg, "FULL"))
		extra = 2;
	else
		return false;
	for (i = 0; i < 3; i++) {
		if (imap_fetch_att_parse(pool, fast[i], strlen(fast[i]),
					 &atts[(*n)++], &error) < 0)
			return false;
	}
	if (extra >= 1 && imap_fetch_att_parse(pool, "ENVELOPE", 8,
					       &atts[(*n)++], &error) < 0)
		return false;
	if (extra >= 2 && imap_fetch_att_parse(pool, "BODY", 4,
					       &atts[(*n)++], &error) < 0)
		return false;
	return true;
}

/* has_type - atts[0..n) holds an item of that type */
static bool has_type(const struct imap_fetch_att *atts, unsigned int n,
		     enum imap_fetch_type type)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (atts[i].type == type)
			return true;
	}
	return false;
}

/* add_implied - append an item the client did not ask for */
static void add_implied(struct pool *pool, struct imap_fetch_att *atts,
			unsigned int *n, const char *name)
{
	const char *error;

	if (imap_fetch_att_parse(pool, name, strlen(name), &atts[*n],
				 &error) == 0) {
		atts[*n].implied = true;
		(*n)++;
	}
}

/* imap_fetch_parse - FETCH / UID FETCH arguments */
int imap_fetch_parse(struct pool *pool, const struct imap_arg *args,
		     unsigned int count, bool uid, struct imap_fetch *fetch_r,
		     const char **error_r)
{
	struct imap_fetch f;
	struct imap_fetch_att *atts;
	const struct imap_arg *list;
	unsigned int n = 0, list_count, i;
	const char *s;

	memset(&f, 0, sizeof(f));
	if (count < 2 || count > 3) {
		*error_r = "FETCH takes a sequence set, items and modifiers";
		return -1;
	}
	if (args[0].type != IMAP_ARG_ATOM) {
		*error_r = "Invalid sequence set";
		return -1;
	}
	if (imap_seqset_parse(pool, args[0].str, args[0].len,
			      IMAP_SEQSET_ALLOW_SEARCHRES, &f.seqset,
			      error_r) < 0)
		return -1;
	if (count == 3 && parse_modifiers(&args[2], &f, error_r) < 0)
		return -1;
	if (f.vanished && (!uid || !f.changedsince)) {
		*error_r = "VANISHED needs UID FETCH and CHANGEDSINCE";
		return -1;
	}

	if (imap_arg_get_list(&args[1], &list, &list_count)) {
		if (list_count == 0) {
			*error_r = "Empty FETCH item list";
			return -1;
		}
	} else {
		list = &args[1];
		list_count = 1;
	}
	/* room for a macro's five items and two implied ones */
	atts = p_new(pool, struct imap_fetch_att, list_count + 7);
	if (list == &args[1] && add_macro(pool, list, atts, &n)) {
		/* a macro stands alone */
	} else {
		for (i = 0; i < list_count; i++) {
			s = imap_arg_get_atom(&list[i]);
			if (s == NULL) {
				*error_r = "Invalid FETCH item";
				return -1;
			}
			if (imap_fetch_att_parse(pool, s, list[i].len,
						 &atts[n], error_r) < 0)
				return -1;
			n++;
		}
	}
	if (uid && !has_type(atts, n, IMAP_FETCH_UID))
		add_implied(pool, atts, &n, "UID");
	if (f.changedsince && !has_type(atts, n, IMAP_FETCH_MODSEQ))
		add_implied(pool, atts, &n, "MODSEQ");
	for (i = 0; i < n; i++)
		f.sets_seen = f.sets_seen || sets_seen(&atts[i]);
	f.atts = atts;
	f.count = n;
	*fetch_r = f;
	return 0;
}
