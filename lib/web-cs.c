/*
 * web-cs.c - ClearSilver glue: data sets with HTML escaping on by default,
 * rendering into a buffer, and the one place NEOERR is turned into -1.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "db.h"
#include "log.h"
#include "pool.h"
#include "web-cs.h"

/* cs_fail - log a ClearSilver error with its traceback, free it, -1 */
static int cs_fail(NEOERR *err, const char *what)
{
	STRING s;

	string_init(&s);
	nerr_error_traceback(err, &s);
	log_error("event=template_error what=%s error=%s", log_quote(what),
		  log_quote(s.buf != NULL ? s.buf : "unknown"));
	string_clear(&s);
	nerr_ignore(&err);
	return -1;
}

void wcs_init(void)
{
	nerr_init();
}

HDF *wcs_hdf_new(const char *const *loadpaths)
{
	HDF *hdf = NULL;
	NEOERR *err;
	char name[32];

	err = hdf_init(&hdf);
	if (err != STATUS_OK) {
		cs_fail(err, "hdf_init");
		return NULL;
	}
	err = hdf_set_value(hdf, "Config.VarEscapeMode", "html");
	if (err == STATUS_OK)
		err = hdf_set_value(hdf, "Config.DebugEnabled", "0");
	if (err == STATUS_OK)
		err = hdf_set_value(hdf, "Config.WhiteSpaceStrip", "1");
	for (int i = 0; err == STATUS_OK && loadpaths != NULL &&
	     loadpaths[i] != NULL; i++) {
		snprintf(name, sizeof(name), "hdf.loadpaths.%d", i);
		err = hdf_set_value(hdf, name, loadpaths[i]);
	}
	if (err != STATUS_OK) {
		cs_fail(err, "hdf_set_value");
		hdf_destroy(&hdf);
		return NULL;
	}
	return hdf;
}

void wcs_hdf_free(HDF **hdf)
{
	if (*hdf != NULL)
		hdf_destroy(hdf);
	*hdf = NULL;
}

int wcs_read_file(HDF *hdf, const char *path)
{
	NEOERR *err = hdf_read_file(hdf, path);

	return err == STATUS_OK ? 0 : cs_fail(err, path);
}

int wcs_copy(HDF *dst, const char *name, HDF *src)
{
	NEOERR *err = hdf_copy(dst, name, src);

	return err == STATUS_OK ? 0 : cs_fail(err, name);
}

int wcs_set(HDF *hdf, const char *name, const char *value)
{
	NEOERR *err = hdf_set_value(hdf, name, value != NULL ? value : "");

	return err == STATUS_OK ? 0 : cs_fail(err, name);
}

int wcs_set_int(HDF *hdf, const char *name, long value)
{
	char num[32];

	snprintf(num, sizeof(num), "%ld", value);
	return wcs_set(hdf, name, num);
}

void wcs_set_row(HDF *hdf, struct pool *pool, const char *name,
		 const struct pg_result *res, int row,
		 const char *const *keys)
{
	for (int k = 0; keys[k] != NULL; k++)
		if (keys[k][0] != '\0')
			wcs_set(hdf, p_printf(pool, "%s.%s", name, keys[k]),
				db_value(res, row, k));
}

unsigned int wcs_pages(unsigned int total, unsigned int size,
		       unsigned int *page)
{
	unsigned int pages = total == 0 ? 1 : (total + size - 1) / size;

	if (*page < 1)
		*page = 1;
	if (*page > pages)
		*page = pages;
	return pages;
}

void wcs_set_pages(HDF *hdf, unsigned int page, unsigned int pages,
		   unsigned int total)
{
	char name[32];

	wcs_set_int(hdf, "List.Page", page);
	wcs_set_int(hdf, "List.Pages", pages);
	wcs_set_int(hdf, "List.Total", total);
	wcs_set_int(hdf, "List.Prev", page > 1 ? page - 1 : 0);
	wcs_set_int(hdf, "List.Next", page < pages ? page + 1 : 0);
	for (unsigned int p = page > 3 ? page - 3 : 1, i = 0;
	     p <= pages && i < 7; p++, i++) {
		snprintf(name, sizeof(name), "List.Near.%u", i);
		wcs_set_int(hdf, name, p);
	}
}

/* render_cb - ClearSilver output callback appending to a struct buf */
static NEOERR *render_cb(void *ctx, char *s)
{
	if (buf_append_str(ctx, s) < 0)
		return nerr_raise(NERR_NOMEM, "render output over its limit");
	return STATUS_OK;
}

static int render(HDF *hdf, const char *file, const char *text,
		  struct buf *out)
{
	CSPARSE *cs = NULL;
	NEOERR *err;
	int ret = 0;

	err = cs_init(&cs, hdf);
	if (err == STATUS_OK)
		err = cgi_register_strfuncs(cs);
	if (err == STATUS_OK) {
		if (file != NULL) {
			err = cs_parse_file(cs, file);
		} else {
			/* cs_parse_string takes ownership of a malloc'd copy */
			char *copy = strdup(text);

			if (copy == NULL)
				panic("out of memory");
			err = cs_parse_string(cs, copy, strlen(copy));
		}
	}
	if (err == STATUS_OK)
		err = cs_render(cs, out, render_cb);
	if (err != STATUS_OK)
		ret = cs_fail(err, file != NULL ? file : "(string)");
	cs_destroy(&cs);
	return ret;
}

int wcs_render(HDF *hdf, const char *template_name, struct buf *out)
{
	return render(hdf, template_name, NULL, out);
}

int wcs_render_string(HDF *hdf, const char *text, struct buf *out)
{
	return render(hdf, NULL, text, out);
}
