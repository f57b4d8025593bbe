/*
 * secretbox.c - secrets sealed under the installation's secret key
 * (secretbox.h).
 *
 *   key file (64 hex digits) --crypto_kdf(subkey id, context)--> box key
 *   box = nonce (24) || crypto_secretbox_easy(secret)
 *
 * The key file is read on every call: the calls are rare (saving an
 * account, one fetch run), a replaced file takes effect at once, and no
 * key stays in memory longer than one call. `mailhive up` makes the key
 * file; secretbox_key_create() makes it for a caller that may be first
 * (the portal generating a domain's SSO secret). Creation writes a
 * temporary file (O_EXCL, 0600), syncs it and links it into place, so
 * two processes creating it at once end up with the same key: the loser
 * of link() reads the winner's file.
 *
 * SECURITY: the key file should be readable by the mailhive user only; a
 * file readable by others is used but logged. Every buffer that held the
 * key, a box key or a plain secret is wiped with sodium_memzero.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "buf.h"
#include "cfg.h"
#include "log.h"
#include "pool.h"
#include "secretbox.h"
#include "token.h"

#define SECRETBOX_MASTER_BYTES crypto_kdf_KEYBYTES
#define SECRETBOX_MASTER_HEX (SECRETBOX_MASTER_BYTES * 2)
#define SECRETBOX_KEY_FILE_MAX 256	/* octets of the key file we read */
#define SECRETBOX_OVERHEAD \
	(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)

const char *secretbox_key_path(struct pool *pool)
{
	return p_printf(pool, "%s/%s", cfg.var_dir, SECRETBOX_KEY_FILE);
}

/* master_read - the 32-octet key in the file at path */
static int master_read(const char *path,
		       unsigned char key[SECRETBOX_MASTER_BYTES],
		       const char **error_r)
{
	char text[SECRETBOX_KEY_FILE_MAX + 1];
	size_t len = 0, bin_len = 0;
	struct stat st;
	ssize_t n;
	int fd, ret = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		*error_r = errno == ENOENT ? "the secret key file is missing" :
			"cannot open the secret key file";
		return -1;
	}
	if (fstat(fd, &st) == 0 && (st.st_mode & 077) != 0)
		log_warn("event=secret_key_file_mode file=%s mode=%o",
			 log_quote(path), (unsigned int)(st.st_mode & 0777));
	while (len < SECRETBOX_KEY_FILE_MAX &&
	       (n = read(fd, text + len, SECRETBOX_KEY_FILE_MAX - len)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			*error_r = "cannot read the secret key file";
			goto out;
		}
		len += (size_t)n;
	}
	close(fd);
	text[len] = '\0';
	str_trim(text);
	if (strlen(text) != SECRETBOX_MASTER_HEX ||
	    sodium_hex2bin(key, SECRETBOX_MASTER_BYTES, text,
			   SECRETBOX_MASTER_HEX, NULL, &bin_len, NULL) != 0 ||
	    bin_len != SECRETBOX_MASTER_BYTES) {
		*error_r = "the secret key file does not hold 64 hex digits";
		goto out;
	}
	ret = 0;
out:
	sodium_memzero(text, sizeof(text));
	return ret;
}

/* dir_of - the directory part of path into dir */
static void dir_of(const char *path, char *dir, size_t size)
{
	const char *slash = strrchr(path, '/');
	size_t n = slash != NULL ? (size_t)(slash - path) : 0;

	if (n == 0 || n >= size) {
		str_lcpy(dir, slash == path ? "/" : ".", size);
		return;
	}
	memcpy(dir, path, n);
	dir[n] = '\0';
}

int secretbox_key_create(const char *path, const char **error_r)
{
	unsigned char key[SECRETBOX_MASTER_BYTES];
	char hex[SECRETBOX_MASTER_HEX + 2], tmp[4096], dir[4096];
	int fd, ret = -1;

	if (access(path, F_OK) == 0)
		return 0;
	dir_of(path, dir, sizeof(dir));
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		*error_r = "cannot make the directory of the secret key file";
		return -1;
	}
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path,
			     (long)getpid()) >= sizeof(tmp)) {
		*error_r = "the secret key file's name is too long";
		return -1;
	}
	(void)unlink(tmp);		/* left by a crashed process of ours */
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
		  0600);
	if (fd < 0) {
		*error_r = "cannot create the secret key file";
		return -1;
	}
	randombytes_buf(key, sizeof(key));
	hex_encode(key, sizeof(key), hex);
	hex[SECRETBOX_MASTER_HEX] = '\n';
	hex[SECRETBOX_MASTER_HEX + 1] = '\0';
	if (write(fd, hex, SECRETBOX_MASTER_HEX + 1) != SECRETBOX_MASTER_HEX + 1 ||
	    fsync(fd) < 0) {
		close(fd);
		*error_r = "cannot write the secret key file";
		goto out;
	}
	close(fd);
	if (link(tmp, path) < 0 && errno != EEXIST) {
		*error_r = "cannot put the secret key file in place";
		goto out;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
	log_info("event=secret_key_file_created file=%s", log_quote(path));
	ret = 0;
out:
	(void)unlink(tmp);
	sodium_memzero(key, sizeof(key));
	sodium_memzero(hex, sizeof(hex));
	return ret;
}

/* box_key - the box key of (context, subkey_id) under the key file */
static int box_key(const char *key_file, const char *context,
		   uint64_t subkey_id,
		   unsigned char key[crypto_secretbox_KEYBYTES],
		   const char **error_r)
{
	unsigned char master[SECRETBOX_MASTER_BYTES];
	int ret;

	_Static_assert(SECRETBOX_CONTEXT_LEN == crypto_kdf_CONTEXTBYTES,
		       "kdf context");
	if (context == NULL || strlen(context) != SECRETBOX_CONTEXT_LEN) {
		*error_r = "bad key context";
		return -1;
	}
	if (master_read(key_file, master, error_r) < 0)
		return -1;
	ret = crypto_kdf_derive_from_key(key, crypto_secretbox_KEYBYTES,
					 subkey_id, context, master);
	sodium_memzero(master, sizeof(master));
	if (ret != 0) {
		*error_r = "key derivation failed";
		return -1;
	}
	return 0;
}

int secretbox_seal(struct pool *pool, const char *key_file,
		   const char *context, uint64_t subkey_id,
		   const void *secret, size_t len, const char **box_hex_r,
		   const char **error_r)
{
	unsigned char key[crypto_secretbox_KEYBYTES];
	unsigned char *box;
	char *hex;
	size_t box_len;

	if (len > SECRETBOX_SECRET_MAX) {
		*error_r = "secret too long";
		return -1;
	}
	if (box_key(key_file, context, subkey_id, key, error_r) < 0)
		return -1;
	box_len = SECRETBOX_OVERHEAD + len;	/* @UNSAFE: len capped */
	box = p_alloc(pool, box_len);
	randombytes_buf(box, crypto_secretbox_NONCEBYTES);
	if (crypto_secretbox_easy(box + crypto_secretbox_NONCEBYTES, secret,
				  len, box, key) != 0) {
		sodium_memzero(key, sizeof(key));
		*error_r = "encryption failed";
		return -1;
	}
	sodium_memzero(key, sizeof(key));
	hex = p_alloc(pool, box_len * 2 + 1);
	hex_encode(box, box_len, hex);
	*box_hex_r = hex;
	return 0;
}

int secretbox_open(struct pool *pool, const char *key_file,
		   const char *context, uint64_t subkey_id,
		   const char *box_hex, char **secret_r, size_t *len_r,
		   const char **error_r)
{
	unsigned char key[crypto_secretbox_KEYBYTES];
	unsigned char *box;
	size_t hex_len, box_len, bin_len = 0, len;
	char *secret;
	int ret;

	hex_len = box_hex != NULL ? strlen(box_hex) : 0;
	if (hex_len % 2 != 0 || hex_len / 2 < SECRETBOX_OVERHEAD ||
	    hex_len / 2 > SECRETBOX_OVERHEAD + SECRETBOX_SECRET_MAX) {
		*error_r = "malformed secret box";
		return -1;
	}
	box_len = hex_len / 2;
	box = p_alloc(pool, box_len);
	if (sodium_hex2bin(box, box_len, box_hex, hex_len, NULL, &bin_len,
			   NULL) != 0 || bin_len != box_len) {
		*error_r = "malformed secret box";
		return -1;
	}
	if (box_key(key_file, context, subkey_id, key, error_r) < 0)
		return -1;
	len = box_len - SECRETBOX_OVERHEAD;
	secret = p_alloc(pool, len + 1);
	ret = crypto_secretbox_open_easy((unsigned char *)secret,
					 box + crypto_secretbox_NONCEBYTES,
					 box_len - crypto_secretbox_NONCEBYTES,
					 box, key);
	sodium_memzero(key, sizeof(key));
	if (ret != 0) {
		sodium_memzero(secret, len + 1);
		*error_r = "the secret box does not open with this key";
		return -1;
	}
	secret[len] = '\0';
	*secret_r = secret;
	*len_r = len;
	return 0;
}
