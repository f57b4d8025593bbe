/* test-web-cs.c - template escaping, the real templates, language choice */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "suites.h"
#include "web-cs.h"
#include "web-i18n.h"

static const char *srcdir(void)
{
	const char *s = getenv("MH_SRCDIR");

	return s != NULL ? s : MH_SRCDIR;
}

START_TEST(test_cs_escapes_by_default)
{
	HDF *hdf;
	struct buf out;

	wcs_init();
	hdf = wcs_hdf_new(NULL);
	ck_assert_ptr_nonnull(hdf);
	buf_init(&out, 0);
	wcs_set(hdf, "X", "<script>alert('x&y')</script> \"q\"");
	ck_assert_int_eq(wcs_render_string(hdf, "[<?cs var:X ?>]", &out), 0);
	ck_assert_str_eq(out.data, "[&lt;script&gt;alert(&#39;x&amp;y&#39;)"
			 "&lt;/script&gt; &quot;q&quot;]");
	buf_reset(&out);
	/* attribute context too */
	ck_assert_int_eq(wcs_render_string(hdf,
		"<a title=\"<?cs var:X ?>\">", &out), 0);
	ck_assert_ptr_null(strstr(out.data, "<script"));
	ck_assert_ptr_null(strstr(out.data + 10, "\"q\""));
	buf_reset(&out);
	/* Chinese passes through untouched */
	wcs_set(hdf, "Y", "你好，世界");
	ck_assert_int_eq(wcs_render_string(hdf, "<?cs var:Y ?>", &out), 0);
	ck_assert_str_eq(out.data, "你好，世界");
	buf_free(&out);
	wcs_hdf_free(&hdf);
	ck_assert_ptr_null(hdf);
}
END_TEST

START_TEST(test_cs_parse_error_is_minus_one)
{
	HDF *hdf;
	struct buf out;

	wcs_init();
	hdf = wcs_hdf_new(NULL);
	buf_init(&out, 0);
	ck_assert_int_eq(wcs_render_string(hdf, "<?cs if:X ?>unclosed",
					   &out), -1);
	ck_assert_int_eq(wcs_render(hdf, "no-such-template.cs", &out), -1);
	buf_free(&out);
	wcs_hdf_free(&hdf);
}
END_TEST

/* render_login - the real login template in lang, with a hostile name */
static void render_login(const char *lang, struct buf *out)
{
	char common[4096], webmail[4096], langdir[4096];
	const char *paths[3] = { webmail, common, NULL };
	HDF *hdf;

	snprintf(webmail, sizeof(webmail), "%s/templates/webmail", srcdir());
	snprintf(common, sizeof(common), "%s/templates/common", srcdir());
	snprintf(langdir, sizeof(langdir), "%s/templates/lang", srcdir());
	wcs_init();
	ck_assert_int_eq(i18n_load(langdir), 0);
	hdf = wcs_hdf_new(paths);
	ck_assert_int_eq(i18n_apply(hdf, lang), 0);
	wcs_set(hdf, "Page.Portal", "webmail");
	wcs_set(hdf, "Page.Base", "");
	wcs_set(hdf, "Page.Static", "/static");
	wcs_set(hdf, "Page.Csrf", "00ff");
	wcs_set(hdf, "Page.Error", "failed");
	wcs_set(hdf, "Page.Username", "\"><img src=x onerror=alert(1)>");
	ck_assert_int_eq(wcs_render(hdf, "login.cs", out), 0);
	wcs_hdf_free(&hdf);
}

START_TEST(test_login_template_english)
{
	struct buf out;

	buf_init(&out, 0);
	render_login("en_US", &out);
	ck_assert_ptr_nonnull(strstr(out.data, "<html lang=\"en\">"));
	ck_assert_ptr_nonnull(strstr(out.data, "Sign in"));
	ck_assert_ptr_nonnull(strstr(out.data, "Wrong username or password."));
	ck_assert_ptr_nonnull(strstr(out.data, "name=\"_csrf\" value=\"00ff\""));
	ck_assert_ptr_null(strstr(out.data, "<img src=x"));
	ck_assert_ptr_nonnull(strstr(out.data, "&quot;&gt;&lt;img"));
	ck_assert_ptr_null(strstr(out.data, "<script"));
	ck_assert_ptr_null(strstr(out.data, "style="));
	buf_free(&out);
}
END_TEST

START_TEST(test_login_template_chinese)
{
	struct buf out;

	buf_init(&out, 0);
	render_login("zh_CN", &out);
	ck_assert_ptr_nonnull(strstr(out.data, "<html lang=\"zh-CN\">"));
	ck_assert_ptr_nonnull(strstr(out.data, "登录"));
	ck_assert_ptr_nonnull(strstr(out.data, "用户名或密码错误"));
	ck_assert_ptr_nonnull(strstr(out.data, "网页邮箱"));
	buf_free(&out);
}
END_TEST

/* collect_keys - every leaf name under node, "a.b.c", into out */
static void collect_keys(HDF *node, const char *prefix, struct buf *out)
{
	for (HDF *c = hdf_obj_child(node); c != NULL; c = hdf_obj_next(c)) {
		char name[256];

		snprintf(name, sizeof(name), "%s%s%s", prefix,
			 prefix[0] != '\0' ? "." : "", hdf_obj_name(c));
		if (hdf_obj_child(c) != NULL)
			collect_keys(c, name, out);
		else
			ck_assert_int_eq(buf_printf(out, "|%s|", name), 0);
	}
}

START_TEST(test_language_files_have_same_keys)
{
	char path[4096];
	HDF *en = wcs_hdf_new(NULL), *zh = wcs_hdf_new(NULL);
	struct buf ken, kzh;

	snprintf(path, sizeof(path), "%s/templates/lang/en_US.hdf", srcdir());
	ck_assert_int_eq(wcs_read_file(en, path), 0);
	snprintf(path, sizeof(path), "%s/templates/lang/zh_CN.hdf", srcdir());
	ck_assert_int_eq(wcs_read_file(zh, path), 0);
	buf_init(&ken, 0);
	buf_init(&kzh, 0);
	hdf_remove_tree(en, "Config");
	hdf_remove_tree(zh, "Config");
	collect_keys(en, "", &ken);
	collect_keys(zh, "", &kzh);
	ck_assert_uint_gt(ken.len, 100);
	ck_assert_str_eq(ken.data, kzh.data);
	buf_free(&ken);
	buf_free(&kzh);
	wcs_hdf_free(&en);
	wcs_hdf_free(&zh);
}
END_TEST

START_TEST(test_i18n_choose)
{
	ck_assert_str_eq(i18n_choose(NULL, NULL), "en_US");
	ck_assert_str_eq(i18n_choose(NULL, "zh-CN,zh;q=0.9,en;q=0.8"), "zh_CN");
	ck_assert_str_eq(i18n_choose(NULL, "en-US,en;q=0.9,zh-CN;q=0.8"),
			 "en_US");
	ck_assert_str_eq(i18n_choose(NULL, "fr-FR, zh;q=0.5, en;q=0.4"),
			 "zh_CN");
	ck_assert_str_eq(i18n_choose(NULL, "zh-Hans-CN"), "zh_CN");
	ck_assert_str_eq(i18n_choose(NULL, "de, fr"), "en_US");
	ck_assert_str_eq(i18n_choose(NULL, "zh;q=abc, en;q=0.1"), "en_US");
	ck_assert_str_eq(i18n_choose(NULL, "zh;q=0, en;q=0.1"), "en_US");
	/* the user's own setting wins */
	ck_assert_str_eq(i18n_choose("zh_CN", "en-US"), "zh_CN");
	ck_assert_str_eq(i18n_choose("xx", "zh-CN"), "zh_CN");
	ck_assert_ptr_null(i18n_known("klingon"));
}
END_TEST

START_TEST(test_i18n_overlong_header)
{
	char big[5000];

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "zh-CN,", 6);
	ck_assert_str_eq(i18n_choose(NULL, big), "zh_CN");
}
END_TEST

Suite *web_cs_suite(void)
{
	Suite *s = suite_create("web-cs");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_cs_escapes_by_default);
	tcase_add_test(tc, test_cs_parse_error_is_minus_one);
	tcase_add_test(tc, test_login_template_english);
	tcase_add_test(tc, test_login_template_chinese);
	tcase_add_test(tc, test_language_files_have_same_keys);
	tcase_add_test(tc, test_i18n_choose);
	tcase_add_test(tc, test_i18n_overlong_header);
	suite_add_tcase(s, tc);
	return s;
}
