/*
 * keel-ctl SOCKET COMMAND [ARGS...]: one command to a running keel-host's
 * control socket (keel-host --control SOCKET, keelhost/control.c), its
 * answer block on stdout. Exit status 0 when the block ends with "ok",
 * 1 on "error: ...", 2 when keel-host cannot be reached.
 *
 *   keel-ctl build/run/keel.ctl shutdown        ask Keel to shut down
 *   keel-ctl build/run/keel.ctl kvp-list        the guest's KVP items
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char line[1024], buf[4096];
	size_t len = 0, have = 0;
	int fd, rc = 1;
	FILE *in;

	if (argc < 3 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: keel-ctl SOCKET shutdown|restart [REASON] | "
			"kvp-push KEY VALUE | kvp-list | heartbeat | help\n");
		return 2;
	}
	for (int i = 2; i < argc && len + strlen(argv[i]) + 2 < sizeof(line); i++)
		len += (size_t)snprintf(line + len, sizeof(line) - len, "%s%s", i > 2 ? " " : "",
					argv[i]);
	line[len++] = '\n';
	strcpy(sa.sun_path, argv[1]);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    write(fd, line, len) != (ssize_t)len) {
		perror(argv[1]);
		return 2;
	}
	in = fdopen(fd, "r");
	while (in && fgets(buf, sizeof(buf), in)) {
		fputs(buf, stdout);
		have = 1;
		if (!strcmp(buf, "ok\n")) {
			rc = 0;
			break;
		}
		if (!strncmp(buf, "error:", 6))
			break;
	}
	if (!have) {
		fprintf(stderr, "keel-ctl: keel-host closed the connection\n");
		rc = 2;
	}
	if (in)
		fclose(in);
	return rc;
}
