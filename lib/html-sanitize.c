/*
 * html-sanitize.c - allow-list sanitizer for HTML mail, built on gumbo.
 *
 * A mail's HTML part is hostile. Regular expressions over HTML fail on
 * the details of the HTML5 tokenizer (raw-text elements, comments ended
 * by "--!>", foreign content, entity decoding), so the input is parsed
 * with gumbo, which builds the tree a browser builds, and the tree is
 * written out again by the code below. Nothing of the input's markup is
 * copied: tag and attribute names come from our tables, text and
 * attribute values are re-escaped (& < > " ' as &amp; &lt; &gt; &quot;
 * &#39;, CR as LF, bytes that are not UTF-8 as U+FFFD), attributes are
 * always double-quoted. The result is built only from
 *
 *   - allowed elements (tag_rules[]): mail formatting, lists, tables,
 *     images and links. Foreign (SVG, MathML) elements, scripts, styles,
 *     templates, noscript, frames, plug-ins, media, form controls, and
 *     meta/base/link are dropped with everything inside them. Any other
 *     element (unknown ones like Outlook's <o:p>, form, label, time)
 *     loses its tags but keeps its (filtered) content;
 *   - allowed attributes per element: dir, lang, title, style almost
 *     everywhere, layout attributes on tables and images, href on a, src
 *     on img. No event handler, id, class, name, target, srcset or
 *     background survives;
 *   - links: http, https and mailto only, after removing what a browser
 *     ignores (tab, CR, LF anywhere; controls and spaces at both ends).
 *     A kept link gets target="_blank" rel="noopener noreferrer";
 *   - images: cid: (rewritten through opts->cid_url), data: PNG, GIF or
 *     JPEG in base64, and http(s) only with opts->allow_remote_images
 *     (else the src goes and result->remote_blocked counts it);
 *   - style attributes: rebuilt declaration by declaration (css_decl());
 *     a declaration survives only with an allowed property and a value
 *     made of plain characters: no backslash, comment, colon, brace, '<',
 *     '>', control, and no function but rgb/rgba/hsl/hsla (so no url(),
 *     expression(), image-set()); position only static or relative.
 *
 * Parsing context. Every parse runs on "<!DOCTYPE html><body>" + input:
 * standards mode, and everything (head elements too) lands in <body>,
 * whose children are written. The webmail shows the output in exactly
 * that context (see html-sanitize.h), so the browser re-parses the output
 * into the tree that was written.
 *
 * Stability. Writing a tree the parser would not have built can change
 * it on re-parse (an unwrapped element between <h1> and <h2>, say). The
 * writer avoids the common cases itself (only white space and table
 * parts directly inside tables and their sections, table parts only in
 * their own parents, the leading LF of <pre> doubled), and
 * html_sanitize() then sanitizes its own output again until it no longer
 * changes (at most SAN_MAX_PASSES parses in all; normally two; about 1%
 * of fuzzed inputs need a third). A fixpoint means the re-parsed tree
 * holds exactly what was written. cid: sources are mapped only in the
 * pass that confirms the fixpoint, so the mapped URLs (which are not
 * cid:) never meet the filter.
 *
 * SECURITY: safety does not rest on the stability passes. The output's
 * tokens are only allowed start tags with filtered, escaped attributes,
 * end tags, and escaped text: no comment, raw-text element or foreign
 * element is ever written, so any HTML5 parser tokenizes it the same way
 * and can only build trees out of those elements and attributes.
 *
 * Bounded work. Input past max_input is cut (at a UTF-8 boundary). gumbo
 * allocates from an arena of our own (never its recursive destroy): past
 * max_parse_memory, or once max_cpu_ms of thread CPU time is used (gumbo
 * is quadratic in nesting depth: 20000 nested <div> take about a second),
 * the allocator longjmp()s out of the parse - safe, because gumbo holds no
 * resource but arena memory, which is freed as a whole - and the call
 * fails. The tree is walked with an explicit stack (no recursion);
 * elements deeper than max_depth lose their tags; the output stops at
 * max_output with room kept for the end tags of what is open.
 */
#include "config.h"

#include <gumbo.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "html-sanitize.h"
#include "log.h"
#include "pool.h"

#define SAN_MAX_PASSES 4
#define SAN_PREFIX "<!DOCTYPE html><body>"
#define ATTR_TEXT_MAX 1024	/* title, alt, width, ... */
#define STYLE_MAX (16 * 1024)	/* a style attribute before filtering */
#define CSS_VALUE_MAX 512	/* one declaration's value */
#define URL_MAX 8192		/* href, remote or cid: src */
#define DATA_IMAGE_MAX (1024 * 1024)
#define ARENA_BLOCK (64 * 1024)
#define CPU_CHECK_EVERY 256	/* allocations between clock reads */

/* ---- policy tables ----------------------------------------------------- */

enum attr_id {
	AT_ALIGN, AT_ALT, AT_BGCOLOR, AT_BORDER, AT_CELLPADDING,
	AT_CELLSPACING, AT_CLEAR, AT_COLOR, AT_COLSPAN, AT_DIR, AT_FACE,
	AT_HEIGHT, AT_HREF, AT_HSPACE, AT_LANG, AT_NOSHADE, AT_NOWRAP,
	AT_OPEN, AT_REVERSED, AT_ROWSPAN, AT_SIZE, AT_SPAN, AT_SRC, AT_START,
	AT_STYLE, AT_TITLE, AT_TYPE, AT_VALIGN, AT_VALUE, AT_VSPACE,
	AT_WIDTH, AT_COUNT
};

enum attr_kind { AK_TEXT, AK_HREF, AK_SRC, AK_STYLE };

struct attr_rule {
	const char *name;
	enum attr_kind kind;
};

static const struct attr_rule attr_rules[AT_COUNT] = {
	[AT_ALIGN] = { "align", AK_TEXT },
	[AT_ALT] = { "alt", AK_TEXT },
	[AT_BGCOLOR] = { "bgcolor", AK_TEXT },
	[AT_BORDER] = { "border", AK_TEXT },
	[AT_CELLPADDING] = { "cellpadding", AK_TEXT },
	[AT_CELLSPACING] = { "cellspacing", AK_TEXT },
	[AT_CLEAR] = { "clear", AK_TEXT },
	[AT_COLOR] = { "color", AK_TEXT },
	[AT_COLSPAN] = { "colspan", AK_TEXT },
	[AT_DIR] = { "dir", AK_TEXT },
	[AT_FACE] = { "face", AK_TEXT },
	[AT_HEIGHT] = { "height", AK_TEXT },
	[AT_HREF] = { "href", AK_HREF },
	[AT_HSPACE] = { "hspace", AK_TEXT },
	[AT_LANG] = { "lang", AK_TEXT },
	[AT_NOSHADE] = { "noshade", AK_TEXT },
	[AT_NOWRAP] = { "nowrap", AK_TEXT },
	[AT_OPEN] = { "open", AK_TEXT },
	[AT_REVERSED] = { "reversed", AK_TEXT },
	[AT_ROWSPAN] = { "rowspan", AK_TEXT },
	[AT_SIZE] = { "size", AK_TEXT },
	[AT_SPAN] = { "span", AK_TEXT },
	[AT_SRC] = { "src", AK_SRC },
	[AT_START] = { "start", AK_TEXT },
	[AT_STYLE] = { "style", AK_STYLE },
	[AT_TITLE] = { "title", AK_TEXT },
	[AT_TYPE] = { "type", AK_TEXT },
	[AT_VALIGN] = { "valign", AK_TEXT },
	[AT_VALUE] = { "value", AK_TEXT },
	[AT_VSPACE] = { "vspace", AK_TEXT },
	[AT_WIDTH] = { "width", AK_TEXT },
};

#define A(id) ((uint32_t)1 << AT_##id)
#define GENERIC (A(DIR) | A(LANG) | A(TITLE) | A(STYLE))
#define CELL (GENERIC | A(ALIGN) | A(VALIGN) | A(WIDTH) | A(HEIGHT) | \
	      A(BGCOLOR) | A(COLSPAN) | A(ROWSPAN) | A(NOWRAP))

/* what happens to an element; TAG_UNWRAP (0) is also the default for
 * every tag not listed and for unknown tags: the tags go, the content
 * is filtered like everything else */
enum tag_action { TAG_UNWRAP = 0, TAG_ALLOW, TAG_DROP };

#define TF_VOID 1		/* no end tag, no content */

struct tag_rule {
	const char *name;
	unsigned char action;
	unsigned char flags;
	uint32_t attrs;
};

#define ALLOW(tag, nm, at) [GUMBO_TAG_##tag] = { nm, TAG_ALLOW, 0, at }
#define VOID(tag, nm, at) [GUMBO_TAG_##tag] = { nm, TAG_ALLOW, TF_VOID, at }
#define DROP(tag) [GUMBO_TAG_##tag] = { NULL, TAG_DROP, 0, 0 }

static const struct tag_rule tag_rules[GUMBO_TAG_LAST] = {
	/* text-level formatting */
	ALLOW(A, "a", GENERIC | A(HREF)),
	ALLOW(ABBR, "abbr", GENERIC),
	ALLOW(B, "b", GENERIC),
	ALLOW(BDI, "bdi", GENERIC),
	ALLOW(BDO, "bdo", GENERIC),
	ALLOW(BIG, "big", GENERIC),
	ALLOW(CITE, "cite", GENERIC),
	ALLOW(CODE, "code", GENERIC),
	ALLOW(DEL, "del", GENERIC),
	ALLOW(DFN, "dfn", GENERIC),
	ALLOW(EM, "em", GENERIC),
	ALLOW(FONT, "font", GENERIC | A(COLOR) | A(FACE) | A(SIZE)),
	ALLOW(I, "i", GENERIC),
	ALLOW(INS, "ins", GENERIC),
	ALLOW(KBD, "kbd", GENERIC),
	ALLOW(MARK, "mark", GENERIC),
	ALLOW(NOBR, "nobr", GENERIC),
	ALLOW(Q, "q", GENERIC),
	ALLOW(S, "s", GENERIC),
	ALLOW(SAMP, "samp", GENERIC),
	ALLOW(SMALL, "small", GENERIC),
	ALLOW(SPAN, "span", GENERIC),
	ALLOW(STRIKE, "strike", GENERIC),
	ALLOW(STRONG, "strong", GENERIC),
	ALLOW(SUB, "sub", GENERIC),
	ALLOW(SUP, "sup", GENERIC),
	ALLOW(TT, "tt", GENERIC),
	ALLOW(U, "u", GENERIC),
	ALLOW(VAR, "var", GENERIC),
	VOID(BR, "br", GENERIC | A(CLEAR)),
	VOID(WBR, "wbr", 0),
	VOID(IMG, "img", GENERIC | A(SRC) | A(ALT) | A(WIDTH) | A(HEIGHT) |
	     A(BORDER) | A(ALIGN) | A(HSPACE) | A(VSPACE)),
	/* blocks */
	ALLOW(ADDRESS, "address", GENERIC),
	ALLOW(ARTICLE, "article", GENERIC),
	ALLOW(ASIDE, "aside", GENERIC),
	ALLOW(BLOCKQUOTE, "blockquote", GENERIC | A(TYPE)),
	ALLOW(CENTER, "center", GENERIC),
	ALLOW(DETAILS, "details", GENERIC | A(OPEN)),
	ALLOW(DIV, "div", GENERIC | A(ALIGN)),
	ALLOW(FIELDSET, "fieldset", GENERIC),
	ALLOW(FIGCAPTION, "figcaption", GENERIC),
	ALLOW(FIGURE, "figure", GENERIC),
	ALLOW(FOOTER, "footer", GENERIC),
	ALLOW(H1, "h1", GENERIC | A(ALIGN)),
	ALLOW(H2, "h2", GENERIC | A(ALIGN)),
	ALLOW(H3, "h3", GENERIC | A(ALIGN)),
	ALLOW(H4, "h4", GENERIC | A(ALIGN)),
	ALLOW(H5, "h5", GENERIC | A(ALIGN)),
	ALLOW(H6, "h6", GENERIC | A(ALIGN)),
	ALLOW(HEADER, "header", GENERIC),
	ALLOW(HGROUP, "hgroup", GENERIC),
	ALLOW(LEGEND, "legend", GENERIC | A(ALIGN)),
	ALLOW(MAIN, "main", GENERIC),
	ALLOW(NAV, "nav", GENERIC),
	ALLOW(P, "p", GENERIC | A(ALIGN)),
	ALLOW(PRE, "pre", GENERIC),
	ALLOW(SECTION, "section", GENERIC),
	ALLOW(SUMMARY, "summary", GENERIC),
	VOID(HR, "hr", GENERIC | A(ALIGN) | A(WIDTH) | A(SIZE) | A(NOSHADE) |
	     A(COLOR)),
	/* lists */
	ALLOW(DD, "dd", GENERIC),
	ALLOW(DIR, "dir", GENERIC),
	ALLOW(DL, "dl", GENERIC),
	ALLOW(DT, "dt", GENERIC),
	ALLOW(LI, "li", GENERIC | A(TYPE) | A(VALUE)),
	ALLOW(MENU, "menu", GENERIC),
	ALLOW(OL, "ol", GENERIC | A(START) | A(TYPE) | A(REVERSED)),
	ALLOW(UL, "ul", GENERIC | A(TYPE)),
	/* tables */
	ALLOW(TABLE, "table", GENERIC | A(WIDTH) | A(HEIGHT) | A(BORDER) |
	      A(CELLPADDING) | A(CELLSPACING) | A(ALIGN) | A(BGCOLOR)),
	ALLOW(CAPTION, "caption", GENERIC | A(ALIGN)),
	ALLOW(COLGROUP, "colgroup", GENERIC | A(SPAN) | A(WIDTH) | A(ALIGN) |
	      A(VALIGN)),
	VOID(COL, "col", GENERIC | A(SPAN) | A(WIDTH) | A(ALIGN) | A(VALIGN)),
	ALLOW(THEAD, "thead", GENERIC | A(ALIGN) | A(VALIGN)),
	ALLOW(TBODY, "tbody", GENERIC | A(ALIGN) | A(VALIGN)),
	ALLOW(TFOOT, "tfoot", GENERIC | A(ALIGN) | A(VALIGN)),
	ALLOW(TR, "tr", GENERIC | A(ALIGN) | A(VALIGN) | A(BGCOLOR) |
	      A(HEIGHT)),
	ALLOW(TD, "td", CELL),
	ALLOW(TH, "th", CELL),
	/* gone with their content: active content, what lives in <head>,
	 * frames, plug-ins, media, form controls, raw-text containers whose
	 * text is markup, foreign content */
	DROP(APPLET), DROP(AREA), DROP(AUDIO), DROP(BASE), DROP(BASEFONT),
	DROP(BGSOUND), DROP(BUTTON), DROP(CANVAS), DROP(DATALIST),
	DROP(EMBED), DROP(FRAME), DROP(FRAMESET), DROP(HEAD), DROP(IFRAME),
	DROP(INPUT), DROP(KEYGEN), DROP(LINK), DROP(LISTING), DROP(MAP),
	DROP(MARQUEE), DROP(MENUITEM), DROP(META), DROP(NEXTID),
	DROP(NOEMBED), DROP(NOFRAMES), DROP(NOSCRIPT), DROP(OBJECT),
	DROP(OPTGROUP), DROP(OPTION), DROP(PARAM), DROP(SCRIPT),
	DROP(SELECT), DROP(SOURCE), DROP(STYLE), DROP(TEMPLATE),
	DROP(TEXTAREA), DROP(TITLE), DROP(TRACK), DROP(VIDEO),
	DROP(MATH), DROP(MI), DROP(MO), DROP(MN), DROP(MS), DROP(MTEXT),
	DROP(MGLYPH), DROP(MALIGNMARK), DROP(ANNOTATION_XML), DROP(SVG),
	DROP(FOREIGNOBJECT), DROP(DESC),
};

/* CSS properties a declaration may set (values are checked apart) */
static const char *const css_properties[] = {
	"background", "background-color",
	"border", "border-bottom", "border-bottom-color",
	"border-bottom-left-radius", "border-bottom-right-radius",
	"border-bottom-style", "border-bottom-width", "border-collapse",
	"border-color", "border-left", "border-left-color",
	"border-left-style", "border-left-width", "border-radius",
	"border-right", "border-right-color", "border-right-style",
	"border-right-width", "border-spacing", "border-style", "border-top",
	"border-top-color", "border-top-left-radius",
	"border-top-right-radius", "border-top-style", "border-top-width",
	"border-width", "caption-side", "clear", "color", "direction",
	"display", "empty-cells", "float", "font", "font-family",
	"font-size", "font-style", "font-variant", "font-weight", "height",
	"letter-spacing", "line-height", "list-style", "list-style-position",
	"list-style-type", "margin", "margin-bottom", "margin-left",
	"margin-right", "margin-top", "max-height", "max-width",
	"min-height", "min-width", "overflow", "overflow-wrap", "padding",
	"padding-bottom", "padding-left", "padding-right", "padding-top",
	"position", "table-layout", "text-align", "text-decoration",
	"text-indent", "text-overflow", "text-transform", "vertical-align",
	"visibility", "white-space", "width", "word-break", "word-spacing",
	"word-wrap",
};

/* words a declaration may not contain anywhere (mostly unreachable past
 * the character check, kept as a second line) */
static const char *const css_forbidden[] = {
	"expression", "javascript", "vbscript", "url(", "@import",
	"behavior", "binding",
};

/* ---- bounded parsing --------------------------------------------------- */

enum parse_fail { PARSE_OK, PARSE_MEMORY, PARSE_CPU };

/* arena - all of gumbo's memory for one parse, and the limits on it */
struct arena {
	struct pool *pool;
	size_t used, max;
	unsigned int ticks;
	const struct timespec *deadline;
	enum parse_fail why;
	jmp_buf jb;
};

/* cpu_now - CPU time used by this thread */
static struct timespec cpu_now(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) < 0)
		panic("clock_gettime(CLOCK_THREAD_CPUTIME_ID): %m");
	return ts;
}

/* cpu_past - the thread's CPU time has reached deadline */
static bool cpu_past(const struct timespec *deadline)
{
	struct timespec now = cpu_now();

	return now.tv_sec > deadline->tv_sec ||
		(now.tv_sec == deadline->tv_sec &&
		 now.tv_nsec >= deadline->tv_nsec);
}

/* arena_alloc - gumbo's allocator: arena memory, or a jump out of the
 * parse when the memory or the CPU time is used up. gumbo never sees
 * NULL. */
static void *arena_alloc(void *userdata, size_t size)
{
	struct arena *a = userdata;
	size_t need = (size + 15) & ~(size_t)15;

	if (need < size || need > a->max - a->used) {
		a->why = PARSE_MEMORY;
		longjmp(a->jb, 1);
	}
	a->used += need;
	if (++a->ticks % CPU_CHECK_EVERY == 0 && cpu_past(a->deadline)) {
		a->why = PARSE_CPU;
		longjmp(a->jb, 1);
	}
	return p_alloc(a->pool, size);
}

/* arena_free - nothing: the arena goes as a whole */
static void arena_free(void *userdata, void *ptr)
{
	(void)userdata;
	(void)ptr;
}

/* parse_bounded - gumbo's tree of buf, or NULL with a->why set. Nothing
 * here changes after setjmp(), so nothing can be clobbered. */
static GumboOutput *parse_bounded(struct arena *a, const char *buf,
				  size_t len)
{
	GumboOptions go = kGumboDefaultOptions;

	go.allocator = arena_alloc;
	go.deallocator = arena_free;
	go.userdata = a;
	go.max_errors = 0;	/* we never read them */
	if (setjmp(a->jb) != 0)
		return NULL;
	return gumbo_parse_with_options(&go, buf, len);
}

/* ---- writer state ------------------------------------------------------ */

enum frame_how {
	HOW_EMIT,	/* tags written: an end tag is owed */
	HOW_UNWRAP,	/* no tags, content as usual */
	HOW_FLATTEN,	/* too deep: no tags below, text only */
};

struct frame {
	const GumboNode *node;
	unsigned int next;	/* next child to visit */
	unsigned char how;
	GumboTag ctx;		/* the nearest written element (or BODY) */
};

/* san - one call: limits, scratch buffers, and the current pass */
struct san {
	struct pool *pool;		/* the caller's, for cid_url */
	const struct html_sanitize_opts *opts;
	size_t max_output;
	size_t max_parse_memory;
	unsigned int max_depth;
	struct timespec deadline;

	/* the pass */
	bool first;			/* remote images count only once */
	struct buf *out;		/* plain output */
	struct buf *out_rw;		/* with cid: mapped, or NULL */
	struct html_sanitize_result *res;
	size_t close_cost;		/* bytes of end tags owed */
	unsigned int depth;		/* written elements open */
	unsigned int flatten;		/* HOW_FLATTEN frames open */
	bool pre_lf;			/* <pre> just written */
	bool full;			/* max_output reached */

	struct frame *frames;
	size_t nframes, frames_cap;

	/* scratch */
	struct buf tag, tag_rw;		/* the start tag being built */
	struct buf val;			/* a filtered attribute value */
	struct buf decl;		/* one CSS declaration */
};

/* add - append to an unlimited scratch buffer; only memory can fail */
static void add(struct buf *b, const void *data, size_t len)
{
	if (buf_append(b, data, len) < 0)
		panic("html-sanitize: out of memory");
}

/* adds - add a C string */
static void adds(struct buf *b, const char *s)
{
	add(b, s, strlen(s));
}

/* fits - n more bytes leave room for the end tags owed */
static bool fits(const struct san *st, size_t n)
{
	return st->out->len <= st->max_output &&
		n <= st->max_output - st->out->len &&
		st->close_cost <= st->max_output - st->out->len - n;
}

/* out_add - write to the output (both versions) */
static void out_add(struct san *st, const char *data, size_t len)
{
	add(st->out, data, len);
	if (st->out_rw != NULL)
		add(st->out_rw, data, len);
	st->pre_lf = false;
}

/* ---- escaping ---------------------------------------------------------- */

/* utf8_seq - length of the well-formed UTF-8 sequence at s, or 0 */
static size_t utf8_seq(const char *s, size_t len)
{
	unsigned char c = (unsigned char)s[0];
	size_t n;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	return n <= len && utf8_valid(s, n) ? n : 0;
}

/* escape_unit - how the text at s[i] is written in text or a quoted
 * attribute value: NULL to copy the *adv_r bytes there, or a replacement
 * for them ("" drops them). Bytes that are not UTF-8 (gumbo lets a few
 * through, from character references past 2^31) become U+FFFD. */
static const char *escape_unit(const char *s, size_t len, size_t i,
			       size_t *adv_r)
{
	unsigned char c = (unsigned char)s[i];

	*adv_r = 1;
	if (c >= 0x80) {
		*adv_r = utf8_seq(s + i, len - i);
		if (*adv_r != 0)
			return NULL;
		*adv_r = 1;
		return "\xef\xbf\xbd";
	}
	switch (c) {
	case '&':
		return "&amp;";
	case '<':
		return "&lt;";
	case '>':
		return "&gt;";
	case '"':
		return "&quot;";
	case '\'':
		return "&#39;";
	case '\r':
		return "\n";	/* a parser would turn a raw CR into LF */
	case '\t':
	case '\n':
	case '\f':
		return NULL;
	default:
		return c < 0x20 || c == 0x7f ? "" : NULL;
	}
}

/* escape_into - append s escaped to b (attribute values, no budget) */
static void escape_into(struct buf *b, const char *s, size_t len)
{
	size_t run = 0, i, adv;

	for (i = 0; i < len; i += adv) {
		const char *rep = escape_unit(s, len, i, &adv);

		if (rep == NULL)
			continue;
		add(b, s + run, i - run);
		adds(b, rep);
		run = i + adv;
	}
	add(b, s + run, len - run);
}

/* utf8_cut - the longest prefix of s[0..len) not longer than max that
 * does not split a UTF-8 sequence */
static size_t utf8_cut(const char *s, size_t len, size_t max)
{
	size_t n = len < max ? len : max;

	if (n == len)
		return n;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return n;
}

/* emit_run - copy plain text, as much as the budget allows */
static void emit_run(struct san *st, const char *s, size_t len)
{
	size_t room, n;

	if (len == 0)
		return;
	room = fits(st, 0) ? st->max_output - st->out->len - st->close_cost
		: 0;
	n = utf8_cut(s, len, room);
	if (n > 0)
		out_add(st, s, n);
	if (n < len) {
		st->full = true;
		st->res->truncated = true;
	}
}

/* emit_text - a text node, escaped, within the budget */
static void emit_text(struct san *st, const char *s, size_t len)
{
	size_t run = 0, i, adv;

	if (st->pre_lf && len > 0 && (s[0] == '\n' || s[0] == '\r')) {
		/* the parser eats one LF right after <pre>: give it one */
		if (!fits(st, 1)) {
			st->full = true;
			st->res->truncated = true;
			return;
		}
		out_add(st, "\n", 1);
	}
	for (i = 0; i < len && !st->full; i += adv) {
		const char *rep = escape_unit(s, len, i, &adv);
		size_t rlen;

		if (rep == NULL)
			continue;
		emit_run(st, s + run, i - run);
		run = i + adv;
		rlen = strlen(rep);
		if (st->full || rlen == 0)
			continue;
		if (!fits(st, rlen)) {
			st->full = true;
			st->res->truncated = true;
			break;
		}
		out_add(st, rep, rlen);
	}
	if (!st->full)
		emit_run(st, s + run, len - run);
}

/* ---- URLs -------------------------------------------------------------- */

enum url_kind { URL_BAD, URL_HTTP, URL_MAILTO, URL_CID, URL_DATA_IMAGE };

/* lower - ASCII lower case of one byte */
static unsigned char lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

/* prefix_case - s begins with the lower-case ASCII prefix p, any case */
static bool prefix_case(const char *s, size_t len, const char *p)
{
	size_t i;

	for (i = 0; p[i] != '\0'; i++) {
		if (i >= len || lower((unsigned char)s[i]) != (unsigned char)p[i])
			return false;
	}
	return true;
}

/* is_base64 - only base64 characters, at least one */
static bool is_base64(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || c == '+' || c == '/' ||
		      c == '='))
			return false;
	}
	return len > 0;
}

/* url_clean - the URL as a browser reads it, into st->val: leading and
 * trailing C0 controls and spaces trimmed, tab, CR and LF removed
 * everywhere; any other control makes it bad. Returns its kind. */
static enum url_kind url_clean(struct san *st, const char *v)
{
	static const char *const data_images[] = {
		"data:image/png;base64,", "data:image/gif;base64,",
		"data:image/jpeg;base64,", "data:image/jpg;base64,",
	};
	size_t len = strlen(v), i, n, max;
	const char *s;

	while (len > 0 && (unsigned char)v[len - 1] <= 0x20)
		len--;
	while (len > 0 && (unsigned char)*v <= 0x20) {
		v++;
		len--;
	}
	buf_reset(&st->val);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c == '\t' || c == '\n' || c == '\r')
			continue;
		if (c < 0x20 || c == 0x7f)
			return URL_BAD;
		add(&st->val, v + i, 1);
	}
	s = st->val.data;
	n = st->val.len;
	if (n == 0)
		return URL_BAD;
	max = prefix_case(s, n, "data:") ? DATA_IMAGE_MAX : URL_MAX;
	if (n > max)
		return URL_BAD;
	if (prefix_case(s, n, "http:") || prefix_case(s, n, "https:"))
		return URL_HTTP;
	if (prefix_case(s, n, "mailto:"))
		return URL_MAILTO;
	if (prefix_case(s, n, "cid:"))
		return n > 4 ? URL_CID : URL_BAD;
	for (i = 0; i < sizeof(data_images) / sizeof(data_images[0]); i++) {
		size_t plen = strlen(data_images[i]);

		if (prefix_case(s, n, data_images[i]))
			return is_base64(s + plen, n - plen) ?
				URL_DATA_IMAGE : URL_BAD;
	}
	/* relative, fragment-only, javascript:, vbscript:, other data:,
	 * and every other scheme */
	return URL_BAD;
}

/* ---- CSS --------------------------------------------------------------- */

/* css_property_ok - name is an allowed property */
static bool css_property_ok(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(css_properties) / sizeof(css_properties[0]);
	     i++) {
		if (strlen(css_properties[i]) == len &&
		    memcmp(css_properties[i], name, len) == 0)
			return true;
	}
	return false;
}

/* css_char_ok - a byte a value may hold: letters, digits, UTF-8, and
 * " #%.,-+!'\"()/_" */
static bool css_char_ok(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c >= 0x80)
		return true;
	return strchr(" #%.,-+!'\"()/_", c) != NULL && c != '\0';
}

/* css_function_ok - the identifier ending at s[end) names rgb, rgba,
 * hsl or hsla */
static bool css_function_ok(const char *s, size_t end)
{
	static const char *const fns[] = { "rgb", "rgba", "hsl", "hsla" };
	size_t start = end, i, n;

	while (start > 0 && ((s[start - 1] >= 'a' && s[start - 1] <= 'z') ||
			     (s[start - 1] >= 'A' && s[start - 1] <= 'Z') ||
			     s[start - 1] == '-'))
		start--;
	n = end - start;
	for (i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
		if (strlen(fns[i]) == n && prefix_case(s + start, n, fns[i]))
			return true;
	}
	return false;
}

/* css_value_ok - plain characters; quotes closed; parentheses only
 * around the arguments of an allowed function, not nested */
static bool css_value_ok(const char *v, size_t len)
{
	char quote = 0;
	bool in_fn = false;
	size_t i, j;

	for (i = 0; i < len; i++) {
		char c = v[i];

		if (!css_char_ok((unsigned char)c))
			return false;
		if (quote != 0) {
			if (c == quote)
				quote = 0;
		} else if (c == '"' || c == '\'') {
			quote = c;
		} else if (c == '(') {
			if (in_fn || !css_function_ok(v, i))
				return false;
			in_fn = true;
		} else if (c == ')') {
			if (!in_fn)
				return false;
			in_fn = false;
		}
	}
	if (quote != 0 || in_fn)
		return false;
	for (i = 0; i < sizeof(css_forbidden) / sizeof(css_forbidden[0]);
	     i++) {
		size_t flen = strlen(css_forbidden[i]);

		for (j = 0; j + flen <= len; j++) {
			if (prefix_case(v + j, len - j, css_forbidden[i]))
				return false;
		}
	}
	return true;
}

/* css_decl - one declaration "name: value" (no ';'); when it passes,
 * append its normal form (lower-case name, single spaces) to out */
static void css_decl(struct san *st, const char *d, size_t len,
		     struct buf *out)
{
	const char *colon, *name, *value;
	size_t name_len, value_len, i;
	struct buf *w = &st->decl;

	/* white space becomes one space; other controls are fatal */
	buf_reset(w);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)d[i];

		if (c == '\t' || c == '\n' || c == '\r' || c == '\f')
			c = ' ';
		else if (c < 0x20 || c == 0x7f)
			return;
		if (c == ' ' && (w->len == 0 || w->data[w->len - 1] == ' '))
			continue;
		add(w, &c, 1);
	}
	if (w->len == 0 || (colon = memchr(w->data, ':', w->len)) == NULL)
		return;
	name = w->data;
	name_len = (size_t)(colon - name);
	while (name_len > 0 && name[name_len - 1] == ' ')
		name_len--;
	value = colon + 1;
	value_len = w->len - (size_t)(value - w->data);
	while (value_len > 0 && *value == ' ') {
		value++;
		value_len--;
	}
	while (value_len > 0 && value[value_len - 1] == ' ')
		value_len--;
	if (name_len == 0 || name_len > 40 || value_len == 0 ||
	    value_len > CSS_VALUE_MAX)
		return;
	for (i = 0; i < name_len; i++) {
		w->data[i] = (char)lower((unsigned char)name[i]);
		if (!((w->data[i] >= 'a' && w->data[i] <= 'z') ||
		      w->data[i] == '-'))
			return;
	}
	if (!css_property_ok(name, name_len) ||
	    !css_value_ok(value, value_len))
		return;
	if (name_len == 8 && memcmp(name, "position", 8) == 0 &&
	    !(value_len == 6 && prefix_case(value, 6, "static")) &&
	    !(value_len == 8 && prefix_case(value, 8, "relative")))
		return;
	if (out->len > 0)
		adds(out, "; ");
	add(out, name, name_len);
	adds(out, ": ");
	add(out, value, value_len);
}

/* css_filter - the style attribute v rebuilt from its good declarations,
 * in out; false when none is left */
static bool css_filter(struct san *st, const char *v, struct buf *out)
{
	size_t len = strlen(v), start = 0, i;

	buf_reset(out);
	if (len > STYLE_MAX)
		return false;
	for (i = 0; i <= len; i++) {
		if (i == len || v[i] == ';') {
			css_decl(st, v + start, i - start, out);
			start = i + 1;
		}
	}
	return out->len > 0;
}

/* ---- start tags -------------------------------------------------------- */

/* tag_add - append to the start tag being built (both versions) */
static void tag_add(struct san *st, const char *s, size_t len)
{
	add(&st->tag, s, len);
	if (st->out_rw != NULL)
		add(&st->tag_rw, s, len);
}

/* tag_attr - append ' name="value"' (value escaped) to both versions */
static void tag_attr(struct san *st, const char *name, const char *value,
		     size_t len)
{
	tag_add(st, " ", 1);
	tag_add(st, name, strlen(name));
	tag_add(st, "=\"", 2);
	escape_into(&st->tag, value, len);
	if (st->out_rw != NULL)
		escape_into(&st->tag_rw, value, len);
	tag_add(st, "\"", 1);
}

/* tag_src - an img src: cid: URLs differ between the two versions */
static void tag_src(struct san *st, const char *url, size_t len)
{
	const char *mapped;

	add(&st->tag, " src=\"", 6);
	escape_into(&st->tag, url, len);
	add(&st->tag, "\"", 1);
	if (st->out_rw == NULL)
		return;
	mapped = st->opts->cid_url(st->opts->cid_ctx, st->pool, url + 4);
	if (mapped == NULL)
		return;
	add(&st->tag_rw, " src=\"", 6);
	escape_into(&st->tag_rw, mapped, strlen(mapped));
	add(&st->tag_rw, "\"", 1);
}

/* attr_lookup - our id for an attribute name, or -1 */
static int attr_lookup(const char *name)
{
	int i;

	for (i = 0; i < AT_COUNT; i++) {
		if (strcmp(attr_rules[i].name, name) == 0)
			return i;
	}
	return -1;
}

/* build_attrs - the allowed attributes of e, filtered, in their order */
static void build_attrs(struct san *st, const GumboElement *e,
			const struct tag_rule *rule)
{
	bool link = false, remote = false;
	unsigned int i;

	for (i = 0; i < e->attributes.length; i++) {
		const GumboAttribute *a = e->attributes.data[i];
		enum url_kind kind;
		int id;

		if (a->attr_namespace != GUMBO_ATTR_NAMESPACE_NONE ||
		    (id = attr_lookup(a->name)) < 0 ||
		    (rule->attrs & ((uint32_t)1 << id)) == 0)
			continue;
		switch (attr_rules[id].kind) {
		case AK_TEXT:
			if (strlen(a->value) <= ATTR_TEXT_MAX)
				tag_attr(st, attr_rules[id].name, a->value,
					 strlen(a->value));
			break;
		case AK_STYLE:
			if (css_filter(st, a->value, &st->val))
				tag_attr(st, "style", st->val.data,
					 st->val.len);
			break;
		case AK_HREF:
			kind = url_clean(st, a->value);
			if (kind == URL_HTTP || kind == URL_MAILTO) {
				tag_attr(st, "href", st->val.data,
					 st->val.len);
				link = true;
			}
			break;
		case AK_SRC:
			kind = url_clean(st, a->value);
			if (kind == URL_HTTP &&
			    !st->opts->allow_remote_images) {
				if (st->first)
					st->res->remote_blocked++;
			} else if (kind == URL_HTTP) {
				tag_attr(st, "src", st->val.data,
					 st->val.len);
				remote = true;
			} else if (kind == URL_DATA_IMAGE) {
				tag_attr(st, "src", st->val.data,
					 st->val.len);
			} else if (kind == URL_CID) {
				tag_src(st, st->val.data, st->val.len);
			}
			break;
		}
	}
	if (link) {
		const char *s = " target=\"_blank\" rel=\"noopener noreferrer\"";

		tag_add(st, s, strlen(s));
	}
	if (remote) {
		const char *s = " referrerpolicy=\"no-referrer\"";

		tag_add(st, s, strlen(s));
	}
}

/* emit_start - write the start tag of an allowed element, when it and
 * its end tag fit; false (and the output full) when not */
static bool emit_start(struct san *st, const GumboElement *e,
		       const struct tag_rule *rule)
{
	size_t end_len = (rule->flags & TF_VOID) != 0 ? 0 :
		strlen(rule->name) + 3;

	buf_reset(&st->tag);
	buf_reset(&st->tag_rw);
	tag_add(st, "<", 1);
	tag_add(st, rule->name, strlen(rule->name));
	build_attrs(st, e, rule);
	tag_add(st, ">", 1);
	if (!fits(st, st->tag.len + end_len)) {
		st->full = true;
		st->res->truncated = true;
		return false;
	}
	add(st->out, st->tag.data, st->tag.len);
	if (st->out_rw != NULL)
		add(st->out_rw, st->tag_rw.data, st->tag_rw.len);
	st->pre_lf = e->tag == GUMBO_TAG_PRE;
	st->close_cost += end_len;
	return true;
}

/* ---- tree walk --------------------------------------------------------- */

/* table_ctx - an element whose children must be table parts (text only
 * white space): anything else would be moved by a parser */
static bool table_ctx(GumboTag tag)
{
	switch (tag) {
	case GUMBO_TAG_TABLE:
	case GUMBO_TAG_THEAD:
	case GUMBO_TAG_TBODY:
	case GUMBO_TAG_TFOOT:
	case GUMBO_TAG_TR:
	case GUMBO_TAG_COLGROUP:
		return true;
	default:
		return false;
	}
}

/* table_part - the element whose parent must be a table element */
static bool table_part(GumboTag tag)
{
	switch (tag) {
	case GUMBO_TAG_CAPTION:
	case GUMBO_TAG_COLGROUP:
	case GUMBO_TAG_COL:
	case GUMBO_TAG_THEAD:
	case GUMBO_TAG_TBODY:
	case GUMBO_TAG_TFOOT:
	case GUMBO_TAG_TR:
	case GUMBO_TAG_TD:
	case GUMBO_TAG_TH:
		return true;
	default:
		return false;
	}
}

/* table_child_ok - tag may be written right inside ctx */
static bool table_child_ok(GumboTag ctx, GumboTag tag)
{
	switch (ctx) {
	case GUMBO_TAG_TABLE:
		return tag == GUMBO_TAG_CAPTION || tag == GUMBO_TAG_COLGROUP ||
			tag == GUMBO_TAG_THEAD || tag == GUMBO_TAG_TBODY ||
			tag == GUMBO_TAG_TFOOT;
	case GUMBO_TAG_THEAD:
	case GUMBO_TAG_TBODY:
	case GUMBO_TAG_TFOOT:
		return tag == GUMBO_TAG_TR;
	case GUMBO_TAG_TR:
		return tag == GUMBO_TAG_TD || tag == GUMBO_TAG_TH;
	case GUMBO_TAG_COLGROUP:
		return tag == GUMBO_TAG_COL;
	default:
		return !table_part(tag);
	}
}

/* all_space - only HTML white space */
static bool all_space(const char *s)
{
	for (; *s != '\0'; s++) {
		if (strchr(" \t\n\f\r", *s) == NULL)
			return false;
	}
	return true;
}

/* push - open a frame for node */
static void push(struct san *st, const GumboNode *node, enum frame_how how,
		 GumboTag ctx)
{
	struct frame *f;

	if (st->nframes == st->frames_cap) {
		size_t cap = st->frames_cap < 64 ? 64 : st->frames_cap * 2;

		st->frames = xrealloc(st->frames, cap * sizeof(*st->frames));
		st->frames_cap = cap;
	}
	f = &st->frames[st->nframes++];
	f->node = node;
	f->next = 0;
	f->how = (unsigned char)how;
	f->ctx = ctx;
	if (how == HOW_EMIT)
		st->depth++;
	else if (how == HOW_FLATTEN)
		st->flatten++;
}

/* pop - close the top frame, writing the end tag that is owed */
static void pop(struct san *st)
{
	const struct frame *f = &st->frames[--st->nframes];

	if (f->how == HOW_EMIT) {
		const char *name = tag_rules[f->node->v.element.tag].name;
		size_t len = strlen(name) + 3;

		out_add(st, "</", 2);
		out_add(st, name, len - 3);
		out_add(st, ">", 1);
		st->close_cost -= len;
		st->depth--;
	} else if (f->how == HOW_FLATTEN) {
		st->flatten--;
	}
}

/* visit_element - decide what becomes of one element child */
static void visit_element(struct san *st, const GumboNode *node,
			  GumboTag ctx)
{
	const GumboElement *e = &node->v.element;
	const struct tag_rule *rule;
	static const struct tag_rule unwrap = { NULL, TAG_UNWRAP, 0, 0 };

	if (e->tag_namespace != GUMBO_NAMESPACE_HTML)
		return;		/* SVG, MathML: never */
	rule = e->tag < GUMBO_TAG_LAST ? &tag_rules[e->tag] : &unwrap;
	if (rule->action == TAG_DROP)
		return;
	if (st->flatten > 0) {
		push(st, node, HOW_FLATTEN, ctx);
		return;
	}
	if (!table_child_ok(ctx, e->tag) ||
	    (table_ctx(ctx) && rule->action != TAG_ALLOW))
		return;
	if (rule->action == TAG_UNWRAP) {
		push(st, node, HOW_UNWRAP, ctx);
		return;
	}
	if (st->depth >= st->max_depth) {
		st->res->flattened = true;
		push(st, node, HOW_FLATTEN, ctx);
		return;
	}
	if (!emit_start(st, e, rule))
		return;
	if ((rule->flags & TF_VOID) == 0)
		push(st, node, HOW_EMIT, e->tag);
}

/* walk - write the children of body, depth first, without recursion */
static void walk(struct san *st, const GumboNode *body)
{
	push(st, body, HOW_UNWRAP, GUMBO_TAG_BODY);
	while (st->nframes > 0) {
		struct frame *f = &st->frames[st->nframes - 1];
		const GumboVector *kids = &f->node->v.element.children;
		const GumboNode *child;
		GumboTag ctx = f->ctx;

		if (st->full || f->next >= kids->length) {
			pop(st);
			continue;
		}
		child = kids->data[f->next++];
		switch (child->type) {
		case GUMBO_NODE_TEXT:
		case GUMBO_NODE_WHITESPACE:
			if (!table_ctx(ctx) || all_space(child->v.text.text))
				emit_text(st, child->v.text.text,
					  strlen(child->v.text.text));
			break;
		case GUMBO_NODE_ELEMENT:
			visit_element(st, child, ctx);
			break;
		default:
			/* comments, CDATA, template contents */
			break;
		}
	}
}

/* find_body - the body element under the html root, or NULL */
static const GumboNode *find_body(const GumboOutput *g)
{
	const GumboVector *kids;
	unsigned int i;

	if (g->root == NULL || g->root->type != GUMBO_NODE_ELEMENT)
		return NULL;
	kids = &g->root->v.element.children;
	for (i = 0; i < kids->length; i++) {
		const GumboNode *n = kids->data[i];

		if (n->type == GUMBO_NODE_ELEMENT &&
		    n->v.element.tag == GUMBO_TAG_BODY)
			return n;
	}
	return NULL;
}

/* ---- passes ------------------------------------------------------------ */

/* run_pass - parse html and write what is allowed into out (and, with
 * cid mapping, out_rw). -1 with *error_r when a parse limit was hit. */
static int run_pass(struct san *st, const char *html, size_t len,
		    struct buf *out, struct buf *out_rw,
		    struct html_sanitize_result *res, const char **error_r)
{
	size_t plen = strlen(SAN_PREFIX);
	struct arena arena;
	const GumboOutput *g;
	const GumboNode *body;
	char *input;

	memset(&arena, 0, sizeof(arena));
	arena.pool = pool_new("html-sanitize gumbo", ARENA_BLOCK);
	arena.max = st->max_parse_memory;
	arena.deadline = &st->deadline;
	if (len > SIZE_MAX - plen)
		panic("html_sanitize: input length overflow");
	input = xmalloc(plen + len);
	memcpy(input, SAN_PREFIX, plen);
	if (len > 0)
		memcpy(input + plen, html, len);

	g = parse_bounded(&arena, input, plen + len);
	if (g == NULL) {
		free(input);
		pool_destroy(&arena.pool);
		*error_r = arena.why == PARSE_CPU ?
			"HTML takes too long to parse" :
			"HTML needs too much memory to parse";
		return -1;
	}
	st->out = out;
	st->out_rw = out_rw;
	st->res = res;
	st->close_cost = 0;
	st->depth = 0;
	st->flatten = 0;
	st->pre_lf = false;
	st->full = false;
	st->nframes = 0;
	body = find_body(g);
	if (body != NULL)
		walk(st, body);
	free(input);
	pool_destroy(&arena.pool);
	if (cpu_past(&st->deadline)) {
		*error_r = "HTML takes too long to sanitize";
		return -1;
	}
	return 0;
}

/* limit - v, or def when v is 0 */
static size_t limit(size_t v, size_t def)
{
	return v != 0 ? v : def;
}

/* buf_same - two buffers hold the same bytes */
static bool buf_same(const struct buf *a, const struct buf *b)
{
	return a->len == b->len &&
		(a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

int html_sanitize(struct pool *pool, const char *html, size_t len,
		  const struct html_sanitize_opts *opts, struct buf *out,
		  struct html_sanitize_result *result_r, const char **error_r)
{
	static const struct html_sanitize_opts defaults;
	struct html_sanitize_result res, scratch;
	struct buf cur, next, rw, *final = NULL, tmp;
	struct san st;
	size_t max_input, ms;
	bool map_cid;
	int ret, pass;

	if (opts == NULL)
		opts = &defaults;
	memset(&res, 0, sizeof(res));
	memset(&st, 0, sizeof(st));
	st.pool = pool;
	st.opts = opts;
	st.max_output = limit(opts->max_output, HTML_SANITIZE_MAX_OUTPUT);
	st.max_parse_memory = limit(opts->max_parse_memory,
				    HTML_SANITIZE_MAX_PARSE_MEMORY);
	st.max_depth = (unsigned int)limit(opts->max_depth,
					   HTML_SANITIZE_MAX_DEPTH);
	if (st.max_depth > HTML_SANITIZE_DEPTH_LIMIT)
		st.max_depth = HTML_SANITIZE_DEPTH_LIMIT;
	ms = limit(opts->max_cpu_ms, HTML_SANITIZE_MAX_CPU_MS);
	st.deadline = cpu_now();
	st.deadline.tv_sec += (time_t)(ms / 1000);
	st.deadline.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (st.deadline.tv_nsec >= 1000000000L) {
		st.deadline.tv_sec++;
		st.deadline.tv_nsec -= 1000000000L;
	}
	map_cid = opts->cid_url != NULL;
	buf_init(&cur, 0);
	buf_init(&next, 0);
	buf_init(&rw, 0);
	buf_init(&st.tag, 0);
	buf_init(&st.tag_rw, 0);
	buf_init(&st.val, 0);
	buf_init(&st.decl, 0);

	max_input = limit(opts->max_input, HTML_SANITIZE_MAX_INPUT);
	if (len > max_input) {
		len = utf8_cut(html, len, max_input);
		res.truncated = true;
	}

	/* pass 1 reads the mail; the next ones read the previous output
	 * until it comes back unchanged. cid: is mapped (into rw) only in
	 * the passes that can be the last. */
	st.first = true;
	ret = run_pass(&st, html, len, &cur,
		       opts->single_pass && map_cid ? &rw : NULL, &res,
		       error_r);
	if (ret == 0 && opts->single_pass)
		final = map_cid ? &rw : &cur;
	st.first = false;
	for (pass = 2; ret == 0 && final == NULL && pass <= SAN_MAX_PASSES;
	     pass++) {
		memset(&scratch, 0, sizeof(scratch));
		buf_reset(&next);
		buf_reset(&rw);
		ret = run_pass(&st, cur.data != NULL ? cur.data : "", cur.len,
			       &next, map_cid ? &rw : NULL, &scratch,
			       error_r);
		if (ret == 0 && buf_same(&cur, &next)) {
			final = map_cid ? &rw : &cur;
			break;
		}
		tmp = cur;
		cur = next;
		next = tmp;
	}
	if (ret == 0 && final == NULL) {
		*error_r = "sanitized HTML does not settle";
		ret = -1;
	}
	if (ret == 0 && final->len > 0 &&
	    buf_append(out, final->data, final->len) < 0) {
		*error_r = "sanitized HTML too large for the output buffer";
		ret = -1;
	}
	buf_free(&cur);
	buf_free(&next);
	buf_free(&rw);
	buf_free(&st.tag);
	buf_free(&st.tag_rw);
	buf_free(&st.val);
	buf_free(&st.decl);
	free(st.frames);
	if (result_r != NULL)
		*result_r = res;
	return ret;
}
