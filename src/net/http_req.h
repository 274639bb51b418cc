/* Parsing one HTTP/1.x request head (RFC 9112) into the few fields the
 * HTTP front acts on.  Nothing is copied or allocated: fields point into
 * the caller's buffer. */
#ifndef XRFB_NET_HTTP_REQ_H
#define XRFB_NET_HTTP_REQ_H

#include <stdbool.h>
#include <stddef.h>

struct net_http_span {
	const char *p;
	size_t n;
};

struct net_http_req {
	struct net_http_span method, target;
	int minor;	   /* HTTP/1.minor */
	bool upgrade_ws;   /* Upgrade: lists "websocket" */
	bool conn_upgrade; /* Connection: lists "upgrade" */
	bool proto_binary; /* Sec-WebSocket-Protocol: offers "binary" */
	struct net_http_span key, version; /* the last one seen */
	int nkeys, nversions;		   /* how many times each was sent */
};

/* Where the head ends (just past its blank line) in p[0..n), or 0 if it
 * has not all arrived.  Bytes before `from` were already searched. */
size_t net_http_req_end(const char *p, size_t n, size_t from);

/* Parse a complete head p[0..n) (as found by net_http_req_end): 0, or
 * -1 if it is malformed (answer 400). */
int net_http_req_parse(const char *p, size_t n, struct net_http_req *r);

/* s equals the literal exactly (methods and versions are case-sensitive). */
bool net_http_span_is(struct net_http_span s, const char *lit);

/* s for a log line: control and non-ASCII bytes as '?', cut to fit n. */
void net_http_span_printable(struct net_http_span s, char *out, size_t n);

#endif
