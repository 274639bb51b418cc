/* xrfbshare: argv -> config, then -storepasswd or the server. */
#include <fcntl.h>
#include <unistd.h>

#include "app.h"
#include "config.h"
#include "storepasswd.h"
#include "util/log.h"

/* Started with stdin/out/err closed, the X socket could become fd 2 and
 * log lines would go into the X connection. */
static void ensure_std_fds(void)
{
	int fd;

	while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd <= 2)
		;
	if (fd > 2)
		close(fd);
}

int main(int argc, char **argv)
{
	struct config cfg;
	int r;

	ensure_std_fds();
	r = config_parse(&cfg, argc, argv);
	if (r != 0)
		return r > 0 ? 0 : 2;
	log_set_level(cfg.verbosity);
	if (cfg.storepasswd)
		return storepasswd_run(&cfg);
	return app_run(&cfg);
}
