#include "rfb/auth.h"

#include <errno.h>
#include <fcntl.h>
#include <nettle/des.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

/* The fixed key vncpasswd files are obfuscated with, already bit-reversed
 * for a standard DES implementation (VNC's DES reads key bits LSB first). */
static const uint8_t passwd_file_key[8] = { 0xe8, 0x4a, 0xd6, 0x60,
					    0xc4, 0x72, 0x1a, 0xe0 };

int rfb_random(void *buf, size_t n)
{
	uint8_t *p = buf;

	while (n) {
		ssize_t r = getrandom(p, n, 0);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static uint8_t reverse_bits(uint8_t b)
{
	b = (uint8_t)((b & 0xf0) >> 4 | (b & 0x0f) << 4);
	b = (uint8_t)((b & 0xcc) >> 2 | (b & 0x33) << 2);
	return (uint8_t)((b & 0xaa) >> 1 | (b & 0x55) << 1);
}

/* VNC auth keys: the password zero-padded to 8 bytes, each byte's bits
 * reversed (rfbproto 7.2.2's note on bit order). */
static void password_key(const char *passwd, uint8_t key[8])
{
	size_t n = strnlen(passwd, RFB_PASSWD_MAX);

	memset(key, 0, 8);
	for (size_t i = 0; i < n; i++)
		key[i] = reverse_bits((uint8_t)passwd[i]);
}

void rfb_auth_vnc_response(const char *passwd, const uint8_t challenge[16],
			   uint8_t response[16])
{
	struct des_ctx ctx;
	uint8_t key[8];

	password_key(passwd, key);
	/* Weak keys (e.g. an empty password) still work; ignore the flag. */
	des_set_key(&ctx, key);
	des_encrypt(&ctx, 16, response, challenge);
}

bool rfb_auth_vnc_check(const char *passwd, const uint8_t challenge[16],
			const uint8_t response[16])
{
	uint8_t want[16];
	uint8_t diff = 0;

	rfb_auth_vnc_response(passwd, challenge, want);
	for (int i = 0; i < 16; i++)
		diff |= want[i] ^ response[i];
	return diff == 0;
}

static void crypt_block(const uint8_t in[8], uint8_t out[8], bool encrypt)
{
	struct des_ctx ctx;

	des_set_key(&ctx, passwd_file_key);
	if (encrypt)
		des_encrypt(&ctx, 8, out, in);
	else
		des_decrypt(&ctx, 8, out, in);
}

static void decode_entry(const uint8_t in[8], char out[9])
{
	crypt_block(in, (uint8_t *)out, false);
	out[8] = 0;
}

static int check_file(int fd, const char **why)
{
	struct stat st;

	if (fstat(fd, &st) < 0) {
		*why = "cannot stat it";
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		*why = "it is not a regular file";
		return -1;
	}
	if (st.st_uid != geteuid()) {
		*why = "it belongs to another user";
		return -1;
	}
	if (st.st_mode & 077) {
		*why = "other users can read it; run chmod 600 on it";
		return -1;
	}
	return 0;
}

int rfb_passwd_read(const char *path, char full[9], char view[9],
		    const char **why)
{
	uint8_t data[16];
	ssize_t n;
	int fd;

	full[0] = view[0] = 0;
	/* O_NONBLOCK: a FIFO put there must be refused, not waited on. */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		*why = errno == ELOOP ? "it is a symbolic link" :
					strerror(errno);
		return -1;
	}
	if (check_file(fd, why) < 0)
		goto err;
	n = read(fd, data, sizeof(data));
	if (n < 8) {
		*why = "it is too short: write it with -storepasswd";
		goto err;
	}
	decode_entry(data, full);
	if (n == 16)
		decode_entry(data + 8, view);
	close(fd);
	return 0;
err:
	close(fd);
	return -1;
}

static void encode_entry(const char *pw, uint8_t out[8])
{
	uint8_t plain[8] = { 0 };

	memcpy(plain, pw, strnlen(pw, RFB_PASSWD_MAX));
	crypt_block(plain, out, true);
}

int rfb_passwd_write(const char *path, const char *full, const char *view,
		     const char **why)
{
	uint8_t data[16];
	size_t len = 8;
	int fd;

	encode_entry(full, data);
	if (view && view[0]) {
		encode_entry(view, data + 8);
		len = 16;
	}
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  0600);
	if (fd < 0 || write(fd, data, len) != (ssize_t)len) {
		*why = strerror(errno);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (close(fd) < 0) {
		*why = strerror(errno);
		return -1;
	}
	return 0;
}
