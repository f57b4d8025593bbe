#ifndef MH_SERVICE_SECRET_H
#define MH_SERVICE_SECRET_H
/*
 * service-secret.h - the secret of the service account (imap.service_login)
 * with which webmail logs in to IMAP and SMTP submission acting for a user
 * (SASL PLAIN: authorization identity = the user, authentication identity
 * = the service account, password = this secret).
 *
 * The servers and webmail read the same file (imap.service_secret_file,
 * made by `mailhive up`) the same way: at most SERVICE_SECRET_MAX - 1
 * bytes, white space trimmed at both ends; fewer than
 * SERVICE_SECRET_MIN characters is no secret at all, so a truncated or
 * placeholder file never lets anyone act for every user.
 */
#include <stdbool.h>

#define SERVICE_SECRET_MAX 256
#define SERVICE_SECRET_MIN 16

/* service_secret_read - the secret into buf; -1 with *error_r when the
 * file is missing, unreadable or holds no usable secret (buf is "") */
int service_secret_read(char buf[SERVICE_SECRET_MAX], const char **error_r);

/* service_secret_check - password is the secret (constant time); never
 * true for an empty secret */
bool service_secret_check(const char *secret, const char *password);

#endif
