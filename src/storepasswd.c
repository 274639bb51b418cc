/* -storepasswd: write a vncpasswd-format password file. */
#include "storepasswd.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "rfb/auth.h"
#include "util/log.h"

/* Read a line from the terminal without echo. */
static int ask(const char *prompt, char *out, size_t n)
{
	struct termios old, quiet;
	bool tty = tcgetattr(STDIN_FILENO, &old) == 0;
	size_t len;

	fputs(prompt, stderr);
	if (tty) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
	}
	if (!fgets(out, (int)n, stdin))
		out[0] = 0;
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSANOW, &old);
		fputc('\n', stderr);
	}
	len = strlen(out);
	if (len && out[len - 1] == '\n')
		out[len - 1] = 0;
	return out[0] ? 0 : -1;
}

/* -storepasswd [PASS] [FILE] */
int storepasswd_run(const struct config *cfg)
{
	char pw[128], again[128], path[4096];
	const char *file = cfg->storepasswd_file, *why;

	if (!file) {
		const char *home = getenv("HOME");

		snprintf(path, sizeof(path), "%s/.vnc/passwd",
			 home ? home : ".");
		if (home) {
			snprintf(again, sizeof(again), "%s/.vnc", home);
			mkdir(again, 0700);
		}
		file = path;
	}
	if (cfg->storepasswd_pass) {
		snprintf(pw, sizeof(pw), "%s", cfg->storepasswd_pass);
	} else if (ask("Password: ", pw, sizeof(pw)) < 0 ||
		   ask("Verify:   ", again, sizeof(again)) < 0 ||
		   strcmp(pw, again) != 0) {
		log_error("passwords empty or different; nothing written");
		return 1;
	}
	if (!pw[0]) {
		log_error("the password must not be empty");
		return 1;
	}
	if (strlen(pw) > RFB_PASSWD_MAX)
		log_warn("VNC passwords are at most 8 characters; only the "
			 "first 8 count");
	if (rfb_passwd_write(file, pw, cfg->viewpasswd, &why) < 0) {
		log_error("cannot write %s: %s", file, why);
		return 1;
	}
	log_info("password stored in %s", file);
	return 0;
}

