/*
 * mx.c - MX and address lookups with a configurable name server.
 *
 * libresolv's res_nquery on a private resolver state, so a test (or an
 * installation with its own DNS) can point the queue at a server of its
 * choice without touching /etc/resolv.conf. Answers are parsed with
 * ns_initparse/ns_parserr and dn_expand; nothing from DNS is trusted to be
 * well-formed.
 */
#include "config.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mx.h"
#include "pool.h"
#include "strnum.h"

#define MX_ANSWER_MAX 8192

struct mx_host {
	unsigned int pref;
	char name[NS_MAXDNAME];
};

/* resolver_init - a resolver state, pointed at "IP[:PORT]" if given */
static int resolver_init(res_state st, const char *resolver)
{
	char ip[64];
	unsigned int port = 53;
	const char *colon;
	struct sockaddr_in sin;

	memset(st, 0, sizeof(*st));
	if (res_ninit(st) != 0)
		return -1;
	if (resolver == NULL || resolver[0] == '\0')
		return 0;
	colon = strrchr(resolver, ':');
	if (colon != NULL) {
		size_t len = (size_t)(colon - resolver);

		if (len >= sizeof(ip) || str_to_uint(colon + 1, &port) < 0 ||
		    port == 0 || port > 65535)
			return -1;
		memcpy(ip, resolver, len);
		ip[len] = '\0';
	} else if (str_lcpy(ip, resolver, sizeof(ip)) >= sizeof(ip)) {
		return -1;
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, ip, &sin.sin_addr) != 1)
		return -1;
	st->nsaddr_list[0] = sin;
	st->nscount = 1;
	st->retry = 2;
	st->retrans = 2;
	return 0;
}

/* query - one query; answer count, 0 for NXDOMAIN/NODATA, -1 temporary */
static int query(res_state st, const char *name, int type, ns_msg *msg,
		 unsigned char *answer, int *nxdomain_r)
{
	int len;

	*nxdomain_r = 0;
	len = res_nquery(st, name, ns_c_in, type, answer, MX_ANSWER_MAX);
	if (len < 0) {
		if (st->res_h_errno == HOST_NOT_FOUND) {
			*nxdomain_r = 1;
			return 0;
		}
		if (st->res_h_errno == NO_DATA)
			return 0;
		return -1;
	}
	if (ns_initparse(answer, len, msg) < 0)
		return -1;
	return ns_msg_count(*msg, ns_s_an);
}

/* add_addresses - A records of host appended to addrs */
static int add_addresses(struct pool *pool, res_state st, const char *host,
			 struct mx_addr *addrs, int n, int max)
{
	unsigned char answer[MX_ANSWER_MAX];
	int count, nx;
	ns_msg msg;
	ns_rr rr;

	count = query(st, host, ns_t_a, &msg, answer, &nx);
	if (count < 0)
		return -1;
	for (int i = 0; i < count && n < max; i++) {
		char ip[INET_ADDRSTRLEN];

		if (ns_parserr(&msg, ns_s_an, i, &rr) < 0 ||
		    ns_rr_type(rr) != ns_t_a || ns_rr_rdlen(rr) != 4)
			continue;
		inet_ntop(AF_INET, ns_rr_rdata(rr), ip, sizeof(ip));
		addrs[n].ip = p_strdup(pool, ip);
		addrs[n].host = p_strdup(pool, host);
		n++;
	}
	return n;
}

static int cmp_pref(const void *a, const void *b)
{
	const struct mx_host *x = a, *y = b;

	return (int)x->pref - (int)y->pref;
}

int mx_resolve(struct pool *pool, const char *resolver, const char *domain,
	       struct mx_addr *addrs, int max, int *permanent_r,
	       const char **error_r)
{
	struct __res_state st;
	unsigned char answer[MX_ANSWER_MAX];
	struct mx_host hosts[MX_MAX_HOSTS];
	int count, nx, nhosts = 0, n = 0;
	ns_msg msg;
	ns_rr rr;

	*permanent_r = 0;
	if (resolver_init(&st, resolver) < 0) {
		*error_r = "cannot set up the resolver";
		return -1;
	}
	count = query(&st, domain, ns_t_mx, &msg, answer, &nx);
	if (count < 0) {
		*error_r = "temporary DNS failure looking up MX";
		goto temp;
	}
	if (nx) {
		*error_r = "domain does not exist";
		*permanent_r = 1;
		res_nclose(&st);
		return 0;
	}
	for (int i = 0; i < count && nhosts < MX_MAX_HOSTS; i++) {
		const unsigned char *rd;

		if (ns_parserr(&msg, ns_s_an, i, &rr) < 0 ||
		    ns_rr_type(rr) != ns_t_mx || ns_rr_rdlen(rr) < 3)
			continue;
		rd = ns_rr_rdata(rr);
		hosts[nhosts].pref = ns_get16(rd);
		if (dn_expand(ns_msg_base(msg), ns_msg_end(msg), rd + 2,
			      hosts[nhosts].name,
			      sizeof(hosts[nhosts].name)) < 0)
			continue;
		nhosts++;
	}
	if (nhosts == 1 && hosts[0].name[0] == '\0') {
		/* RFC 7505 null MX: the domain accepts no mail */
		*error_r = "domain accepts no mail (null MX)";
		*permanent_r = 1;
		res_nclose(&st);
		return 0;
	}
	if (nhosts == 0) {
		/* no MX: the domain itself is the implicit MX */
		nhosts = 1;
		hosts[0].pref = 0;
		str_lcpy(hosts[0].name, domain, sizeof(hosts[0].name));
	}
	qsort(hosts, (size_t)nhosts, sizeof(hosts[0]), cmp_pref);
	for (int i = 0; i < nhosts && n < max; i++) {
		int r = add_addresses(pool, &st, hosts[i].name, addrs, n, max);

		if (r < 0) {
			*error_r = "temporary DNS failure looking up an address";
			goto temp;
		}
		n = r;
	}
	res_nclose(&st);
	if (n == 0) {
		/* perhaps a DNS hiccup or a fix on its way: try again later */
		*error_r = "no address for the domain's mail hosts";
		return -1;
	}
	return n;
temp:
	res_nclose(&st);
	return -1;
}
