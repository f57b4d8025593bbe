#ifndef MH_CONN_H
#define MH_CONN_H
/*
 * conn.h - one non-blocking client connection of a mail service: plain
 * or TLS (OpenSSL), with bounded input and output buffers.
 *
 * The services run event loops (epoll); a connection never blocks. Reads
 * append to c->in up to its maximum; writes drain c->out. After a call
 * returns "pending", conn_wants_write() tells whether to wait for
 * EPOLLOUT (TLS may need to write while the protocol wants to read).
 *
 * SECURITY: everything read is untrusted; the input buffer has a hard
 * maximum, so a peer cannot make us grow without bound.
 */
#include <stdbool.h>
#include <stddef.h>

#include <openssl/ssl.h>

#include "buf.h"

#define CONN_READ_CHUNK 16384

enum conn_io {
	CONN_IO_OK = 1,		/* progress made (or all written) */
	CONN_IO_PENDING = 0,	/* would block: wait for the event */
	CONN_IO_CLOSED = -1,	/* peer closed or fatal error */
};

struct conn {
	int fd;
	SSL *ssl;
	bool handshaking;
	bool tls_wants_write;
	char ip[64];		/* peer address, text */
	bool loopback;
	struct buf in;
	struct buf out;
};

/* conn_init - wrap an accepted, non-blocking socket */
void conn_init(struct conn *c, int fd, size_t in_max);
void conn_free(struct conn *c);

/* conn_read - read what is there into c->in */
enum conn_io conn_read(struct conn *c);
/* conn_flush - write c->out; OK when it is empty */
enum conn_io conn_flush(struct conn *c);
/* conn_printf - queue output; -1 when the output buffer is full */
int conn_printf(struct conn *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* conn_start_tls - begin the server side of a TLS handshake; the input
 * buffer is discarded (anything pipelined after STARTTLS was sent in the
 * clear and must not be executed inside TLS) */
int conn_start_tls(struct conn *c, SSL_CTX *ctx);
/* conn_handshake - continue it: OK done, PENDING, CLOSED failed */
enum conn_io conn_handshake(struct conn *c);
bool conn_wants_write(const struct conn *c);

/* conn_take_line - the next CRLF- or LF-terminated line in c->in (the
 * terminator stripped) copied into line (NUL-terminated, len without it);
 * 1 found, 0 need more, -1 no terminator within max bytes */
int conn_take_line(struct conn *c, char *line, size_t max, size_t *len_r);
/* conn_consume - drop n bytes from the front of c->in */
void conn_consume(struct conn *c, size_t n);

/* tls_server_ctx - a server context from PEM files; NULL with *error_r */
SSL_CTX *tls_server_ctx(const char *cert_file, const char *key_file,
			const char **error_r);

#endif
