/*
 * conn.c - non-blocking plain/TLS connections for the mail services.
 *
 * SECURITY: peers are untrusted. Input is capped at the buffer maximum;
 * conn_start_tls() discards whatever was read before the handshake, which
 * closes the STARTTLS command-injection hole (CVE-2011-0411 class).
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>

#include "conn.h"
#include "log.h"

#define CONN_OUT_MAX (4 * 1024 * 1024)

static void peer_address(struct conn *c)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	c->ip[0] = '\0';
	c->loopback = false;
	if (getpeername(c->fd, (struct sockaddr *)&ss, &len) < 0)
		return;
	if (ss.ss_family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		inet_ntop(AF_INET, &sin->sin_addr, c->ip, sizeof(c->ip));
		c->loopback = (ntohl(sin->sin_addr.s_addr) >> 24) == 127;
	} else if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		inet_ntop(AF_INET6, &sin6->sin6_addr, c->ip, sizeof(c->ip));
		c->loopback = IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr);
	}
}

void conn_init(struct conn *c, int fd, size_t in_max)
{
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	buf_init(&c->in, in_max);
	buf_init(&c->out, CONN_OUT_MAX);
	peer_address(c);
}

void conn_free(struct conn *c)
{
	if (c->ssl != NULL) {
		SSL_free(c->ssl);
		c->ssl = NULL;
	}
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	buf_free(&c->in);
	buf_free(&c->out);
}

/* ssl_result - map an SSL_* return to our result */
static enum conn_io ssl_result(struct conn *c, int ret)
{
	int err = SSL_get_error(c->ssl, ret);

	c->tls_wants_write = false;
	switch (err) {
	case SSL_ERROR_WANT_READ:
		return CONN_IO_PENDING;
	case SSL_ERROR_WANT_WRITE:
		c->tls_wants_write = true;
		return CONN_IO_PENDING;
	default:
		ERR_clear_error();
		return CONN_IO_CLOSED;
	}
}

enum conn_io conn_read(struct conn *c)
{
	char chunk[CONN_READ_CHUNK];
	size_t room = c->in.max - c->in.len;
	ssize_t n;

	if (room == 0)
		return CONN_IO_OK;	/* caller must consume first */
	if (room > sizeof(chunk))
		room = sizeof(chunk);
	if (c->ssl != NULL) {
		int r = SSL_read(c->ssl, chunk, (int)room);

		if (r <= 0)
			return ssl_result(c, r);
		n = r;
	} else {
		n = read(c->fd, chunk, room);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ?
				CONN_IO_PENDING : CONN_IO_CLOSED;
		if (n == 0)
			return CONN_IO_CLOSED;
	}
	if (buf_append(&c->in, chunk, (size_t)n) < 0)
		return CONN_IO_CLOSED;
	return CONN_IO_OK;
}

enum conn_io conn_flush(struct conn *c)
{
	size_t done = 0;

	while (done < c->out.len) {
		ssize_t n;

		if (c->ssl != NULL) {
			int r = SSL_write(c->ssl, c->out.data + done,
					  (int)(c->out.len - done));

			if (r <= 0) {
				enum conn_io st = ssl_result(c, r);

				if (st == CONN_IO_PENDING)
					c->tls_wants_write = true;
				if (done > 0)
					memmove(c->out.data, c->out.data + done,
						c->out.len - done);
				c->out.len -= done;
				c->out.data[c->out.len] = '\0';
				return st;
			}
			n = r;
		} else {
			n = write(c->fd, c->out.data + done, c->out.len - done);
			if (n < 0) {
				if (errno == EINTR)
					continue;
				if (done > 0)
					memmove(c->out.data, c->out.data + done,
						c->out.len - done);
				c->out.len -= done;
				c->out.data[c->out.len] = '\0';
				return errno == EAGAIN ? CONN_IO_PENDING :
					CONN_IO_CLOSED;
			}
		}
		done += (size_t)n;
	}
	buf_reset(&c->out);
	return CONN_IO_OK;
}

int conn_printf(struct conn *c, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = buf_vprintf(&c->out, fmt, ap);
	va_end(ap);
	return ret;
}

int conn_start_tls(struct conn *c, SSL_CTX *ctx)
{
	buf_reset(&c->in);
	c->ssl = SSL_new(ctx);
	if (c->ssl == NULL || SSL_set_fd(c->ssl, c->fd) != 1)
		return -1;
	SSL_set_accept_state(c->ssl);
	c->handshaking = true;
	return 0;
}

enum conn_io conn_handshake(struct conn *c)
{
	int r = SSL_do_handshake(c->ssl);

	if (r == 1) {
		c->handshaking = false;
		c->tls_wants_write = false;
		return CONN_IO_OK;
	}
	return ssl_result(c, r);
}

bool conn_wants_write(const struct conn *c)
{
	return c->out.len > 0 || c->tls_wants_write;
}

int conn_take_line(struct conn *c, char *line, size_t max, size_t *len_r)
{
	const char *nl = memchr(c->in.data != NULL ? c->in.data : "", '\n',
				c->in.len);
	size_t len;

	if (nl == NULL)
		return c->in.len >= max ? -1 : 0;
	len = (size_t)(nl - c->in.data);
	if (len + 1 > max)
		return -1;
	if (len > 0 && c->in.data[len - 1] == '\r')
		len--;
	memcpy(line, c->in.data, len);
	line[len] = '\0';
	*len_r = len;
	conn_consume(c, (size_t)(nl - c->in.data) + 1);
	return 1;
}

void conn_consume(struct conn *c, size_t n)
{
	if (n >= c->in.len) {
		buf_reset(&c->in);
		return;
	}
	memmove(c->in.data, c->in.data + n, c->in.len - n);
	c->in.len -= n;
	c->in.data[c->in.len] = '\0';
}

SSL_CTX *tls_server_ctx(const char *cert_file, const char *key_file,
			const char **error_r)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	if (ctx == NULL) {
		*error_r = "cannot create a TLS context";
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION |
			    SSL_OP_CIPHER_SERVER_PREFERENCE);
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
			 SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert_file) != 1) {
		*error_r = "cannot load the TLS certificate";
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key_file, SSL_FILETYPE_PEM) != 1) {
		*error_r = "cannot load the TLS private key";
		goto fail;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		*error_r = "the TLS key does not match the certificate";
		goto fail;
	}
	return ctx;
fail:
	ERR_clear_error();
	SSL_CTX_free(ctx);
	return NULL;
}
