#ifndef MH_WEB_SKIN_H
#define MH_WEB_SKIN_H
/*
 * web-skin.h - skins of the users' portal: how its pages look.
 *
 * A skin is a folder templates/skins/<name>/ of template overrides and a
 * style sheet static/css/skin-<name>.css that pages load after
 * mailhive.css. A page's template (and every template it includes) is
 * looked up first in the skin's folder, then in the portal's, then in
 * common/. The installed skins are the folders of templates/skins whose
 * names are letters, digits, '_' and '-' (at most WEB_SKIN_NAME_MAX);
 * they are listed once per process.
 *
 * The skin of a request: the user's own choice, else the domain's
 * default (both arrive with the session's principal, lib/auth.c), else
 * WEB_SKIN_DEFAULT; a name that is not installed counts as no choice, so
 * no other name ever becomes part of a path.
 */
#include <stdbool.h>

#include "cs-wrap.h"

struct pool;

#define WEB_SKIN_DEFAULT "default"
#define WEB_SKIN_NAME_MAX 32
#define WEB_SKINS_MAX 32

/* web_skins - the installed skins, sorted; *n_r of them (static data) */
const char *const *web_skins(unsigned int *n_r);
/* web_skin_known - name is an installed skin */
bool web_skin_known(const char *name);
/* web_skin_apply - Page.Skin and the template load paths of a page of
 * portal app shown in skin (not installed: the default); -1 on error */
int web_skin_apply(HDF *hdf, const char *app, const char *skin);

#endif
