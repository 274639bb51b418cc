// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vncpwfile: write what a vncpasswd file for PASS (and optionally a view-only
 * VIEWPASS) must contain, to stdout.
 *
 *   vncpwfile PASS [VIEWPASS] > FILE
 *
 * The format (TigerVNC's and x11vnc's vncpasswd) is each password padded
 * with zeros to 8 bytes and DES-encrypted with a fixed, well-known key.
 * libvncclient's VNC-authentication routine is that same DES with the
 * password as key, so we let it do the encryption: the result is checked by
 * code the server under test did not write.
 */
#include <stdio.h>
#include <string.h>
#include <rfb/rfbclient.h>

/* Exported by libvncclient (rfbproto.c) but not declared in its header. */
void rfbClientEncryptBytes(unsigned char *bytes, char *passwd);

static void put_obfuscated(const char *pw)
{
	char key[] = { 23, 82, 107, 6, 35, 78, 88, 7, 0 };
	unsigned char block[16] = { 0 };

	strncpy((char *)block, pw, 8);
	rfbClientEncryptBytes(block, key);
	fwrite(block, 1, 8, stdout);
}

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: vncpwfile PASS [VIEWPASS] > FILE\n");
		return 2;
	}
	put_obfuscated(argv[1]);
	if (argc == 3)
		put_obfuscated(argv[2]);
	return fflush(stdout) ? 1 : 0;
}
