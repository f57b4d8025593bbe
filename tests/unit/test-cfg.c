/* test-cfg.c - mailhive.conf parsing, and that the example documents it */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg.h"
#include "suites.h"

static char conf_path[64];

static void write_conf(const char *text)
{
	int fd;
	FILE *fp;

	strcpy(conf_path, "/tmp/mh-cfg-test-XXXXXX");
	fd = mkstemp(conf_path);
	ck_assert_int_ge(fd, 0);
	fp = fdopen(fd, "w");
	fputs(text, fp);
	fclose(fp);
}

static void teardown(void)
{
	if (conf_path[0] != '\0')
		unlink(conf_path);
	conf_path[0] = '\0';
	cfg_free();
}

START_TEST(test_cfg_defaults)
{
	char *error = NULL;

	ck_assert_int_eq(cfg_load(NULL, &error), 0);
	ck_assert_str_eq(cfg.http_listen, "127.0.0.1:8080");
	ck_assert_uint_eq(cfg.session_user_idle, 1800);
	ck_assert_uint_eq(cfg.session_admin_absolute, 14400);
	ck_assert(cfg.http_max_body == 25u * 1024 * 1024);
	ck_assert(!cfg.http_tls);
	ck_assert(cfg.var_dir[0] == '/');	/* made absolute */
	ck_assert(strstr(cfg.db_conninfo_resolved, "dbname=mailhive") != NULL);
	ck_assert(strstr(cfg.db_conninfo_resolved, cfg.run_dir) != NULL);
}
END_TEST

START_TEST(test_cfg_file_values)
{
	char *error = NULL;

	write_conf("# comment\n[general]\nvar_dir = /srv/mh\n\n"
		   "[http]\nlisten = 127.0.0.1:9090\ntls = yes\n"
		   "max_body = \"2M\"\n[database]\n"
		   "conninfo = host=/tmp port=5999 dbname=x\n"
		   "[session]\n  user_idle=60  \n");
	ck_assert_int_eq(cfg_load(conf_path, &error), 0);
	ck_assert_str_eq(cfg.var_dir, "/srv/mh");
	ck_assert_str_eq(cfg.run_dir, "/srv/mh/run");
	ck_assert_str_eq(cfg.http_listen, "127.0.0.1:9090");
	ck_assert(cfg.http_tls);
	ck_assert(cfg.http_max_body == 2u * 1024 * 1024);
	ck_assert_uint_eq(cfg.session_user_idle, 60);
	ck_assert_str_eq(cfg.db_conninfo_resolved, "host=/tmp port=5999 dbname=x");
}
END_TEST

START_TEST(test_cfg_relative_to_file)
{
	char *error = NULL;

	write_conf("[general]\nvar_dir = state\n");
	ck_assert_int_eq(cfg_load(conf_path, &error), 0);
	ck_assert_str_eq(cfg.var_dir, "/tmp/state");
}
END_TEST

START_TEST(test_cfg_unknown_key)
{
	char *error = NULL;

	write_conf("[http]\nlisten = 1\n\nlisen = 2\n");
	ck_assert_int_eq(cfg_load(conf_path, &error), -1);
	ck_assert_ptr_nonnull(strstr(error, ":4: unknown key http.lisen"));
	free(error);
}
END_TEST

START_TEST(test_cfg_bad_values)
{
	static const char *bad[] = {
		"[http]\nworkers = -1\n",
		"[http]\nworkers = 2x\n",
		"[http]\ntls = maybe\n",
		"[http]\nmax_body = 10Q\n",
		"[http\nworkers = 1\n",
		"[http]\nworkers\n",
		"listen = 1\n",		/* no section */
	};
	char *error = NULL;

	write_conf(bad[_i]);
	ck_assert_int_eq(cfg_load(conf_path, &error), -1);
	ck_assert_ptr_nonnull(error);
	ck_assert_ptr_nonnull(strstr(error, conf_path));
	free(error);
}
END_TEST

START_TEST(test_cfg_missing_file)
{
	char *error = NULL;

	ck_assert_int_eq(cfg_load("/nonexistent/mailhive.conf", &error), -1);
	ck_assert_ptr_nonnull(strstr(error, "No such file"));
	free(error);
}
END_TEST

struct example_ctx {
	char *text;
	int missing;
};

/* check_documented - "[section]" then "# key =" or "key =" below it */
static void check_documented(const char *name, void *arg)
{
	struct example_ctx *ctx = arg;
	char section[64], key[64], pat1[80], pat2[80];
	const char *dot = strchr(name, '.');
	const char *sec, *next;

	snprintf(section, sizeof(section), "[%.*s]", (int)(dot - name), name);
	snprintf(key, sizeof(key), "%s", dot + 1);
	snprintf(pat1, sizeof(pat1), "\n# %s =", key);
	snprintf(pat2, sizeof(pat2), "\n%s =", key);
	sec = strstr(ctx->text, section);
	if (sec == NULL) {
		fprintf(stderr, "example lacks section %s\n", section);
		ctx->missing++;
		return;
	}
	next = strstr(sec + 1, "\n[");
	for (int i = 0; i < 2; i++) {
		const char *hit = strstr(sec, i == 0 ? pat1 : pat2);

		if (hit != NULL && (next == NULL || hit < next))
			return;
	}
	fprintf(stderr, "example lacks %s\n", name);
	ctx->missing++;
}

START_TEST(test_cfg_example_documents_every_key)
{
	const char *srcdir = getenv("MH_SRCDIR");
	char path[4096];
	struct example_ctx ctx = { NULL, 0 };
	FILE *fp;
	long size;

	snprintf(path, sizeof(path), "%s/mailhive.conf.example",
		 srcdir != NULL ? srcdir : MH_SRCDIR);
	fp = fopen(path, "r");
	ck_assert_msg(fp != NULL, "cannot open %s", path);
	fseek(fp, 0, SEEK_END);
	size = ftell(fp);
	rewind(fp);
	ctx.text = calloc(1, (size_t)size + 2);
	ctx.text[0] = '\n';
	ck_assert_uint_eq(fread(ctx.text + 1, 1, (size_t)size, fp),
			  (size_t)size);
	fclose(fp);
	cfg_keys_each(check_documented, &ctx);
	ck_assert_int_eq(ctx.missing, 0);
	free(ctx.text);
	/* and the example itself loads */
	{
		char *error = NULL;

		ck_assert_msg(cfg_load(path, &error) == 0, "%s", error);
	}
}
END_TEST

Suite *cfg_suite(void)
{
	Suite *s = suite_create("cfg");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_cfg_defaults);
	tcase_add_test(tc, test_cfg_file_values);
	tcase_add_test(tc, test_cfg_relative_to_file);
	tcase_add_test(tc, test_cfg_unknown_key);
	tcase_add_loop_test(tc, test_cfg_bad_values, 0, 7);
	tcase_add_test(tc, test_cfg_missing_file);
	tcase_add_test(tc, test_cfg_example_documents_every_key);
	suite_add_tcase(s, tc);
	return s;
}
