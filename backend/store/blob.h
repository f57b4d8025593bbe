#ifndef MH_BLOB_H
#define MH_BLOB_H
/*
 * blob.h - the content-addressed message store on local disk.
 *
 * A blob is one message, stored once however many rows point at it, as
 * <root>/ab/cd/<sha256 hex>, where ab and cd are the first two byte pairs
 * of the hex digest. A writer streams into <root>/tmp/<random>.tmp, hashing
 * as it goes; blob_writer_commit() makes the file durable (fsync, rename,
 * directory fsync) and only then reports the digest, so a row committed
 * afterwards never points at a blob a crash could lose. Identical content
 * commits to the same name: the second copy is dropped (dedupe).
 *
 * Reference counts live in PostgreSQL (blobs.refcount, kept by triggers);
 * this module never decides which blob is garbage, blob_unlink() just
 * removes the one it is told to, if it is old enough (a deduplicating
 * commit refreshes the blob's mtime, see blob.c).
 *
 * Return convention: 0 ok, -1 error with *error_r set (pool memory, names
 * the step that failed and the errno text). Lookups that may find nothing
 * return 1/0/-1. libsodium must have been initialised (token_init()).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pool;
struct blob_writer;

#define BLOB_SHA_HEX_LEN 64		/* lower-case hex SHA-256 */
#define BLOB_TMP_DIR "tmp"		/* under the root, same file system */
#define BLOB_FILE_MODE 0640
#define BLOB_DIR_MODE 0750
#define BLOB_WRITE_BUF_SIZE (64 * 1024)	/* writes are batched this much */
/* longest path blob_path() can produce beyond strlen(root) */
#define BLOB_PATH_EXTRA (1 + 2 + 1 + 2 + 1 + BLOB_SHA_HEX_LEN + 1)

/* how a writer failed, so SMTP can pick its reply */
enum blob_failure {
	BLOB_FAIL_NONE = 0,
	BLOB_FAIL_NOSPACE,	/* ENOSPC, EDQUOT: 452 4.3.1 */
	BLOB_FAIL_IO,		/* anything else: 451 4.3.0 */
};

/* blob_writer_open - start a new blob: creates <root>/tmp if missing and
 * a fresh temporary file in it (O_EXCL). Files get exactly BLOB_FILE_MODE
 * and directories BLOB_DIR_MODE, whatever the umask. The writer lives
 * in pool; if the pool is destroyed before commit, the temporary file is
 * removed. */
int blob_writer_open(struct pool *pool, const char *root,
		     struct blob_writer **w_r, const char **error_r)
	__attribute__((warn_unused_result));

/* blob_writer_write - append len bytes. On failure the temporary file is
 * already gone; every later call fails with the same error. */
int blob_writer_write(struct blob_writer *w, const void *data, size_t len,
		      const char **error_r)
	__attribute__((warn_unused_result));

/* blob_writer_commit - make the blob durable under its digest:
 * flush, fsync, close, create the fan-out directories (fsyncing the parent
 * of each one created), rename (or drop the copy when the blob already
 * exists), fsync the fan-out directory. sha_r receives the digest (65
 * bytes with the NUL), size_r the byte count. On failure before the rename
 * nothing is left behind; a failure of the final directory fsync leaves
 * the complete, fsync'd blob in place (another writer may already rely on
 * that name) and still returns -1, since durability is unknown. Either
 * way the writer is finished: later calls fail. */
int blob_writer_commit(struct blob_writer *w,
		       char sha_r[BLOB_SHA_HEX_LEN + 1], uint64_t *size_r,
		       const char **error_r)
	__attribute__((warn_unused_result));

/* blob_writer_failure - why the last call on w failed (BLOB_FAIL_NONE if
 * none did) */
enum blob_failure blob_writer_failure(const struct blob_writer *w);

/* blob_writer_abort - drop an unfinished blob (removes the temporary file)
 * and set *w to NULL; harmless after commit or failure, and on NULL */
void blob_writer_abort(struct blob_writer **w);

/* blob_errno_is_nospace - the errno means "out of space or quota" */
bool blob_errno_is_nospace(int err);

/* blob_sha_valid - exactly BLOB_SHA_HEX_LEN lower-case hex digits */
bool blob_sha_valid(const char *sha);

/* blob_path - <root>/ab/cd/<sha> into out; -1 if sha is not valid or the
 * path does not fit outlen (strlen(root) + BLOB_PATH_EXTRA always fits) */
int blob_path(const char *root, const char *sha, char *out, size_t outlen)
	__attribute__((warn_unused_result));

/* blob_open_read - open a blob read-only (O_NOFOLLOW; regular file only)
 * and return its fd (caller closes) and size */
int blob_open_read(struct pool *pool, const char *root, const char *sha,
		   int *fd_r, uint64_t *size_r, const char **error_r)
	__attribute__((warn_unused_result));

/* blob_read - the first max octets of a blob (all of it when smaller)
 * into the caller's malloc'd buffer *buf of *cap octets, grown when too
 * small and kept for the next call; *len_r octets read, *size_r the whole
 * size. Reading beats mapping for the small files a mail store is made
 * of: every munmap costs a TLB shootdown on each CPU. */
int blob_read(struct pool *pool, const char *root, const char *sha,
	      size_t max, char **buf, size_t *cap, size_t *len_r,
	      uint64_t *size_r, const char **error_r)
	__attribute__((warn_unused_result));

/* blob_read_fd - the same on a blob already open (blob_open_read) whose
 * size is known; sha only names it in *error_r; the fd stays open */
int blob_read_fd(struct pool *pool, int fd, const char *sha, uint64_t size,
		 size_t max, char **buf, size_t *cap, size_t *len_r,
		 const char **error_r)
	__attribute__((warn_unused_result));

/* blob_unlink - remove one blob for GC, unless its file was modified (or
 * deduplicated into by a commit) less than min_age_secs ago: 1 removed,
 * 0 not there or too young, -1 error. Fan-out directories are kept (a
 * concurrent commit may be about to rename into them). */
int blob_unlink(struct pool *pool, const char *root, const char *sha,
		unsigned int min_age_secs, const char **error_r)
	__attribute__((warn_unused_result));

/* blob_gc_tmp - remove temporary files that a crashed writer left in
 * <root>/tmp, if last modified at least older_than_secs ago. Only names
 * this module creates are touched. *removed_r counts what went; -1 if the
 * directory could not be read or some file could not be removed. */
int blob_gc_tmp(struct pool *pool, const char *root,
		unsigned int older_than_secs, unsigned int *removed_r,
		const char **error_r)
	__attribute__((warn_unused_result));

#endif
