/* HTTP/1.x request heads (RFC 9112 sections 2-5), parsed by line with
 * explicit lengths: NULs, bare CRs and missing fields are all just bytes
 * to compare, never C strings to run off the end of. */
#include "net/http_req.h"

#include <string.h>
#include <strings.h>

size_t net_http_req_end(const char *p, size_t n, size_t from)
{
	/* RFC 9112 2.2 lets a recipient take a bare LF as a line end. */
	for (size_t i = from; i < n; i++) {
		if (p[i] != '\n')
			continue;
		if (i + 1 < n && p[i + 1] == '\n')
			return i + 2;
		if (i + 2 < n && p[i + 1] == '\r' && p[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

struct cur {
	const char *p;
	size_t n, off;
};

static struct net_http_span next_line(struct cur *c)
{
	const char *start = c->p + c->off;
	const char *nl = memchr(start, '\n', c->n - c->off);
	struct net_http_span s = { start,
				   nl ? (size_t)(nl - start) : c->n - c->off };

	c->off += s.n + (nl ? 1 : 0);
	if (s.n && s.p[s.n - 1] == '\r')
		s.n--;
	return s;
}

/* RFC 9110 5.6.2 tchar */
static bool is_tchar(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') ||
	       (ch && strchr("!#$%&'*+-.^_`|~", ch));
}

static bool is_token(struct net_http_span s)
{
	if (!s.n)
		return false;
	for (size_t i = 0; i < s.n; i++)
		if (!is_tchar(s.p[i]))
			return false;
	return true;
}

static struct net_http_span trim(struct net_http_span s)
{
	while (s.n && (s.p[0] == ' ' || s.p[0] == '\t')) {
		s.p++;
		s.n--;
	}
	while (s.n && (s.p[s.n - 1] == ' ' || s.p[s.n - 1] == '\t'))
		s.n--;
	return s;
}

static bool span_eq(struct net_http_span s, const char *lit, bool nocase)
{
	size_t n = strlen(lit);

	if (s.n != n)
		return false;
	return nocase ? !strncasecmp(s.p, lit, n) : !memcmp(s.p, lit, n);
}

bool net_http_span_is(struct net_http_span s, const char *lit)
{
	return span_eq(s, lit, false);
}

/* RFC 9110 5.6.1: a comma-separated list, elements trimmed of OWS. */
static bool list_has(struct net_http_span v, const char *tok, bool nocase)
{
	while (v.n) {
		const char *comma = memchr(v.p, ',', v.n);
		size_t len = comma ? (size_t)(comma - v.p) : v.n;

		if (span_eq(trim((struct net_http_span){ v.p, len }), tok,
			    nocase))
			return true;
		len += comma ? 1 : 0;
		v.p += len;
		v.n -= len;
	}
	return false;
}

static void apply_header(struct net_http_req *r, struct net_http_span name,
			 struct net_http_span v)
{
	/* Field names are case-insensitive (RFC 9110 5.1), and so are the
	 * upgrade and connection tokens; subprotocol names are not. */
	if (span_eq(name, "Upgrade", true)) {
		r->upgrade_ws |= list_has(v, "websocket", true);
	} else if (span_eq(name, "Connection", true)) {
		r->conn_upgrade |= list_has(v, "upgrade", true);
	} else if (span_eq(name, "Sec-WebSocket-Protocol", true)) {
		r->proto_binary |= list_has(v, "binary", false);
	} else if (span_eq(name, "Sec-WebSocket-Key", true)) {
		r->key = v;
		r->nkeys++;
	} else if (span_eq(name, "Sec-WebSocket-Version", true)) {
		r->version = v;
		r->nversions++;
	}
}

/* RFC 9112 5: field-name ":" OWS field-value OWS */
static int parse_header(struct net_http_req *r, struct net_http_span line)
{
	const char *colon = memchr(line.p, ':', line.n);
	struct net_http_span name, value;

	/* No obs-fold continuation lines (5.2), no space before the colon
	 * (5.1): both are how requests get smuggled past proxies. */
	if (!colon)
		return -1;
	name = (struct net_http_span){ line.p, (size_t)(colon - line.p) };
	if (!is_token(name))
		return -1;
	value = (struct net_http_span){ colon + 1, line.n - name.n - 1 };
	apply_header(r, name, trim(value));
	return 0;
}

/* RFC 9112 3: method SP request-target SP HTTP-version */
static int parse_request_line(struct net_http_req *r, struct net_http_span line)
{
	const char *sp1 = memchr(line.p, ' ', line.n), *sp2, *ver;
	size_t rest;

	if (!sp1)
		return -1;
	r->method = (struct net_http_span){ line.p, (size_t)(sp1 - line.p) };
	rest = line.n - r->method.n - 1;
	sp2 = memchr(sp1 + 1, ' ', rest);
	if (!sp2 || !is_token(r->method))
		return -1;
	r->target = (struct net_http_span){ sp1 + 1, (size_t)(sp2 - sp1 - 1) };
	ver = sp2 + 1;
	if (!r->target.n || line.p + line.n - ver != 8 ||
	    memcmp(ver, "HTTP/1.", 7) || ver[7] < '0' || ver[7] > '9')
		return -1;
	for (size_t i = 0; i < r->target.n; i++)
		if ((unsigned char)r->target.p[i] <= ' ' ||
		    r->target.p[i] == 0x7f)
			return -1;
	r->minor = ver[7] - '0';
	return 0;
}

int net_http_req_parse(const char *p, size_t n, struct net_http_req *r)
{
	struct cur c = { p, n, 0 };
	struct net_http_span line;

	memset(r, 0, sizeof(*r));
	if (parse_request_line(r, next_line(&c)) < 0)
		return -1;
	for (;;) {
		line = next_line(&c);
		if (!line.n)
			return 0; /* the blank line */
		if (parse_header(r, line) < 0)
			return -1;
	}
}

void net_http_span_printable(struct net_http_span s, char *out, size_t n)
{
	size_t i;

	if (!n)
		return;
	for (i = 0; i < s.n && i + 1 < n; i++) {
		unsigned char ch = (unsigned char)s.p[i];

		out[i] = ch < 0x20 || ch > 0x7e ? '?' : (char)ch;
	}
	out[i] = '\0';
}
