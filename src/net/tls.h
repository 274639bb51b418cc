/* TLS as a stream layer over any connection (GnuTLS), for VeNCrypt: the
 * TLS* subtypes (TLSNone, TLSVnc, TLSPlain) run anonymous (EC)DH, the
 * X509* subtypes (X509None, X509Vnc, X509Plain) present a certificate.
 * Also the self-signed certificate made on first use. */
#ifndef XRFB_NET_TLS_H
#define XRFB_NET_TLS_H

#include <stdbool.h>
#include <stddef.h>

#include "net/conn.h"

struct net_tls_creds;

/* Room for a fingerprint: "AB:CD:..." (SHA-256, 32 hex pairs) and a NUL. */
#define NET_TLS_FP_LEN 96

/* Server credentials: anonymous ECDHE/DHE always, and an X.509 identity
 * when cert_file and key_file (PEM, both or neither) are given.  NULL with
 * *why (naming the file and the fix) on failure; *why stays valid until
 * the next call into this module.  Must outlive every layer made from it. */
/* Formats an error text for a `why` out-parameter into one static
 * buffer, valid until the next call. */
const char *net_tls_why(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

struct net_tls_creds *net_tls_creds_new(const char *cert_file,
					const char *key_file, const char **why);
void net_tls_creds_free(struct net_tls_creds *creds);
bool net_tls_creds_have_x509(const struct net_tls_creds *creds);

/* Use dir/cert.pem and dir/key.pem, or make them if neither exists: an
 * ECDSA P-256 key (0600) and a 10-year self-signed certificate for this
 * host name, localhost, 127.0.0.1 and ::1, creating dir 0700 as needed.
 * Refuses a key.pem others can read.  On success 0, *cert_path and
 * *key_path (the caller frees them) and the certificate's fingerprint
 * (fplen >= NET_TLS_FP_LEN); -1 and *why otherwise. */
int net_tls_ensure_selfsigned(const char *dir, char **cert_path,
			      char **key_path, char *fingerprint, size_t fplen,
			      const char **why);

/* The SHA-256 fingerprint of the DER form of the PEM certificate in
 * cert_file, as colon-separated upper-case hex pairs, the text a user
 * compares with what a viewer shows.  0, or -1 and *why. */
int net_tls_fingerprint(const char *cert_file, char *fingerprint, size_t fplen,
			const char **why);

/* A server-side TLS layer over `inner`: x509 presents the certificate
 * (priority "NORMAL"), otherwise anonymous key exchange only, in TLS 1.2
 * (1.3 has none; a viewer offering it still gets 1.2).  Takes
 * ownership of inner on success; NULL and *why (inner untouched) if x509
 * is asked for without a certificate, or on OOM.
 *
 * The handshake runs inside read(): until it is done read() fails with
 * EAGAIN, and whatever it produced goes out through pending_out()/flush().
 * It never waits for the socket to become writable.  write() before it is
 * done is kept as plaintext (up to 64 KiB) and sent when it completes; that
 * plaintext is not counted by pending_out(), so a caller polling for
 * LOOP_OUT does not spin while the peer is silent.  A caller must:
 *   - call read() when fd is readable, and again while pending_in() > 0;
 *   - after every read() and write(), arm LOOP_OUT if pending_out() > 0,
 *     and call flush() when fd is writable;
 *   - bound the handshake with its own timer: a peer that never finishes
 *     it just leaves read() saying EAGAIN.
 * Failures (bad records, a fatal alert) return -1 with EPROTO and
 * error = "TLS: <reason>"; a transport failure keeps its errno (EPIPE,
 * ECONNRESET) with error "TLS: <strerror>".  The peer's close_notify, or
 * its end of stream after the handshake, reads as 0. */
struct net_conn *net_tls_new(struct net_tls_creds *creds,
			     struct net_conn *inner, bool x509,
			     const char **why);

#endif
