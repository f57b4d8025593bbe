#ifndef MH_HTML_SANITIZE_H
#define MH_HTML_SANITIZE_H
/*
 * html-sanitize.h - allow-list sanitizer for the HTML bodies of mail, for
 * the webmail reading view.
 *
 * The input is parsed with gumbo (an HTML5 parser, so the tree is the one
 * a browser builds) and the tree is written out again by our own code:
 * only allow-listed elements and attributes, every text and attribute
 * value escaped (&amp; &lt; &gt; &quot; &#39;), attributes always
 * double-quoted, names always lower-case ASCII from our own tables. The
 * output is a fragment (the contents of <body>, never html/head/body
 * tags) meant to be shown inside a sandboxed iframe whose document is
 *
 *   <!DOCTYPE html><html><head>...</head><body> OUTPUT </body></html>
 *
 * (standards mode, an explicit body start tag): that is the context the
 * sanitizer parses in, so the iframe builds the tree that was written.
 *
 * SECURITY: the input is hostile. What is kept, and why, is described at
 * the top of html-sanitize.c. No script, event handler, form, frame,
 * plug-in, SVG or MathML survives; links are http, https or mailto and
 * open in a new window; images are cid: (rewritten by the caller), data:
 * PNG/GIF/JPEG, or remote only when allowed; style attributes are
 * filtered declaration by declaration and never contain url(). The
 * output is UTF-8, and idempotent: html_sanitize() of an output returns
 * it unchanged.
 * Work and memory are bounded by the limits in struct html_sanitize_opts.
 * Fuzzed by tests/fuzz/fuzz-html-sanitize.c.
 */
#include <stdbool.h>
#include <stddef.h>

struct buf;
struct pool;

/* html_cid_url_fn - the URL (in pool memory) that shows the MIME part
 * whose Content-ID is cid (the text after "cid:", as written in the mail,
 * possibly %-encoded), or NULL to drop the image's src. The result is
 * written (escaped) as it is, so it must be a URL of the webmail's own.
 * May be called more than once for the same cid. */
typedef const char *html_cid_url_fn(void *ctx, struct pool *pool,
				    const char *cid);

/* Limits left at 0 take the defaults below. */
struct html_sanitize_opts {
	/* keep http(s) image sources (the user clicked "show images") */
	bool allow_remote_images;
	/* map cid: image sources; NULL keeps them as "cid:..." */
	html_cid_url_fn *cid_url;
	void *cid_ctx;
	/* input bytes looked at; longer input is cut (2 MiB) */
	size_t max_input;
	/* output bytes before cid rewriting, end tags included; longer
	 * output is cut at a node boundary and closed (4 MiB) */
	size_t max_output;
	/* nested elements kept; deeper elements lose their tags and only
	 * their text is kept (256, at most 400) */
	unsigned int max_depth;
	/* bytes gumbo may allocate for one parse (64 MiB) */
	size_t max_parse_memory;
	/* CPU time of the whole call, mostly gumbo's: its tree builder is
	 * quadratic in nesting depth (2000 ms) */
	unsigned int max_cpu_ms;
	/* tests only: one pass, no stabilising re-parse (see the .c) */
	bool single_pass;
};

struct html_sanitize_result {
	unsigned int remote_blocked;	/* remote images whose src was dropped */
	bool truncated;			/* max_input or max_output cut the mail */
	bool flattened;			/* nesting past max_depth was flattened */
};

#define HTML_SANITIZE_MAX_INPUT (2 * 1024 * 1024)
#define HTML_SANITIZE_MAX_OUTPUT (4 * 1024 * 1024)
#define HTML_SANITIZE_MAX_DEPTH 256
#define HTML_SANITIZE_DEPTH_LIMIT 400	/* browsers flatten past 512 */
#define HTML_SANITIZE_MAX_PARSE_MEMORY (64 * 1024 * 1024)
#define HTML_SANITIZE_MAX_CPU_MS 2000

/*
 * html_sanitize - sanitize len bytes of UTF-8 HTML (a whole document or a
 * fragment; invalid UTF-8 becomes U+FFFD) and append the result to out.
 * opts may be NULL: remote images blocked, cid: kept, default limits.
 * pool is only handed to opts->cid_url; the work memory is private and
 * freed before returning. *result_r is always filled (it may be NULL).
 * Returns 0, or -1 with *error_r set to a short static English message
 * when the HTML needs more memory or CPU time than allowed, when out
 * refuses the bytes (its own max), or when the output does not settle
 * (see the .c); out is then left as it was, and the caller shows the
 * text/plain part instead.
 */
int html_sanitize(struct pool *pool, const char *html, size_t len,
		  const struct html_sanitize_opts *opts, struct buf *out,
		  struct html_sanitize_result *result_r, const char **error_r)
	__attribute__((warn_unused_result));

#endif
