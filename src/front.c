#include "front.h"

#include <stdlib.h>
#include <string.h>

#include "net/http.h"
#include "net/sniff.h"
#include "rfb/throttle.h"
#include "util/log.h"

/* Browsers open connections early (preconnect) and may send their
 * request only after the sniffing window: an address that spoke HTTP
 * recently is given longer to speak first. */
#define RECENT_HOSTS 32
#define RECENT_MS 120000
#define BROWSER_SNIFF_MS 5000

struct front {
	struct loop *loop;
	struct front_opts o;
	struct net_http_opts http;
	struct {
		char host[64];
		uint64_t until;
	} recent[RECENT_HOSTS];
};

static bool recent_browser(struct front *f, const char *peer)
{
	char host[64];
	uint64_t now = loop_now_ms();

	rfb_peer_host(peer, host, sizeof(host));
	for (int i = 0; i < RECENT_HOSTS; i++)
		if (f->recent[i].until > now && !strcmp(f->recent[i].host, host))
			return true;
	return false;
}

/* Remember in the slot that expires first. */
static void note_browser(struct front *f, const char *peer)
{
	int slot = 0;

	for (int i = 1; i < RECENT_HOSTS; i++)
		if (f->recent[i].until < f->recent[slot].until)
			slot = i;
	rfb_peer_host(peer, f->recent[slot].host,
		      sizeof(f->recent[slot].host));
	f->recent[slot].until = loop_now_ms() + RECENT_MS;
}

struct front *front_new(struct loop *loop, const struct front_opts *o)
{
	struct front *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->loop = loop;
	f->o = *o;
	f->http.httpdir = o->httpdir;
	f->http.index = "vnc.html";
	return f;
}

void front_destroy(struct front *f)
{
	free(f);
}

void front_rfb(struct front *f, struct net_conn *conn)
{
	rfb_server_add_client(f->o.srv, conn);
}

static void upgraded(void *data, struct net_conn *ws)
{
	struct front *f = data;

	log_info("%s: WebSocket viewer", ws->peer);
	front_rfb(f, ws);
}

/* Inside TLS only HTTP or RFB make sense: no TLS within TLS. */
static void sniffed_in_tls(void *data, struct net_conn *conn,
			   enum net_proto p)
{
	struct front *f = data;

	if (!conn)
		return;
	if (p == NET_PROTO_HTTP)
		net_http_serve(f->loop, conn, &f->http, upgraded, f);
	else
		front_rfb(f, conn);
}

/* wss://: TLS first, then look again at what comes inside it. */
static void start_tls(struct front *f, struct net_conn *conn)
{
	const char *why = "no certificate configured (use -cert/-key or a "
			  "TLS security type)";
	struct net_conn *tls = NULL;

	if (f->o.tls && net_tls_creds_have_x509(f->o.tls))
		tls = net_tls_new(f->o.tls, conn, true, &why);
	if (!tls) {
		log_info("%s: closed: TLS connection, but %s", conn->peer,
			 why);
		net_conn_destroy(conn);
		return;
	}
	/* A browser's request follows the TLS handshake at once; give the
	 * handshake time, not just the sniffing window. */
	net_sniff(f->loop, tls, NET_HTTP_DEFAULT_TIMEOUT_MS, sniffed_in_tls,
		  f);
}

static void sniffed(void *data, struct net_conn *conn, enum net_proto p)
{
	struct front *f = data;

	if (!conn)
		return;
	switch (p) {
	case NET_PROTO_HTTP:
		note_browser(f, conn->peer);
		net_http_serve(f->loop, conn, &f->http, upgraded, f);
		break;
	case NET_PROTO_TLS:
		start_tls(f, conn);
		break;
	default:
		front_rfb(f, conn);
	}
}

void front_accept(struct front *f, struct net_conn *conn)
{
	net_sniff(f->loop, conn,
		  recent_browser(f, conn->peer) ? BROWSER_SNIFF_MS :
						  NET_SNIFF_MS,
		  sniffed, f);
}
