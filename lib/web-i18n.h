#ifndef MH_WEB_I18N_H
#define MH_WEB_I18N_H
/*
 * web-i18n.h - language files and the choice of language.
 *
 * Languages are templates/lang/<code>.hdf, loaded once per process and
 * copied under Lang.* into each request's data set. The choice is: the
 * user's own setting when it names a known language, else the best match
 * of Accept-Language (q-values honoured; zh, zh-CN, zh-Hans, zh-SG map to
 * zh_CN; en-* to en_US), else en_US.
 */
#include "cs-wrap.h"

#define I18N_DEFAULT "en_US"

/* i18n_load - read every known language from dir; -1 if one is missing */
int i18n_load(const char *lang_dir);
/* i18n_known - canonical code ("zh_CN") for a setting such as "zh-cn",
 * or NULL */
const char *i18n_known(const char *code);
/* i18n_choose - never NULL */
const char *i18n_choose(const char *preferred, const char *accept_language);
/* i18n_apply - copy language lang into hdf under Lang and set Page.Lang */
int i18n_apply(HDF *hdf, const char *lang);

#endif
