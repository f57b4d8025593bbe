#ifndef MH_WEB_CS_H
#define MH_WEB_CS_H
/*
 * web-cs.h - ClearSilver templates: HDF data sets and rendering.
 *
 * Every HDF made here has Config.VarEscapeMode = html, so `var:` output is
 * HTML-escaped unless a template says otherwise (uvar: is reserved for
 * sanitizer output), and Config.DebugEnabled = 0. Templates are found in
 * the load paths given to wcs_hdf_new(), in order. NEOERR values never
 * leave this file: failures are logged with their traceback and returned
 * as -1.
 */
#include <stddef.h>

#include "cs-wrap.h"

struct buf;
struct pg_result;
struct pool;

/* wcs_init - once per process, before fork */
void wcs_init(void);
/* wcs_hdf_new - a fresh data set with escaping on and loadpaths set from
 * the NULL-terminated list; NULL on failure */
HDF *wcs_hdf_new(const char *const *loadpaths);
void wcs_hdf_free(HDF **hdf);
/* wcs_read_file - merge an .hdf file into hdf (e.g. a language file) */
int wcs_read_file(HDF *hdf, const char *path);
/* wcs_copy - copy the subtree src (e.g. a cached language) under name */
int wcs_copy(HDF *dst, const char *name, HDF *src);
int wcs_set(HDF *hdf, const char *name, const char *value);
int wcs_set_int(HDF *hdf, const char *name, long value);
/* wcs_set_row - row of a query result as name.<key> for each of keys
 * (NULL-terminated; keys[k] names column k, "" leaves it out); NULL
 * values become "" */
void wcs_set_row(HDF *hdf, struct pool *pool, const char *name,
		 const struct pg_result *res, int row,
		 const char *const *keys);
/* wcs_pages - the pages total items fill at size a page (1 when there
 * are none), with *page brought within 1..that */
unsigned int wcs_pages(unsigned int total, unsigned int size,
		       unsigned int *page);
/* wcs_set_pages - the pager of a list: List.Page, List.Pages,
 * List.Total, List.Prev and List.Next (0 when there is none) and
 * List.Near.0.. (up to seven page numbers around page) */
void wcs_set_pages(HDF *hdf, unsigned int page, unsigned int pages,
		   unsigned int total);
/* wcs_render - render template (a name found in the load paths) into out */
int wcs_render(HDF *hdf, const char *template_name, struct buf *out);
/* wcs_render_string - render template text (tests) */
int wcs_render_string(HDF *hdf, const char *text, struct buf *out);

#endif
