/* The self-signed certificate for X509* VeNCrypt when the user brings
 * none: made once, kept next to the config, and identified to the user by
 * its SHA-256 fingerprint, which is what they compare in the viewer. */
#include "net/tls.h"

#include <errno.h>
#include <fcntl.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DAY (24 * 60 * 60)
/* Ten years: long enough not to become a chore. */
#define VALID_DAYS 3653

static int format_fingerprint(gnutls_x509_crt_t crt, char *fp, size_t fplen)
{
	unsigned char md[32];
	size_t mdlen = sizeof(md);
	int r = gnutls_x509_crt_get_fingerprint(crt, GNUTLS_DIG_SHA256, md,
						&mdlen);

	if (r < 0)
		return r;
	if (fplen < mdlen * 3)
		return GNUTLS_E_SHORT_MEMORY_BUFFER;
	for (size_t i = 0; i < mdlen; i++)
		snprintf(fp + 3 * i, 4, i + 1 < mdlen ? "%02X:" : "%02X",
			 md[i]);
	return 0;
}

int net_tls_fingerprint(const char *cert_file, char *fp, size_t fplen,
			const char **why)
{
	gnutls_datum_t pem = { NULL, 0 };
	gnutls_x509_crt_t crt = NULL;
	int r = gnutls_load_file(cert_file, &pem);

	if (r < 0) {
		*why = net_tls_why("cannot read TLS certificate %s: %s",
				   cert_file, strerror(errno));
		return -1;
	}
	r = gnutls_x509_crt_init(&crt);
	if (r == 0)
		r = gnutls_x509_crt_import(crt, &pem, GNUTLS_X509_FMT_PEM);
	if (r == 0)
		r = format_fingerprint(crt, fp, fplen);
	if (r < 0)
		*why = net_tls_why(
			"TLS certificate %s: %s (a PEM certificate is "
			"expected)",
			cert_file, gnutls_strerror(r));
	if (crt)
		gnutls_x509_crt_deinit(crt);
	gnutls_free(pem.data);
	return r < 0 ? -1 : 0;
}

static void host_name(char *host, size_t n)
{
	if (gethostname(host, n) < 0)
		host[0] = '\0';
	host[n - 1] = '\0';
	if (!host[0])
		snprintf(host, n, "localhost");
}

static int add_names(gnutls_x509_crt_t crt, const char *host)
{
	static const unsigned char ip4[4] = { 127, 0, 0, 1 };
	static const unsigned char ip6[16] = { [15] = 1 };
	const unsigned append = GNUTLS_FSAN_APPEND;
	int r;

	if (strcmp(host, "localhost") &&
	    (r = gnutls_x509_crt_set_subject_alt_name(
		     crt, GNUTLS_SAN_DNSNAME, host, strlen(host), append)) < 0)
		return r;
	if ((r = gnutls_x509_crt_set_subject_alt_name(
		     crt, GNUTLS_SAN_DNSNAME, "localhost", 9, append)) < 0 ||
	    (r = gnutls_x509_crt_set_subject_alt_name(
		     crt, GNUTLS_SAN_IPADDRESS, ip4, sizeof(ip4), append)) < 0)
		return r;
	return gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS,
						    ip6, sizeof(ip6), append);
}

/* A leaf certificate signed by its own key: not a CA, for TLS servers. */
static int fill_cert(gnutls_x509_crt_t crt, gnutls_x509_privkey_t key)
{
	char host[256];
	unsigned char serial[16];
	time_t now = time(NULL);
	int r;

	host_name(host, sizeof(host));
	if ((r = gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof(serial))) < 0)
		return r;
	serial[0] &= 0x7f; /* a positive INTEGER */
	if ((r = gnutls_x509_crt_set_version(crt, 3)) < 0 ||
	    (r = gnutls_x509_crt_set_serial(crt, serial, sizeof(serial))) < 0 ||
	    (r = gnutls_x509_crt_set_key(crt, key)) < 0 ||
	    (r = gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME,
					       0, host, strlen(host))) < 0 ||
	    (r = gnutls_x509_crt_set_dn_by_oid(
		     crt, GNUTLS_OID_X520_ORGANIZATION_NAME, 0, "xrfbshare",
		     9)) < 0 ||
	    /* An hour back, for a viewer whose clock runs late. */
	    (r = gnutls_x509_crt_set_activation_time(crt, now - 3600)) < 0 ||
	    (r = gnutls_x509_crt_set_expiration_time(
		     crt, now + (time_t)VALID_DAYS * DAY)) < 0 ||
	    (r = gnutls_x509_crt_set_basic_constraints(crt, 0, -1)) < 0 ||
	    (r = gnutls_x509_crt_set_key_usage(
		     crt, GNUTLS_KEY_DIGITAL_SIGNATURE)) < 0 ||
	    (r = gnutls_x509_crt_set_key_purpose_oid(
		     crt, GNUTLS_KP_TLS_WWW_SERVER, 0)) < 0)
		return r;
	return add_names(crt, host);
}

/* Written aside and renamed into place, so a crash leaves no half file. */
static int write_file(const char *path, const gnutls_datum_t *d, mode_t mode,
		      const char **why)
{
	char tmp[4096];
	ssize_t n;
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0)
		goto err;
	n = write(fd, d->data, d->size);
	if (n != (ssize_t)d->size) {
		if (n >= 0)
			errno = ENOSPC;
		close(fd);
		goto err;
	}
	if (close(fd) < 0 || rename(tmp, path) < 0)
		goto err;
	return 0;
err:
	*why = net_tls_why("cannot write %s: %s", path, strerror(errno));
	unlink(tmp);
	return -1;
}

/* A new ECDSA P-256 key and its certificate, signed by itself. */
static int make_pair(gnutls_x509_privkey_t key, gnutls_x509_crt_t crt)
{
	unsigned bits = GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1);
	int r = gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA, bits, 0);

	if (r == 0)
		r = fill_cert(crt, key);
	if (r == 0)
		r = gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0);
	return r;
}

static int generate(const char *cert_path, const char *key_path,
		    const char **why)
{
	gnutls_x509_privkey_t key = NULL;
	gnutls_x509_crt_t crt = NULL;
	gnutls_datum_t kpem = { NULL, 0 }, cpem = { NULL, 0 };
	int r;

	if ((r = gnutls_x509_privkey_init(&key)) < 0 ||
	    (r = gnutls_x509_crt_init(&crt)) < 0 ||
	    (r = make_pair(key, crt)) < 0 ||
	    (r = gnutls_x509_privkey_export2_pkcs8(key, GNUTLS_X509_FMT_PEM,
						   NULL, GNUTLS_PKCS_PLAIN,
						   &kpem)) < 0 ||
	    (r = gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &cpem)) < 0)
		*why = net_tls_why(
			"cannot make a self-signed TLS certificate: %s",
			gnutls_strerror(r));
	/* The key first: a certificate on disk means the pair is whole. */
	else if (write_file(key_path, &kpem, 0600, why) < 0 ||
		 write_file(cert_path, &cpem, 0644, why) < 0)
		r = -1;
	gnutls_free(kpem.data);
	gnutls_free(cpem.data);
	if (crt)
		gnutls_x509_crt_deinit(crt);
	if (key)
		gnutls_x509_privkey_deinit(key);
	return r < 0 ? -1 : 0;
}

/* mkdir -p, each new level 0700 like ~/.config. */
static int make_dir(const char *dir, const char **why)
{
	char path[4096];
	struct stat st;

	if (!dir[0] ||
	    snprintf(path, sizeof(path), "%s", dir) >= (int)sizeof(path)) {
		*why = net_tls_why("bad directory name \"%s\"", dir);
		return -1;
	}
	for (char *p = path + 1;; p++) {
		char c = *p;

		if (c && c != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0700) < 0 && errno != EEXIST) {
			*why = net_tls_why("cannot create %s: %s", path,
					   strerror(errno));
			return -1;
		}
		*p = c;
		if (!c)
			break;
	}
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		*why = net_tls_why("%s is not a directory", dir);
		return -1;
	}
	return 0;
}

/* 1 if the pair is there and usable, 0 if neither file exists, -1 (and
 * *why) for half a pair or a key others may read. */
static int existing_pair(const char *cert, const char *key, const char **why)
{
	struct stat cs, ks;
	bool have_cert = stat(cert, &cs) == 0, have_key = stat(key, &ks) == 0;

	if (!have_cert && !have_key)
		return 0;
	if (!have_cert || !have_key) {
		*why = net_tls_why(
			"%s exists but %s does not: remove it to have "
			"a new pair made",
			have_cert ? cert : key, have_cert ? key : cert);
		return -1;
	}
	if (ks.st_uid != geteuid() || (ks.st_mode & 077)) {
		*why = net_tls_why("TLS key %s must be yours and private: "
				   "chown it to you and chmod 600 it",
				   key);
		return -1;
	}
	return 1;
}

static char *path_join(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);

	if (p)
		snprintf(p, n, "%s/%s", dir, name);
	return p;
}

int net_tls_ensure_selfsigned(const char *dir, char **cert_path,
			      char **key_path, char *fp, size_t fplen,
			      const char **why)
{
	char *cert = path_join(dir, "cert.pem");
	char *key = path_join(dir, "key.pem");
	int have;

	if (!cert || !key) {
		*why = "out of memory";
		goto err;
	}
	have = existing_pair(cert, key, why);
	if (have < 0)
		goto err;
	if (!have && (make_dir(dir, why) < 0 || generate(cert, key, why) < 0))
		goto err;
	if (net_tls_fingerprint(cert, fp, fplen, why) < 0)
		goto err;
	*cert_path = cert;
	*key_path = key;
	return 0;
err:
	free(cert);
	free(key);
	return -1;
}
