/*
 * web-i18n.c - language files (en_US, zh_CN) and Accept-Language.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"
#include "web-cs.h"
#include "web-i18n.h"

#define I18N_HEADER_MAX 512	/* bytes of Accept-Language we look at */
#define I18N_TAG_MAX 32

struct i18n_lang {
	const char *code;
	const char *html_lang;
	HDF *hdf;
};

static struct i18n_lang langs[] = {
	{ "en_US", "en", NULL },
	{ "zh_CN", "zh-CN", NULL },
};

#define NLANGS (sizeof(langs) / sizeof(langs[0]))

int i18n_load(const char *lang_dir)
{
	char path[4096];

	for (size_t i = 0; i < NLANGS; i++) {
		langs[i].hdf = wcs_hdf_new(NULL);
		if (langs[i].hdf == NULL)
			return -1;
		snprintf(path, sizeof(path), "%s/%s.hdf", lang_dir,
			 langs[i].code);
		if (wcs_read_file(langs[i].hdf, path) < 0)
			return -1;
	}
	return 0;
}

/* tag_match - map one language tag (already lower case) to a code */
static const char *tag_match(const char *tag)
{
	if (strcmp(tag, "zh") == 0 || strcmp(tag, "zh-cn") == 0 ||
	    strcmp(tag, "zh_cn") == 0 || strcmp(tag, "zh-hans") == 0 ||
	    strcmp(tag, "zh-sg") == 0 || str_begins(tag, "zh-hans-"))
		return "zh_CN";
	if (strcmp(tag, "en") == 0 || str_begins(tag, "en-") ||
	    str_begins(tag, "en_"))
		return "en_US";
	return NULL;
}

const char *i18n_known(const char *code)
{
	char tag[I18N_TAG_MAX];

	if (code == NULL || str_lcpy(tag, code, sizeof(tag)) >= sizeof(tag))
		return NULL;
	return tag_match(str_lower(tag));
}

/* parse_q - "q=0.8" style weight in thousandths; -1 when malformed */
static int parse_q(const char *s)
{
	int q = 0, digits = 0;

	while (*s == ' ')
		s++;
	if ((s[0] != 'q' && s[0] != 'Q') || s[1] != '=')
		return -1;
	s += 2;
	if (*s == '1') {
		s++;
		if (*s == '.')
			for (s++; *s == '0'; s++)
				;
		return *s == '\0' || *s == ' ' ? 1000 : -1;
	}
	if (*s != '0')
		return -1;
	s++;
	if (*s == '.') {
		for (s++; *s >= '0' && *s <= '9' && digits < 3; s++, digits++)
			q = q * 10 + (*s - '0');
	}
	while (digits++ < 3)
		q *= 10;
	return *s == '\0' || *s == ' ' ? q : -1;
}

const char *i18n_choose(const char *preferred, const char *accept_language)
{
	char header[I18N_HEADER_MAX + 1];
	const char *best = NULL, *code;
	int best_q = 0;
	char *save = NULL, *item;

	code = i18n_known(preferred);
	if (code != NULL)
		return code;
	if (accept_language == NULL)
		return I18N_DEFAULT;
	str_lcpy(header, accept_language, sizeof(header));
	for (item = strtok_r(header, ",", &save); item != NULL;
	     item = strtok_r(NULL, ",", &save)) {
		char *semi = strchr(item, ';');
		int q = 1000;

		if (semi != NULL) {
			*semi = '\0';
			q = parse_q(semi + 1);
			if (q < 0)
				continue;
		}
		item = str_trim(item);
		code = i18n_known(item);
		if (code != NULL && q > best_q) {
			best = code;
			best_q = q;
		}
	}
	return best != NULL ? best : I18N_DEFAULT;
}

int i18n_apply(HDF *hdf, const char *lang)
{
	for (size_t i = 0; i < NLANGS; i++) {
		if (strcmp(langs[i].code, lang) != 0 || langs[i].hdf == NULL)
			continue;
		if (wcs_copy(hdf, "Lang", langs[i].hdf) < 0 ||
		    wcs_set(hdf, "Page.Lang", langs[i].html_lang) < 0)
			return -1;
		return 0;
	}
	log_error("event=i18n_missing lang=%s", log_quote(lang));
	return -1;
}
