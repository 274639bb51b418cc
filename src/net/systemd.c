#include "net/systemd.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define SD_LISTEN_FDS_START 3

int net_systemd_listen_fds(int *fds, int max)
{
	const char *pid = getenv("LISTEN_PID"), *n = getenv("LISTEN_FDS");
	char *end;
	long count;

	if (!pid || !n || strtol(pid, &end, 10) != getpid() || *end)
		return 0;
	count = strtol(n, &end, 10);
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	if (*end || count <= 0)
		return 0;
	if (count > max)
		count = max;
	for (int i = 0; i < count; i++) {
		fds[i] = SD_LISTEN_FDS_START + i;
		fcntl(fds[i], F_SETFD, FD_CLOEXEC);
	}
	return (int)count;
}

int net_systemd_notify(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	socklen_t len;
	ssize_t r;
	int fd;

	if (!path || !path[0] || strlen(path) >= sizeof(un.sun_path))
		return 0;
	memcpy(un.sun_path, path, strlen(path));
	/* "@name" is an abstract socket: a leading NUL on the wire. */
	if (un.sun_path[0] == '@')
		un.sun_path[0] = 0;
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
			  strlen(path));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	r = sendto(fd, state, strlen(state), MSG_NOSIGNAL,
		   (struct sockaddr *)&un, len);
	close(fd);
	return r < 0 ? -1 : 0;
}
