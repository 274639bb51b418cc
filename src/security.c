#include "security.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "auth/pam.h"
#include "rfb/auth.h"
#include "util/log.h"

#define PAM_SERVICE "xrfbshare"

struct security {
	char passwd[RFB_PASSWD_MAX + 1];
	char view_passwd[RFB_PASSWD_MAX + 1];
	char plainusers[1024]; /* ",user,user," */
	struct net_tls_creds *tls;
	bool login;
};

static const struct {
	const char *name;
	uint32_t type;
} type_names[] = {
	{ "None", RFB_SEC_NONE },
	{ "VncAuth", RFB_SEC_VNCAUTH },
	{ "Plain", RFB_VENCRYPT_PLAIN },
	{ "TLSNone", RFB_VENCRYPT_TLSNONE },
	{ "TLSVnc", RFB_VENCRYPT_TLSVNC },
	{ "TLSPlain", RFB_VENCRYPT_TLSPLAIN },
	{ "X509None", RFB_VENCRYPT_X509NONE },
	{ "X509Vnc", RFB_VENCRYPT_X509VNC },
	{ "X509Plain", RFB_VENCRYPT_X509PLAIN },
};

static bool is_vnc(uint32_t t)
{
	return t == RFB_SEC_VNCAUTH || t == RFB_VENCRYPT_TLSVNC ||
	       t == RFB_VENCRYPT_X509VNC;
}

static bool is_plain(uint32_t t)
{
	return t == RFB_VENCRYPT_PLAIN || t == RFB_VENCRYPT_TLSPLAIN ||
	       t == RFB_VENCRYPT_X509PLAIN;
}

static bool is_tls(uint32_t t)
{
	return t >= RFB_VENCRYPT_TLSNONE && t <= RFB_VENCRYPT_X509PLAIN;
}

/* "-securitytypes TLSVnc,VncAuth" into o->security. */
static int parse_types(const char *list, struct rfb_server_opts *o)
{
	char buf[256], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", list);
	for (char *w = strtok_r(buf, ", ", &save); w;
	     w = strtok_r(NULL, ", ", &save)) {
		size_t i;

		for (i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
			if (!strcasecmp(w, type_names[i].name))
				break;
		if (i == sizeof(type_names) / sizeof(type_names[0])) {
			log_error("-securitytypes: unknown type \"%s\"; known: "
				  "None, VncAuth, Plain, TLSNone, TLSVnc, "
				  "TLSPlain, X509None, X509Vnc, X509Plain", w);
			return -1;
		}
		if (o->nsecurity == RFB_MAX_SECURITY)
			return -1;
		o->security[o->nsecurity++] = type_names[i].type;
	}
	return 0;
}

static bool plain_check(void *ctx, const char *user, const char *pass,
			char *why)
{
	const struct security *s = ctx;
	char needle[300];

	snprintf(needle, sizeof(needle), ",%s,", user);
	if (!strstr(s->plainusers, needle)) {
		snprintf(why, RFB_PLAIN_WHY, "not in -plainusers");
		return false;
	}
	return auth_pam_check(PAM_SERVICE, user, pass, why, RFB_PLAIN_WHY);
}

static struct net_conn *tls_wrap(void *ctx, struct net_conn *inner,
				 bool x509)
{
	struct security *s = ctx;
	const char *why = "TLS is not configured";
	struct net_conn *c = s->tls ? net_tls_new(s->tls, inner, x509, &why) :
				      NULL;

	if (!c)
		log_warn("%s: cannot start TLS: %s", inner->peer, why);
	return c;
}

static int load_passwords(struct security *s, const struct config *cfg,
			  struct rfb_server_opts *o)
{
	const char *why;

	if (!cfg->rfbauth)
		return 0;
	if (rfb_passwd_read(cfg->rfbauth, s->passwd, s->view_passwd,
			    &why) < 0) {
		log_error("cannot use password file %s: %s", cfg->rfbauth,
			  why);
		return -1;
	}
	if (!s->passwd[0] && !s->view_passwd[0]) {
		log_error("password file %s holds an empty password",
			  cfg->rfbauth);
		return -1;
	}
	o->passwd = s->passwd[0] ? s->passwd : NULL;
	o->view_passwd = s->view_passwd[0] ? s->view_passwd : NULL;
	return 0;
}

/* X.509 identity: -cert/-key, else a self-signed one made once. */
static int load_tls(struct security *s, const struct config *cfg,
		    bool x509)
{
	char *cert = NULL, *key = NULL, fp[NET_TLS_FP_LEN], dir[512];
	const char *why, *home = getenv("HOME");
	int r = -1;

	if (cfg->cert || cfg->key) {
		s->tls = net_tls_creds_new(cfg->cert, cfg->key, &why);
	} else if (x509) {
		snprintf(dir, sizeof(dir), "%s/.config/xrfbshare",
			 home ? home : ".");
		if (net_tls_ensure_selfsigned(dir, &cert, &key, fp, sizeof(fp),
					      &why) < 0)
			goto out;
		log_info("TLS certificate %s, SHA-256 fingerprint %s", cert, fp);
		s->tls = net_tls_creds_new(cert, key, &why);
	} else {
		s->tls = net_tls_creds_new(NULL, NULL, &why);
	}
	r = s->tls ? 0 : -1;
out:
	if (r < 0)
		log_error("TLS: %s", why);
	free(cert);
	free(key);
	return r;
}

/* Every offered type must be usable; remember whether any asks for a
 * login and whether TLS is wanted. */
static int check_types(struct security *s, const struct config *cfg,
		       const struct rfb_server_opts *o, bool *tls, bool *x509)
{
	for (int i = 0; i < o->nsecurity; i++) {
		uint32_t t = o->security[i];

		if (is_vnc(t) && !o->passwd && !o->view_passwd) {
			log_error("-securitytypes: VNC authentication needs a "
				  "password: add -rfbauth FILE");
			return -1;
		}
		if (is_plain(t) && !auth_pam_available()) {
			log_error("-securitytypes: Plain needs PAM, which this "
				  "build lacks (install libpam0g-dev, rebuild)");
			return -1;
		}
		s->login |= is_vnc(t) || is_plain(t);
		*tls |= is_tls(t);
		*x509 |= t >= RFB_VENCRYPT_X509NONE;
	}
	return 0;
}

static void set_plainusers(struct security *s, const struct config *cfg)
{
	const struct passwd *pw = getpwuid(geteuid());
	const char *users = cfg->plainusers ? cfg->plainusers :
			    pw		    ? pw->pw_name :
					      "";
	size_t n = 0;

	/* ",a,b," so a lookup is one strstr for ",user,". */
	n += (size_t)snprintf(s->plainusers, sizeof(s->plainusers), ",");
	for (const char *p = users; *p && n + 2 < sizeof(s->plainusers); p++)
		s->plainusers[n++] = *p == ' ' ? ',' : *p;
	s->plainusers[n++] = ',';
	s->plainusers[n] = 0;
}

struct security *security_new(const struct config *cfg,
			      struct rfb_server_opts *o)
{
	struct security *s = calloc(1, sizeof(*s));
	bool tls = false, x509 = false;

	if (!s)
		return NULL;
	if (load_passwords(s, cfg, o) < 0)
		goto err;
	if (cfg->securitytypes && parse_types(cfg->securitytypes, o) < 0)
		goto err;
	if (!cfg->securitytypes)
		o->security[o->nsecurity++] = o->passwd || o->view_passwd ?
						      RFB_SEC_VNCAUTH :
						      RFB_SEC_NONE;
	if (check_types(s, cfg, o, &tls, &x509) < 0)
		goto err;
	if ((tls || cfg->cert) && load_tls(s, cfg, x509) < 0)
		goto err;
	set_plainusers(s, cfg);
	o->tls_wrap = tls_wrap;
	o->tls_ctx = s;
	o->check_plain = plain_check;
	o->plain_ctx = s;
	return s;
err:
	security_free(s);
	return NULL;
}

void security_free(struct security *s)
{
	if (!s)
		return;
	net_tls_creds_free(s->tls);
	explicit_bzero(s, sizeof(*s));
	free(s);
}

bool security_requires_login(const struct security *s)
{
	return s->login;
}

struct net_tls_creds *security_tls(struct security *s)
{
	return s->tls;
}
