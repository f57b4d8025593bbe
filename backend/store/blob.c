/*
 * blob.c - the content-addressed message store on local disk.
 *
 * Layout under the root (var/blobs by default):
 *
 *   tmp/<32 hex>.tmp          a blob being written (or left by a crash)
 *   ab/cd/<64 hex>            a committed blob, named by its SHA-256
 *
 * A writer's life, and the function that performs each step:
 *
 *   blob_writer_open()    tmp/<random>.tmp, O_CREAT|O_EXCL, mode 0640
 *                         whatever the umask (directories 0750)
 *   blob_writer_write()   hash + buffer; full buffers are written out
 *   blob_writer_commit()  flush -> fsync -> close -> mkdir ab, ab/cd
 *                         (fsync the parent of each created) -> rename
 *                         (or, when the blob exists, refresh its mtime
 *                         and unlink the temp) -> fsync ab/cd
 *
 * Any failure before the rename closes and unlinks the temporary file, so
 * the only things a failed write leaves are empty fan-out directories. A
 * crash can leave a temporary file; blob_gc_tmp() removes old ones. The
 * writer's memory belongs to the caller's pool and a pool cleanup removes
 * an unfinished temporary file, so an early return cannot leak one; only
 * the write buffer is malloc'd, and it is freed as soon as the writer
 * finishes, so a long-lived pool does not grow by it per message.
 *
 * GC: the jobs service decides from blobs.refcount which blob is garbage
 * and calls blob_unlink() with a grace period; a commit that finds its
 * blob already stored refreshes the file's mtime, so a blob that is being
 * referenced again right now is too young to be removed. (The check and
 * the unlink are two system calls; the grace period should be much longer
 * than a delivery transaction, e.g. an hour, and GC should delete the
 * blobs row WHERE refcount = 0 in the same transaction.)
 *
 * Dedupe: two writers of the same content may race; both renames succeed
 * (rename replaces atomically and the content is identical), so a blob
 * name, once visible, always holds complete, fsync'd content. That is why
 * nothing here ever removes a final blob on error: another writer may have
 * just reported the same name as committed.
 *
 * SECURITY: the only outside input that reaches a path is a digest string
 * from the database or a client request (blob_open_read, blob_unlink);
 * blob_sha_valid() accepts exactly 64 lower-case hex digits, so no "..",
 * "/" or NUL can get through. Files are opened with O_NOFOLLOW and must be
 * regular files. Message bytes are only hashed and copied, never parsed.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "blob.h"
#include "log.h"
#include "pool.h"
#include "token.h"

#define TMP_RAND_BYTES 16
#define TMP_SUFFIX ".tmp"
#define TMP_NAME_LEN (TMP_RAND_BYTES * 2 + sizeof(TMP_SUFFIX) - 1)

enum writer_state {
	WRITER_OPEN,		/* temporary file open, accepting data */
	WRITER_FAILED,		/* a step failed; temp file removed */
	WRITER_DONE,		/* committed (or aborted) */
};

struct blob_writer {
	struct pool *pool;
	const char *root;
	const char *tmp_path;
	int fd;
	bool tmp_exists;
	enum writer_state state;
	enum blob_failure failure;
	const char *error;
	crypto_hash_sha256_state hash;
	unsigned char *wbuf;		/* malloc'd, BLOB_WRITE_BUF_SIZE */
	size_t wlen;
	uint64_t size;
};

/* ---- small helpers -------------------------------------------------- */

bool blob_errno_is_nospace(int err)
{
	if (err == ENOSPC)
		return true;
#ifdef EDQUOT
	if (err == EDQUOT)
		return true;
#endif
	return false;
}

bool blob_sha_valid(const char *sha)
{
	return sha != NULL && token_is_hex(sha, BLOB_SHA_HEX_LEN);
}

int blob_path(const char *root, const char *sha, char *out, size_t outlen)
{
	int n;

	if (!blob_sha_valid(sha))
		return -1;
	n = snprintf(out, outlen, "%s/%.2s/%.2s/%s", root, sha, sha + 2, sha);
	if (n < 0 || (size_t)n >= outlen)
		return -1;
	return 0;
}

/* fsync_dir - fsync a directory so entries created or renamed in it
 * survive a crash; file systems that cannot (EINVAL) are accepted */
static int fsync_dir(const char *path)
{
	int fd, ret = 0, saved;

	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fsync(fd) < 0 && errno != EINVAL)
		ret = -1;
	saved = errno;
	close(fd);
	errno = saved;
	return ret;
}

/* mkdir_durable - create dir (mode exactly BLOB_DIR_MODE) if missing;
 * when created, fsync parent so the new entry is durable. On failure
 * *step_r and *path_r name what failed, errno says why. */
static int mkdir_durable(const char *dir, const char *parent,
			 const char **step_r, const char **path_r)
{
	struct stat st;

	*path_r = dir;
	if (mkdir(dir, BLOB_DIR_MODE) == 0) {
		if (chmod(dir, BLOB_DIR_MODE) < 0) {
			*step_r = "chmod";
			return -1;
		}
		if (fsync_dir(parent) < 0) {
			*step_r = "fsync of parent directory";
			*path_r = parent;
			return -1;
		}
		return 0;
	}
	if (errno != EEXIST) {
		*step_r = "mkdir";
		return -1;
	}
	if (stat(dir, &st) < 0) {
		*step_r = "stat of directory";
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		*step_r = "mkdir";
		return -1;
	}
	return 0;
}

/* write_all - write len bytes, retrying short writes and EINTR */
static int write_all(int fd, const unsigned char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* ---- writer ---------------------------------------------------------- */

/* writer_release - close the fd, remove the temporary file, free the
 * buffer; leaves the state alone */
static void writer_release(struct blob_writer *w)
{
	if (w->fd >= 0) {
		close(w->fd);
		w->fd = -1;
	}
	if (w->tmp_exists) {
		if (unlink(w->tmp_path) < 0 && errno != ENOENT)
			log_warn("event=blob_tmp_unlink_failed path=%s "
				 "error=%s", log_quote(w->tmp_path),
				 log_quote(strerror(errno)));
		w->tmp_exists = false;
	}
	free(w->wbuf);
	w->wbuf = NULL;
	w->wlen = 0;
}

/* writer_pool_cleanup - pool destroyed before the writer finished */
static void writer_pool_cleanup(void *arg)
{
	struct blob_writer *w = arg;

	writer_release(w);
	w->state = WRITER_DONE;
}

/* writer_fail - record a failed step on path (err is its errno), remove
 * the temp file; returns -1 for the caller to pass on */
static int writer_fail(struct blob_writer *w, const char *step,
		       const char *path, int err, const char **error_r)
{
	w->failure = blob_errno_is_nospace(err) ?
		BLOB_FAIL_NOSPACE : BLOB_FAIL_IO;
	w->error = p_printf(w->pool, "blob %s failed (%s): %s", step, path,
			    strerror(err));
	writer_release(w);
	w->state = WRITER_FAILED;
	*error_r = w->error;
	return -1;
}

/* writer_check - may w take another call? */
static int writer_check(struct blob_writer *w, const char **error_r)
{
	switch (w->state) {
	case WRITER_OPEN:
		return 0;
	case WRITER_FAILED:
		*error_r = w->error;
		return -1;
	case WRITER_DONE:
		break;
	}
	*error_r = "blob writer already finished";
	return -1;
}

int blob_writer_open(struct pool *pool, const char *root,
		     struct blob_writer **w_r, const char **error_r)
{
	struct blob_writer *w;
	unsigned char rnd[TMP_RAND_BYTES];
	char name[TMP_RAND_BYTES * 2 + 1];
	const char *tmp_dir, *step, *path;

	tmp_dir = p_printf(pool, "%s/%s", root, BLOB_TMP_DIR);
	if (mkdir_durable(tmp_dir, root, &step, &path) < 0) {
		*error_r = p_printf(pool, "blob %s failed (%s): %s", step,
				    path, strerror(errno));
		return -1;
	}

	w = p_new(pool, struct blob_writer, 1);
	w->pool = pool;
	w->root = p_strdup(pool, root);
	w->fd = -1;
	token_random(rnd, sizeof(rnd));
	hex_encode(rnd, sizeof(rnd), name);
	w->tmp_path = p_printf(pool, "%s/%s%s", tmp_dir, name, TMP_SUFFIX);
	w->fd = open(w->tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
		     O_NOFOLLOW, BLOB_FILE_MODE);
	if (w->fd < 0) {
		*error_r = p_printf(pool, "blob create failed (%s): %s",
				    w->tmp_path, strerror(errno));
		return -1;
	}
	w->tmp_exists = true;
	pool_cleanup_add(pool, writer_pool_cleanup, w);
	if (fchmod(w->fd, BLOB_FILE_MODE) < 0) {	/* whatever the umask */
		*error_r = p_printf(pool, "blob chmod failed (%s): %s",
				    w->tmp_path, strerror(errno));
		writer_release(w);
		w->state = WRITER_DONE;
		return -1;
	}
	w->wbuf = xmalloc(BLOB_WRITE_BUF_SIZE);
	crypto_hash_sha256_init(&w->hash);
	w->state = WRITER_OPEN;
	*w_r = w;
	return 0;
}

/* writer_flush - write out the buffered bytes */
static int writer_flush(struct blob_writer *w, const char **error_r)
{
	if (w->wlen == 0)
		return 0;
	if (write_all(w->fd, w->wbuf, w->wlen) < 0)
		return writer_fail(w, "write", w->tmp_path, errno, error_r);
	w->wlen = 0;
	return 0;
}

int blob_writer_write(struct blob_writer *w, const void *data, size_t len,
		      const char **error_r)
{
	const unsigned char *p = data;

	if (writer_check(w, error_r) < 0)
		return -1;
	if (len > UINT64_MAX - w->size)
		return writer_fail(w, "write", w->tmp_path, EFBIG, error_r);
	crypto_hash_sha256_update(&w->hash, p, len);
	w->size += len;

	while (len > 0) {
		size_t room = BLOB_WRITE_BUF_SIZE - w->wlen;

		if (w->wlen == 0 && len >= BLOB_WRITE_BUF_SIZE) {
			/* big piece, nothing buffered: skip the copy */
			if (write_all(w->fd, p, len) < 0)
				return writer_fail(w, "write", w->tmp_path,
						   errno, error_r);
			return 0;
		}
		if (room > len)
			room = len;
		memcpy(w->wbuf + w->wlen, p, room);
		w->wlen += room;
		p += room;
		len -= room;
		if (w->wlen == BLOB_WRITE_BUF_SIZE &&
		    writer_flush(w, error_r) < 0)
			return -1;
	}
	return 0;
}

int blob_writer_commit(struct blob_writer *w,
		       char sha_r[BLOB_SHA_HEX_LEN + 1], uint64_t *size_r,
		       const char **error_r)
{
	unsigned char digest[crypto_hash_sha256_BYTES];
	char sha[BLOB_SHA_HEX_LEN + 1];
	const char *dir1, *dir2, *final, *step, *path;
	struct stat st;
	bool exists = false;
	int fd;

	if (writer_check(w, error_r) < 0)
		return -1;
	if (writer_flush(w, error_r) < 0)
		return -1;
	if (fsync(w->fd) < 0)
		return writer_fail(w, "fsync", w->tmp_path, errno, error_r);
	fd = w->fd;
	w->fd = -1;
	if (close(fd) < 0)
		return writer_fail(w, "close", w->tmp_path, errno, error_r);
	free(w->wbuf);
	w->wbuf = NULL;

	crypto_hash_sha256_final(&w->hash, digest);
	hex_encode(digest, sizeof(digest), sha);

	dir1 = p_printf(w->pool, "%s/%.2s", w->root, sha);
	dir2 = p_printf(w->pool, "%s/%.2s/%.2s", w->root, sha, sha + 2);
	final = p_printf(w->pool, "%s/%s", dir2, sha);
	if (mkdir_durable(dir1, w->root, &step, &path) < 0 ||
	    mkdir_durable(dir2, dir1, &step, &path) < 0)
		return writer_fail(w, step, path, errno, error_r);

	if (lstat(final, &st) == 0) {
		exists = true;
	} else if (errno != ENOENT) {
		return writer_fail(w, "stat", final, errno, error_r);
	}
	/* same digest, same size: the blob is already stored. Its mtime is
	 * refreshed so that GC (which spares young blobs) leaves it alone
	 * until our row is committed; if that fails (GC just took it), our
	 * copy goes in instead */
	if (exists && S_ISREG(st.st_mode) && (uint64_t)st.st_size == w->size &&
	    utimensat(AT_FDCWD, final, NULL, AT_SYMLINK_NOFOLLOW) == 0) {
		if (unlink(w->tmp_path) < 0)
			log_warn("event=blob_tmp_unlink_failed path=%s "
				 "error=%s", log_quote(w->tmp_path),
				 log_quote(strerror(errno)));
		w->tmp_exists = false;
	} else {
		/* a damaged copy (wrong size, symlink) is replaced; a
		 * directory makes rename fail */
		if (exists && lstat(final, &st) == 0 &&
		    (!S_ISREG(st.st_mode) || (uint64_t)st.st_size != w->size))
			log_warn("event=blob_replaced sha=%s", sha);
		if (rename(w->tmp_path, final) < 0)
			return writer_fail(w, "rename", final, errno,
					   error_r);
		w->tmp_exists = false;
	}

	w->state = WRITER_DONE;
	if (fsync_dir(dir2) < 0) {
		/* the blob is in place and complete; only its name's
		 * durability is in doubt */
		int err = errno;

		w->failure = blob_errno_is_nospace(err) ?
			BLOB_FAIL_NOSPACE : BLOB_FAIL_IO;
		w->error = p_printf(w->pool,
				    "blob fsync of directory failed (%s): %s",
				    dir2, strerror(err));
		*error_r = w->error;
		return -1;
	}
	memcpy(sha_r, sha, sizeof(sha));
	*size_r = w->size;
	return 0;
}

enum blob_failure blob_writer_failure(const struct blob_writer *w)
{
	return w->failure;
}

void blob_writer_abort(struct blob_writer **wp)
{
	struct blob_writer *w = *wp;

	if (w == NULL)
		return;
	writer_release(w);
	w->state = WRITER_DONE;
	*wp = NULL;
}

/* ---- readers and GC --------------------------------------------------- */

/* root_dirfd - a descriptor of the store's root, opened once per process
 * (readers open thousands of blobs a second; a relative name spares the
 * kernel the walk down the root's path each time); AT_FDCWD until it
 * can be opened, and the caller then uses the whole path */
static int root_dirfd(const char *root)
{
	static int fd = -1;
	static char *path;

	if (fd >= 0 && strcmp(path, root) == 0)
		return fd;
	if (fd >= 0)
		close(fd);
	free(path);
	path = NULL;
	fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return AT_FDCWD;
	path = xstrdup(root);
	return fd;
}

int blob_open_read(struct pool *pool, const char *root, const char *sha,
		   int *fd_r, uint64_t *size_r, const char **error_r)
{
	const char *path;
	struct stat st;
	int fd, dfd;

	if (!blob_sha_valid(sha)) {
		*error_r = "blob name is not a SHA-256 hex digest";
		return -1;
	}
	path = p_printf(pool, "%s/%.2s/%.2s/%s", root, sha, sha + 2, sha);
	dfd = root_dirfd(root);
	fd = openat(dfd, dfd == AT_FDCWD ? path : path + strlen(root) + 1,
		    O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		*error_r = p_printf(pool, "blob open failed (%s): %s", path,
				    strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		*error_r = p_printf(pool, "blob stat failed (%s): %s", path,
				    strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		*error_r = p_printf(pool, "blob is not a regular file (%s)",
				    path);
		close(fd);
		return -1;
	}
	*fd_r = fd;
	*size_r = (uint64_t)st.st_size;
	return 0;
}

int blob_read_fd(struct pool *pool, int fd, const char *sha, uint64_t size,
		 size_t max, char **buf, size_t *cap, size_t *len_r,
		 const char **error_r)
{
	size_t want = size < max ? (size_t)size : max, got = 0;

	if (*cap < want || *buf == NULL) {
		*buf = xrealloc(*buf, want + 1);
		*cap = want + 1;
	}
	while (got < want) {
		ssize_t n = pread(fd, *buf + got, want - got, (off_t)got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			*error_r = p_printf(pool, "blob read failed (%s): %s",
					    sha, n < 0 ? strerror(errno) :
					    "file shorter than its size");
			return -1;
		}
		got += (size_t)n;
	}
	*len_r = got;
	return 0;
}

int blob_read(struct pool *pool, const char *root, const char *sha,
	      size_t max, char **buf, size_t *cap, size_t *len_r,
	      uint64_t *size_r, const char **error_r)
{
	uint64_t size;
	int fd, ret;

	if (blob_open_read(pool, root, sha, &fd, &size, error_r) < 0)
		return -1;
	ret = blob_read_fd(pool, fd, sha, size, max, buf, cap, len_r,
			   error_r);
	close(fd);
	*size_r = size;
	return ret;
}

int blob_unlink(struct pool *pool, const char *root, const char *sha,
		unsigned int min_age_secs, const char **error_r)
{
	const char *path;
	struct stat st;
	time_t now = time(NULL);

	if (!blob_sha_valid(sha)) {
		*error_r = "blob name is not a SHA-256 hex digest";
		return -1;
	}
	path = p_printf(pool, "%s/%.2s/%.2s/%s", root, sha, sha + 2, sha);
	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		*error_r = p_printf(pool, "blob stat failed (%s): %s", path,
				    strerror(errno));
		return -1;
	}
	if (min_age_secs > 0 && (st.st_mtime > now ||
				 (uint64_t)(now - st.st_mtime) < min_age_secs))
		return 0;
	if (unlink(path) < 0) {
		if (errno == ENOENT)
			return 0;
		*error_r = p_printf(pool, "blob unlink failed (%s): %s", path,
				    strerror(errno));
		return -1;
	}
	return 1;
}

/* tmp_name_ours - a name blob_writer_open() would have made */
static bool tmp_name_ours(const char *name)
{
	if (strlen(name) != TMP_NAME_LEN ||
	    strcmp(name + TMP_RAND_BYTES * 2, TMP_SUFFIX) != 0)
		return false;
	for (size_t i = 0; i < TMP_RAND_BYTES * 2; i++) {
		char c = name[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return false;
	}
	return true;
}

int blob_gc_tmp(struct pool *pool, const char *root,
		unsigned int older_than_secs, unsigned int *removed_r,
		const char **error_r)
{
	const char *tmp_dir;
	struct dirent *de;
	struct stat st;
	time_t now = time(NULL);
	unsigned int removed = 0;
	int dfd, ret = 0;
	DIR *dir;

	*removed_r = 0;
	tmp_dir = p_printf(pool, "%s/%s", root, BLOB_TMP_DIR);
	dfd = open(tmp_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (dfd < 0) {
		if (errno == ENOENT)
			return 0;
		*error_r = p_printf(pool, "blob gc open failed (%s): %s",
				    tmp_dir, strerror(errno));
		return -1;
	}
	dir = fdopendir(dfd);
	if (dir == NULL) {
		*error_r = p_printf(pool, "blob gc opendir failed (%s): %s",
				    tmp_dir, strerror(errno));
		close(dfd);
		return -1;
	}
	while ((errno = 0, de = readdir(dir)) != NULL) {
		if (!tmp_name_ours(de->d_name))
			continue;
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		if (st.st_mtime > now ||
		    (uint64_t)(now - st.st_mtime) < older_than_secs)
			continue;
		if (unlinkat(dfd, de->d_name, 0) < 0) {
			if (errno == ENOENT)
				continue;
			if (ret == 0)
				*error_r = p_printf(pool,
					"blob gc unlink failed (%s/%s): %s",
					tmp_dir, de->d_name, strerror(errno));
			ret = -1;
			continue;
		}
		removed++;
	}
	if (errno != 0 && ret == 0) {
		*error_r = p_printf(pool, "blob gc readdir failed (%s): %s",
				    tmp_dir, strerror(errno));
		ret = -1;
	}
	closedir(dir);
	*removed_r = removed;
	return ret;
}
