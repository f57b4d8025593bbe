/*
 * web-skin.c - the installed skins and the template load paths of a
 * page in one of them (web-skin.h).
 *
 * SECURITY: a skin name reaches a path only after it was found among the
 * folder names read from templates/skins, which themselves pass
 * name_ok(); a stored or posted name is never trusted as it is.
 */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "log.h"
#include "pool.h"
#include "web-cs.h"
#include "web-skin.h"

static const char *skins[WEB_SKINS_MAX];
static unsigned int nskins;
static bool listed;

/* name_ok - letters, digits, '_' and '-', 1..WEB_SKIN_NAME_MAX */
static bool name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > WEB_SKIN_NAME_MAX)
		return false;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
			return false;
	return true;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* list - read templates/skins once */
static void list(void)
{
	char dir[4096];
	struct dirent *e;
	DIR *d;

	if (listed)
		return;
	listed = true;
	snprintf(dir, sizeof(dir), "%s/skins", cfg.templates_dir);
	d = opendir(dir);
	if (d == NULL) {
		log_warn("event=skins_missing dir=%s", log_quote(dir));
		return;
	}
	while ((e = readdir(d)) != NULL && nskins < WEB_SKINS_MAX) {
		if (e->d_type != DT_DIR && e->d_type != DT_UNKNOWN)
			continue;
		if (e->d_name[0] == '.' || !name_ok(e->d_name))
			continue;
		skins[nskins++] = xstrdup(e->d_name);
	}
	closedir(d);
	qsort(skins, nskins, sizeof(skins[0]), cmp_str);
}

const char *const *web_skins(unsigned int *n_r)
{
	list();
	*n_r = nskins;
	return skins;
}

bool web_skin_known(const char *name)
{
	list();
	for (unsigned int i = 0; name != NULL && i < nskins; i++)
		if (strcmp(skins[i], name) == 0)
			return true;
	return false;
}

int web_skin_apply(HDF *hdf, const char *app, const char *skin)
{
	char path[4096];

	if (!web_skin_known(skin))
		skin = WEB_SKIN_DEFAULT;
	if (wcs_set(hdf, "Page.Skin", skin) < 0)
		return -1;
	/* the skin's folder first; without it, the portal's paths as the
	   server set them */
	if (!web_skin_known(skin))
		return 0;
	snprintf(path, sizeof(path), "%s/skins/%s", cfg.templates_dir, skin);
	if (wcs_set(hdf, "hdf.loadpaths.0", path) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/%s", cfg.templates_dir, app);
	if (wcs_set(hdf, "hdf.loadpaths.1", path) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/common", cfg.templates_dir);
	return wcs_set(hdf, "hdf.loadpaths.2", path);
}
