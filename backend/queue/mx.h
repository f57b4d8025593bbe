#ifndef MH_MX_H
#define MH_MX_H
/*
 * mx.h - where to deliver mail for a domain: its MX hosts in preference
 * order (RFC 5321 5.1), else the domain itself (implicit MX), each
 * resolved to addresses.
 */
struct pool;

#define MX_MAX_HOSTS 16
#define MX_MAX_ADDRS 32

struct mx_addr {
	const char *ip;		/* numeric, for connect */
	const char *host;	/* the MX name it came from */
};

/* mx_resolve - addresses to try, in order; resolver is "" for the
 * system's (/etc/resolv.conf) or "IP:PORT"/"IP" of a name server to ask.
 * Returns the count (0: the domain has no usable host, which is a
 * permanent failure when *permanent_r is set, e.g. NXDOMAIN or a null
 * MX), -1 on a temporary DNS failure. */
int mx_resolve(struct pool *pool, const char *resolver, const char *domain,
	       struct mx_addr *addrs, int max, int *permanent_r,
	       const char **error_r);

#endif
