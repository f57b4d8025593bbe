/*
 * test-blob.c - the blob store: write, commit, read back, dedupe, digest
 * validation, abort and pool cleanup, failure injection (a file where a
 * fan-out directory belongs, a file-size limit for a failing write), the
 * 5 MB streamed digest, GC of blobs and of stale temporary files.
 *
 * Every test works in its own directory under /tmp and removes it.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <check.h>

#include "blob.h"
#include "pool.h"
#include "token.h"

Suite *blob_suite(void);

/* SHA-256 of nothing, and variations of it that must be refused */
#define SHA_EMPTY \
	"e3b0c44298fc1c149afbf4c8996fb924" "27ae41e4649b934ca495991b7852b855"
#define SHA_UPPER \
	"E3B0C44298FC1C149AFBF4C8996FB924" "27AE41E4649B934CA495991B7852B855"
#define SHA_PREFIX63 \
	"e3b0c44298fc1c149afbf4c8996fb924" "27ae41e4649b934ca495991b7852b85"

static char test_root[64];
static struct pool *test_pool;

/* rm_tree - remove path and everything below it (the test trees are a
 * few levels deep) */
static void rm_tree(const char *path)
{
	struct dirent *de;
	struct stat st;
	DIR *d;

	if (lstat(path, &st) < 0)
		return;
	if (S_ISDIR(st.st_mode) && (d = opendir(path)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			char sub[512];

			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
			rm_tree(sub);
		}
		closedir(d);
		rmdir(path);
		return;
	}
	unlink(path);
}

static void setup(void)
{
	strcpy(test_root, "/tmp/mh-test-blob-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(test_root));
	test_pool = pool_new("test-blob", 4096);
}

static void teardown(void)
{
	pool_destroy(&test_pool);
	rm_tree(test_root);
}

/* count_entries - entries of a directory other than . and .. (-1 if it
 * cannot be opened) */
static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			n++;
	}
	closedir(d);
	return n;
}

static int tmp_entries(void)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/tmp", test_root);
	return count_entries(path);
}

/* store - write data in one piece and commit; returns the commit result */
static int store(const void *data, size_t len, char sha[65],
		 uint64_t *size, const char **error)
{
	struct blob_writer *w;

	ck_assert_int_eq(blob_writer_open(test_pool, test_root, &w, error), 0);
	if (blob_writer_write(w, data, len, error) < 0)
		return -1;
	return blob_writer_commit(w, sha, size, error);
}

/* read_all - the blob's bytes, malloc'd */
static char *read_all(const char *sha, uint64_t *size)
{
	const char *error = NULL;
	char *data;
	size_t got = 0;
	int fd;

	ck_assert_int_eq(blob_open_read(test_pool, test_root, sha, &fd, size,
					&error), 0);
	data = malloc(*size + 1);
	ck_assert_ptr_nonnull(data);
	while (got < *size) {
		ssize_t n = read(fd, data + got, *size - got);

		ck_assert_int_gt(n, 0);
		got += (size_t)n;
	}
	close(fd);
	data[got] = '\0';
	return data;
}

START_TEST(test_blob_write_commit_read)
{
	char sha[65], expect[65], path[256];
	const char *error = NULL;
	struct blob_writer *w;
	struct stat st;
	uint64_t size = 0;
	mode_t old_umask = umask(077);	/* modes must not depend on it */
	char *data;

	ck_assert_int_eq(blob_writer_open(test_pool, test_root, &w, &error), 0);
	ck_assert_int_eq(tmp_entries(), 1);
	ck_assert_int_eq(blob_writer_write(w, "hello ", 6, &error), 0);
	ck_assert_int_eq(blob_writer_write(w, "", 0, &error), 0);
	ck_assert_int_eq(blob_writer_write(w, "world", 5, &error), 0);
	ck_assert_int_eq(blob_writer_commit(w, sha, &size, &error), 0);
	ck_assert_int_eq(blob_writer_failure(w), BLOB_FAIL_NONE);
	sha256_hex("hello world", 11, expect);
	ck_assert_str_eq(sha, expect);
	ck_assert_uint_eq(size, 11);
	ck_assert_int_eq(tmp_entries(), 0);

	ck_assert_int_eq(blob_path(test_root, sha, path, sizeof(path)), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, BLOB_FILE_MODE);
	ck_assert(strstr(path, "/b9/4d/b94d27b9") != NULL);
	*strrchr(path, '/') = '\0';
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, BLOB_DIR_MODE);
	umask(old_umask);

	data = read_all(sha, &size);
	ck_assert_uint_eq(size, 11);
	ck_assert_str_eq(data, "hello world");
	free(data);

	/* the writer is finished */
	ck_assert_int_eq(blob_writer_write(w, "x", 1, &error), -1);
	ck_assert_int_eq(blob_writer_commit(w, sha, &size, &error), -1);
	blob_writer_abort(&w);
	ck_assert_ptr_null(w);
	ck_assert_int_eq(access(path, F_OK), 0);	/* abort kept it */
}
END_TEST

START_TEST(test_blob_empty)
{
	char sha[65];
	const char *error = NULL;
	uint64_t size = 1;

	ck_assert_int_eq(store("", 0, sha, &size, &error), 0);
	ck_assert_str_eq(sha, SHA_EMPTY);
	ck_assert_uint_eq(size, 0);
}
END_TEST

START_TEST(test_blob_dedupe)
{
	char sha1[65], sha2[65], dir[256], path[256];
	const char *error = NULL;
	uint64_t size1, size2;

	struct timespec old[2] = { { .tv_sec = 1000 }, { .tv_sec = 1000 } };
	struct stat st1, st2;

	ck_assert_int_eq(store("same bytes", 10, sha1, &size1, &error), 0);
	ck_assert_int_eq(blob_path(test_root, sha1, path, sizeof(path)), 0);
	ck_assert_int_eq(utimensat(AT_FDCWD, path, old, 0), 0);
	ck_assert_int_eq(stat(path, &st1), 0);
	/* an old unreferenced blob is fair game for GC ... */
	ck_assert_int_eq(store("same bytes", 10, sha2, &size2, &error), 0);
	ck_assert_str_eq(sha1, sha2);
	ck_assert_uint_eq(size1, size2);
	snprintf(dir, sizeof(dir), "%s/%.2s/%.2s", test_root, sha1, sha1 + 2);
	ck_assert_int_eq(count_entries(dir), 1);
	ck_assert_int_eq(tmp_entries(), 0);
	/* ... but the second commit kept the same file and made it young */
	ck_assert_int_eq(stat(path, &st2), 0);
	ck_assert_uint_eq(st1.st_ino, st2.st_ino);
	ck_assert_int_gt(st2.st_mtime, 1000);
	ck_assert_int_eq(blob_unlink(test_pool, test_root, sha1, 3600, &error),
			 0);
}
END_TEST

START_TEST(test_blob_replaces_damaged_copy)
{
	char sha[65], expect[65], path[256], dir[256];
	const char *error = NULL;
	uint64_t size;
	char *data;
	FILE *f;

	/* a truncated file under the right name is replaced */
	sha256_hex("complete content", 16, expect);
	snprintf(dir, sizeof(dir), "%s/%.2s", test_root, expect);
	ck_assert_int_eq(mkdir(dir, 0750), 0);
	snprintf(dir, sizeof(dir), "%s/%.2s/%.2s", test_root, expect,
		 expect + 2);
	ck_assert_int_eq(mkdir(dir, 0750), 0);
	ck_assert_int_eq(blob_path(test_root, expect, path, sizeof(path)), 0);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("compl", f);
	fclose(f);

	ck_assert_int_eq(store("complete content", 16, sha, &size, &error), 0);
	ck_assert_str_eq(sha, expect);
	data = read_all(sha, &size);
	ck_assert_str_eq(data, "complete content");
	free(data);
	ck_assert_int_eq(tmp_entries(), 0);
}
END_TEST

START_TEST(test_blob_sha_validation)
{
	static const char *const bad[] = {
		"../x",
		"../../../../etc/passwd",
		SHA_UPPER,
		SHA_PREFIX63,
		SHA_EMPTY "5",
		SHA_PREFIX63 "/",
		SHA_PREFIX63 "g",
		"../" SHA_PREFIX63,
		"",
		NULL
	};
	char path[256];
	const char *error;
	uint64_t size;
	int fd;

	for (size_t i = 0; bad[i] != NULL; i++) {
		error = NULL;
		ck_assert(!blob_sha_valid(bad[i]));
		ck_assert_int_eq(blob_open_read(test_pool, test_root, bad[i],
						&fd, &size, &error), -1);
		ck_assert_ptr_nonnull(error);
		ck_assert_int_eq(blob_unlink(test_pool, test_root, bad[i], 0,
					     &error), -1);
		ck_assert_int_eq(blob_path(test_root, bad[i], path,
					   sizeof(path)), -1);
	}
	ck_assert(!blob_sha_valid(NULL));

	ck_assert(blob_sha_valid(SHA_EMPTY));
	ck_assert_int_eq(blob_path("/r", SHA_EMPTY, path, sizeof(path)), 0);
	ck_assert_str_eq(path, "/r/e3/b0/" SHA_EMPTY);
	/* exactly strlen(root) + BLOB_PATH_EXTRA fits, one less does not */
	ck_assert_int_eq(blob_path("/r", SHA_EMPTY, path, 2 + BLOB_PATH_EXTRA),
			 0);
	ck_assert_int_eq(blob_path("/r", SHA_EMPTY, path,
				   2 + BLOB_PATH_EXTRA - 1), -1);

	/* valid but absent */
	ck_assert_int_eq(blob_open_read(test_pool, test_root, SHA_EMPTY, &fd,
					&size, &error), -1);
	ck_assert(strstr(error, "No such file") != NULL);
}
END_TEST

START_TEST(test_blob_abort)
{
	struct blob_writer *w, *none = NULL;
	const char *error = NULL;

	ck_assert_int_eq(blob_writer_open(test_pool, test_root, &w, &error), 0);
	ck_assert_int_eq(blob_writer_write(w, "abandoned", 9, &error), 0);
	ck_assert_int_eq(tmp_entries(), 1);
	blob_writer_abort(&w);
	ck_assert_ptr_null(w);
	ck_assert_int_eq(tmp_entries(), 0);
	blob_writer_abort(&w);
	blob_writer_abort(&none);
	/* nothing but the tmp directory exists */
	ck_assert_int_eq(count_entries(test_root), 1);
}
END_TEST

START_TEST(test_blob_pool_cleanup_removes_temp)
{
	struct blob_writer *w;
	const char *error = NULL;
	struct pool *p = pool_new("writer", 1024);

	ck_assert_int_eq(blob_writer_open(p, test_root, &w, &error), 0);
	ck_assert_int_eq(blob_writer_write(w, "early return", 12, &error), 0);
	ck_assert_int_eq(tmp_entries(), 1);
	pool_destroy(&p);
	ck_assert_int_eq(tmp_entries(), 0);
}
END_TEST

START_TEST(test_blob_mkdir_failure)
{
	static const char content[] = "fan-out blocked";
	char expect[65], sha[65], path[256];
	const char *error = NULL;
	struct blob_writer *w;
	uint64_t size;
	FILE *f;

	/* a regular file where the first fan-out directory belongs */
	sha256_hex(content, strlen(content), expect);
	snprintf(path, sizeof(path), "%s/%.2s", test_root, expect);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fclose(f);

	ck_assert_int_eq(blob_writer_open(test_pool, test_root, &w, &error), 0);
	ck_assert_int_eq(blob_writer_write(w, content, strlen(content),
					   &error), 0);
	ck_assert_int_eq(blob_writer_commit(w, sha, &size, &error), -1);
	ck_assert(strstr(error, "mkdir") != NULL);
	ck_assert(strstr(error, "Not a directory") != NULL);
	ck_assert_int_eq(blob_writer_failure(w), BLOB_FAIL_IO);
	ck_assert_int_eq(tmp_entries(), 0);
	/* later calls repeat the error */
	error = NULL;
	ck_assert_int_eq(blob_writer_write(w, "x", 1, &error), -1);
	ck_assert(strstr(error, "mkdir") != NULL);
	blob_writer_abort(&w);
	ck_assert_int_eq(tmp_entries(), 0);
}
END_TEST

START_TEST(test_blob_root_not_directory)
{
	char root[128];
	const char *error = NULL;
	struct blob_writer *w = NULL;
	FILE *f;

	snprintf(root, sizeof(root), "%s/plainfile", test_root);
	f = fopen(root, "w");
	ck_assert_ptr_nonnull(f);
	fclose(f);
	ck_assert_int_eq(blob_writer_open(test_pool, root, &w, &error), -1);
	ck_assert(strstr(error, "mkdir") != NULL);
	ck_assert_ptr_null(w);

	snprintf(root, sizeof(root), "%s/missing/deeper", test_root);
	ck_assert_int_eq(blob_writer_open(test_pool, root, &w, &error), -1);
	ck_assert(strstr(error, "No such file") != NULL);
}
END_TEST

START_TEST(test_blob_write_failure)
{
	/* RLIMIT_FSIZE makes write() fail with EFBIG, standing in for a
	 * full disk (tests run as root, so permissions cannot) */
	static char chunk[100 * 1024];
	struct rlimit old, lim;
	const char *error = NULL;
	struct blob_writer *w;
	char sha[65];
	uint64_t size;
	int ret = 0;

	memset(chunk, 'x', sizeof(chunk));
	ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_IGN);
	lim = old;
	lim.rlim_cur = 150 * 1024;
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);

	ck_assert_int_eq(blob_writer_open(test_pool, test_root, &w, &error), 0);
	for (int i = 0; i < 4 && ret == 0; i++)
		ret = blob_writer_write(w, chunk, sizeof(chunk), &error);
	if (ret == 0)
		ret = blob_writer_commit(w, sha, &size, &error);
	setrlimit(RLIMIT_FSIZE, &old);

	ck_assert_int_eq(ret, -1);
	ck_assert(strstr(error, "write failed") != NULL);
	ck_assert(strstr(error, strerror(EFBIG)) != NULL);
	ck_assert_int_eq(blob_writer_failure(w), BLOB_FAIL_IO);
	ck_assert_int_eq(tmp_entries(), 0);
	ck_assert_int_eq(count_entries(test_root), 1);
	blob_writer_abort(&w);
}
END_TEST

START_TEST(test_blob_nospace_classification)
{
	ck_assert(blob_errno_is_nospace(ENOSPC));
#ifdef EDQUOT
	ck_assert(blob_errno_is_nospace(EDQUOT));
#endif
	ck_assert(!blob_errno_is_nospace(EIO));
	ck_assert(!blob_errno_is_nospace(EFBIG));
	ck_assert(!blob_errno_is_nospace(0));
}
END_TEST

START_TEST(test_blob_large_streamed)
{
	const size_t total = 5 * 1024 * 1024;
	static const size_t steps[] = { 1, 4093, 65536, 70000, 17, 131072 };
	unsigned char *data = malloc(total);
	char sha[65], expect[65];
	const char *error = NULL;
	struct blob_writer *w;
	uint64_t size = 0;
	uint32_t x = 2463534242u;
	size_t off = 0, k = 0;
	char *back;

	ck_assert_ptr_nonnull(data);
	for (size_t i = 0; i < total; i++) {	/* xorshift: not all zero */
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		data[i] = (unsigned char)x;
	}
	sha256_hex(data, total, expect);

	ck_assert_int_eq(blob_writer_open(test_pool, test_root, &w, &error), 0);
	while (off < total) {
		size_t n = steps[k++ % 6];

		if (n > total - off)
			n = total - off;
		ck_assert_int_eq(blob_writer_write(w, data + off, n, &error),
				 0);
		off += n;
	}
	ck_assert_int_eq(blob_writer_commit(w, sha, &size, &error), 0);
	ck_assert_str_eq(sha, expect);
	ck_assert_uint_eq(size, total);

	back = read_all(sha, &size);
	ck_assert_uint_eq(size, total);
	ck_assert(memcmp(back, data, total) == 0);
	free(back);
	free(data);
}
END_TEST

START_TEST(test_blob_unlink)
{
	char sha[65];
	const char *error = NULL;
	uint64_t size;
	int fd;

	ck_assert_int_eq(store("to be collected", 15, sha, &size, &error), 0);
	/* too young for an hour of grace */
	ck_assert_int_eq(blob_unlink(test_pool, test_root, sha, 3600, &error),
			 0);
	ck_assert_int_eq(blob_open_read(test_pool, test_root, sha, &fd, &size,
					&error), 0);
	close(fd);
	ck_assert_int_eq(blob_unlink(test_pool, test_root, sha, 0, &error), 1);
	ck_assert_int_eq(blob_unlink(test_pool, test_root, sha, 0, &error), 0);
	ck_assert_int_eq(blob_open_read(test_pool, test_root, sha, &fd, &size,
					&error), -1);
}
END_TEST

/* make_tmp_file - a file in <root>/tmp, mtime age seconds ago */
static void make_tmp_file(const char *name, time_t age)
{
	char path[256];
	struct timespec ts[2];
	FILE *f;

	snprintf(path, sizeof(path), "%s/tmp/%s", test_root, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("partial", f);
	fclose(f);
	ts[0].tv_sec = ts[1].tv_sec = time(NULL) - age;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	ck_assert_int_eq(utimensat(AT_FDCWD, path, ts, 0), 0);
}

START_TEST(test_blob_gc_tmp)
{
	char path[256];
	const char *error = NULL;
	unsigned int removed = 99;

	/* no tmp directory yet: nothing to do */
	ck_assert_int_eq(blob_gc_tmp(test_pool, test_root, 600, &removed,
				     &error), 0);
	ck_assert_uint_eq(removed, 0);

	snprintf(path, sizeof(path), "%s/tmp", test_root);
	ck_assert_int_eq(mkdir(path, 0750), 0);
	make_tmp_file("0123456789abcdef0123456789abcdef.tmp", 3600);
	make_tmp_file("fedcba9876543210fedcba9876543210.tmp", 3600);
	make_tmp_file("00000000000000000000000000000000.tmp", 10);
	make_tmp_file("not-ours.tmp", 3600);
	make_tmp_file("0123456789ABCDEF0123456789ABCDEF.tmp", 3600);
	ck_assert_int_eq(blob_gc_tmp(test_pool, test_root, 600, &removed,
				     &error), 0);
	ck_assert_uint_eq(removed, 2);
	ck_assert_int_eq(tmp_entries(), 3);
	/* older_than 0 takes the fresh one too */
	ck_assert_int_eq(blob_gc_tmp(test_pool, test_root, 0, &removed,
				     &error), 0);
	ck_assert_uint_eq(removed, 1);
	ck_assert_int_eq(tmp_entries(), 2);
}
END_TEST

Suite *blob_suite(void)
{
	Suite *s = suite_create("blob");
	TCase *tc = tcase_create("core");

	token_init();
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_blob_write_commit_read);
	tcase_add_test(tc, test_blob_empty);
	tcase_add_test(tc, test_blob_dedupe);
	tcase_add_test(tc, test_blob_replaces_damaged_copy);
	tcase_add_test(tc, test_blob_sha_validation);
	tcase_add_test(tc, test_blob_abort);
	tcase_add_test(tc, test_blob_pool_cleanup_removes_temp);
	tcase_add_test(tc, test_blob_mkdir_failure);
	tcase_add_test(tc, test_blob_root_not_directory);
	tcase_add_test(tc, test_blob_write_failure);
	tcase_add_test(tc, test_blob_nospace_classification);
	tcase_add_test(tc, test_blob_large_streamed);
	tcase_add_test(tc, test_blob_unlink);
	tcase_add_test(tc, test_blob_gc_tmp);
	suite_add_tcase(s, tc);
	return s;
}
