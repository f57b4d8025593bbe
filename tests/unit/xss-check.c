/*
 * xss-check.c - judges of sanitized HTML (see xss-check.h).
 *
 * xss_check() walks the whole parsed document (head included, in case
 * something was hoisted there) with an explicit stack and applies the
 * rules of the issue, not the sanitizer's tables. xss_roundtrip() is a
 * plain serializer: every element, attribute, text and comment of the
 * body is written, unknown and foreign elements under a name no HTML
 * output can contain, so any node the sanitizer did not mean to write
 * makes the comparison fail.
 *
 * Test code: gumbo's own allocator and destroy are used (the inputs are
 * sanitizer outputs, whose depth is bounded).
 */
#include "config.h"

#include <gumbo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "xss-check.h"

#define PREFIX "<!DOCTYPE html><body>"

static const char *const ok_elements[] = {
	"a", "abbr", "address", "article", "aside", "b", "bdi", "bdo", "big",
	"blockquote", "br", "caption", "center", "cite", "code", "col",
	"colgroup", "dd", "del", "details", "dfn", "dir", "div", "dl", "dt",
	"em", "fieldset", "figcaption", "figure", "font", "footer", "h1",
	"h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "i", "img",
	"ins", "kbd", "legend", "li", "main", "mark", "menu", "nav", "nobr",
	"ol", "p", "pre", "q", "s", "samp", "section", "small", "span",
	"strike", "strong", "sub", "summary", "sup", "table", "tbody", "td",
	"tfoot", "th", "thead", "tr", "tt", "u", "ul", "var", "wbr",
	NULL
};

static const char *const ok_attributes[] = {
	"align", "alt", "bgcolor", "border", "cellpadding", "cellspacing",
	"clear", "color", "colspan", "dir", "face", "height", "href",
	"hspace", "lang", "noshade", "nowrap", "open", "referrerpolicy",
	"rel", "reversed", "rowspan", "size", "span", "src", "start",
	"style", "target", "title", "type", "valign", "value", "vspace",
	"width", NULL
};

/* attributes a browser may read as a URL, on some element */
static const char *const url_attributes[] = {
	"href", "src", "action", "formaction", "background", "poster",
	"srcset", "data", "lowsrc", "dynsrc", "cite", "longdesc", "usemap",
	"ping", "codebase", "archive", "icon", "manifest", "profile",
	"classid", "xlink:href", NULL
};

static const char *const style_forbidden[] = {
	"\\", "/*", "*/", "url(", "expression", "@import", "behavior",
	"binding", "javascript:", "vbscript:", "<", ">",
	"position:fixed", "position:absolute", "position:sticky", NULL
};

static char why[512];

/* in_list - s is one of the NULL-terminated list */
static bool in_list(const char *const *list, const char *s)
{
	for (; *list != NULL; list++) {
		if (strcmp(*list, s) == 0)
			return true;
	}
	return false;
}

/* squeeze - lower-case copy of s without any byte <= 0x20 or DEL */
static char *squeeze(const char *s)
{
	char *out = malloc(strlen(s) + 1), *o = out;

	if (out == NULL)
		abort();
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c <= 0x20 || c == 0x7f)
			continue;
		*o++ = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
	}
	*o = '\0';
	return out;
}

/* url_ok - the scheme of a URL attribute value is allowed for name */
static bool url_ok(const char *name, const char *value, bool allow_remote)
{
	char *u = squeeze(value);
	bool ok = false;

	if (strcmp(name, "href") == 0) {
		ok = strncmp(u, "http:", 5) == 0 ||
			strncmp(u, "https:", 6) == 0 ||
			strncmp(u, "mailto:", 7) == 0;
	} else if (strcmp(name, "src") == 0) {
		ok = strncmp(u, "cid:", 4) == 0 ||
			strncmp(u, "data:image/png;base64,", 22) == 0 ||
			strncmp(u, "data:image/gif;base64,", 22) == 0 ||
			strncmp(u, "data:image/jpeg;base64,", 23) == 0 ||
			strncmp(u, "data:image/jpg;base64,", 22) == 0 ||
			(allow_remote && (strncmp(u, "http:", 5) == 0 ||
					  strncmp(u, "https:", 6) == 0));
	}
	free(u);
	return ok;
}

/* style_ok - no forbidden content in a style attribute */
static bool style_ok(const char *value)
{
	char *s = squeeze(value);
	const char *const *f;
	bool ok = true;

	for (f = style_forbidden; *f != NULL && ok; f++)
		ok = strstr(s, *f) == NULL;
	for (const unsigned char *p = (const unsigned char *)value;
	     *p != '\0' && ok; p++)
		ok = *p >= 0x20 && *p != 0x7f;
	free(s);
	return ok;
}

/* check_element - the rules for one element; false with why set */
static bool check_element(const GumboNode *node, bool allow_remote)
{
	const GumboElement *e = &node->v.element;
	const char *tag = gumbo_normalized_tagname(e->tag);
	bool wrapper = e->tag == GUMBO_TAG_HTML || e->tag == GUMBO_TAG_HEAD ||
		e->tag == GUMBO_TAG_BODY;
	unsigned int i;

	if (node->type == GUMBO_NODE_TEMPLATE) {
		snprintf(why, sizeof(why), "template element");
		return false;
	}
	if (e->tag_namespace != GUMBO_NAMESPACE_HTML) {
		snprintf(why, sizeof(why), "foreign element <%s> (ns %d)",
			 tag, (int)e->tag_namespace);
		return false;
	}
	if (e->tag == GUMBO_TAG_UNKNOWN ||
	    (!wrapper && !in_list(ok_elements, tag))) {
		snprintf(why, sizeof(why), "element <%.*s> not allowed",
			 (int)e->original_tag.length, e->original_tag.data);
		return false;
	}
	if (wrapper && e->attributes.length > 0) {
		snprintf(why, sizeof(why), "attributes on <%s>", tag);
		return false;
	}
	for (i = 0; i < e->attributes.length; i++) {
		const GumboAttribute *a = e->attributes.data[i];

		if (a->attr_namespace != GUMBO_ATTR_NAMESPACE_NONE ||
		    strncmp(a->name, "on", 2) == 0 ||
		    !in_list(ok_attributes, a->name)) {
			snprintf(why, sizeof(why), "attribute %s on <%s>",
				 a->name, tag);
			return false;
		}
		if (in_list(url_attributes, a->name) &&
		    !url_ok(a->name, a->value, allow_remote)) {
			snprintf(why, sizeof(why), "URL %s=\"%.200s\" on <%s>",
				 a->name, a->value, tag);
			return false;
		}
		if (strcmp(a->name, "style") == 0 && !style_ok(a->value)) {
			snprintf(why, sizeof(why), "style \"%.200s\"",
				 a->value);
			return false;
		}
		if (strcmp(a->name, "target") == 0 &&
		    strcmp(a->value, "_blank") != 0) {
			snprintf(why, sizeof(why), "target \"%.100s\"",
				 a->value);
			return false;
		}
	}
	return true;
}

/* node_children - the child vector of a document or element node */
static const GumboVector *node_children(const GumboNode *n)
{
	if (n->type == GUMBO_NODE_DOCUMENT)
		return &n->v.document.children;
	if (n->type == GUMBO_NODE_ELEMENT || n->type == GUMBO_NODE_TEMPLATE)
		return &n->v.element.children;
	return NULL;
}

/* parse - gumbo's tree of PREFIX + html */
static GumboOutput *parse(const char *html, size_t len)
{
	size_t plen = strlen(PREFIX);
	char *in = malloc(plen + len + 1);
	GumboOutput *g;

	if (in == NULL)
		abort();
	memcpy(in, PREFIX, plen);
	memcpy(in + plen, html, len);
	g = gumbo_parse_with_options(&kGumboDefaultOptions, in, plen + len);
	free(in);
	return g;
}

const char *xss_check(const char *html, size_t len, bool allow_remote)
{
	GumboOutput *g = parse(html, len);
	const GumboNode **stack;
	size_t n = 0, cap = 256;
	const char *ret = NULL;

	stack = malloc(cap * sizeof(*stack));
	if (stack == NULL)
		abort();
	stack[n++] = g->document;
	while (n > 0 && ret == NULL) {
		const GumboNode *node = stack[--n];
		const GumboVector *kids;
		unsigned int i;

		switch (node->type) {
		case GUMBO_NODE_COMMENT:
		case GUMBO_NODE_CDATA:
			snprintf(why, sizeof(why), "comment or CDATA");
			ret = why;
			continue;
		case GUMBO_NODE_ELEMENT:
		case GUMBO_NODE_TEMPLATE:
			if (!check_element(node, allow_remote)) {
				ret = why;
				continue;
			}
			break;
		default:
			break;
		}
		kids = node_children(node);
		if (kids == NULL)
			continue;
		for (i = 0; i < kids->length; i++) {
			if (n == cap) {
				cap *= 2;
				stack = realloc(stack, cap * sizeof(*stack));
				if (stack == NULL)
					abort();
			}
			stack[n++] = kids->data[i];
		}
	}
	free(stack);
	gumbo_destroy_output(&kGumboDefaultOptions, g);
	return ret;
}

/* ---- round trip -------------------------------------------------------- */

/* put_escaped - s escaped as the sanitizer escapes text and values */
static void put_escaped(struct buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		switch (c) {
		case '&':
			buf_adds(b, "&amp;");
			break;
		case '<':
			buf_adds(b, "&lt;");
			break;
		case '>':
			buf_adds(b, "&gt;");
			break;
		case '"':
			buf_adds(b, "&quot;");
			break;
		case '\'':
			buf_adds(b, "&#39;");
			break;
		case '\r':
			buf_addc(b, '\n');
			break;
		default:
			if ((c >= 0x20 && c != 0x7f) || c == '\t' ||
			    c == '\n' || c == '\f')
				buf_addc(b, (char)c);
			break;
		}
	}
}

/* is_void - elements written without an end tag */
static bool is_void(GumboTag tag)
{
	switch (tag) {
	case GUMBO_TAG_AREA: case GUMBO_TAG_BASE: case GUMBO_TAG_BR:
	case GUMBO_TAG_COL: case GUMBO_TAG_EMBED: case GUMBO_TAG_HR:
	case GUMBO_TAG_IMG: case GUMBO_TAG_INPUT: case GUMBO_TAG_KEYGEN:
	case GUMBO_TAG_LINK: case GUMBO_TAG_META: case GUMBO_TAG_PARAM:
	case GUMBO_TAG_SOURCE: case GUMBO_TAG_TRACK: case GUMBO_TAG_WBR:
		return true;
	default:
		return false;
	}
}

/* tag_name - the name to write; impossible ones for what the sanitizer
 * never writes */
static const char *tag_name(const GumboElement *e)
{
	if (e->tag_namespace != GUMBO_NAMESPACE_HTML)
		return "?foreign";
	if (e->tag == GUMBO_TAG_UNKNOWN)
		return "?unknown";
	return gumbo_normalized_tagname(e->tag);
}

struct rt_frame {
	const GumboNode *node;
	unsigned int next;
};

bool xss_roundtrip(const char *html, size_t len)
{
	GumboOutput *g = parse(html, len);
	const GumboNode *body = NULL;
	struct rt_frame *st;
	size_t n = 0, cap = 256;
	struct buf b;
	bool same, pre_lf = false;
	unsigned int i;

	buf_init(&b, 0);
	for (i = 0; i < g->root->v.element.children.length; i++) {
		const GumboNode *c = g->root->v.element.children.data[i];

		if (c->type == GUMBO_NODE_ELEMENT &&
		    c->v.element.tag == GUMBO_TAG_BODY)
			body = c;
	}
	st = malloc(cap * sizeof(*st));
	if (st == NULL || body == NULL)
		abort();
	st[n].node = body;
	st[n++].next = 0;
	while (n > 0) {
		struct rt_frame *f = &st[n - 1];
		const GumboVector *kids = &f->node->v.element.children;
		const GumboNode *c;

		if (f->next >= kids->length) {
			if (f->node != body) {
				buf_adds(&b, "</");
				buf_adds(&b, tag_name(&f->node->v.element));
				buf_addc(&b, '>');
			}
			n--;
			pre_lf = false;
			continue;
		}
		c = kids->data[f->next++];
		if (c->type == GUMBO_NODE_TEXT ||
		    c->type == GUMBO_NODE_WHITESPACE) {
			if (pre_lf && c->v.text.text[0] == '\n')
				buf_addc(&b, '\n');
			put_escaped(&b, c->v.text.text);
		} else if (c->type == GUMBO_NODE_ELEMENT ||
			   c->type == GUMBO_NODE_TEMPLATE) {
			const GumboElement *e = &c->v.element;

			buf_addc(&b, '<');
			buf_adds(&b, tag_name(e));
			for (i = 0; i < e->attributes.length; i++) {
				const GumboAttribute *a =
					e->attributes.data[i];

				buf_addc(&b, ' ');
				buf_adds(&b, a->name);
				buf_adds(&b, "=\"");
				put_escaped(&b, a->value);
				buf_addc(&b, '"');
			}
			buf_addc(&b, '>');
			pre_lf = e->tag == GUMBO_TAG_PRE;
			if (!is_void(e->tag) || e->children.length > 0) {
				if (n == cap) {
					cap *= 2;
					st = realloc(st, cap * sizeof(*st));
					if (st == NULL)
						abort();
				}
				st[n].node = c;
				st[n++].next = 0;
			}
			continue;
		} else {
			buf_adds(&b, "<!--?-->");
		}
		pre_lf = false;
	}
	same = b.len == len && (len == 0 || memcmp(b.data, html, len) == 0);
	buf_free(&b);
	free(st);
	gumbo_destroy_output(&kGumboDefaultOptions, g);
	return same;
}
