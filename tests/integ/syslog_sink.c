/*
 * syslog_sink.c - a syslog receiver for the privacy test: binds a unix
 * datagram socket at PATH (mode 0666) and appends every message to OUTFILE,
 * one per line, until SIGTERM/SIGINT; then removes PATH.
 *
 *   syslog_sink PATH OUTFILE
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int
main(int argc, char **argv)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct sigaction act;
	char buf[8192];
	FILE *out;
	int fd;

	if (argc != 3 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: syslog_sink PATH OUTFILE\n");
		return 2;
	}
	memset(&act, 0, sizeof(act));
	act.sa_handler = on_signal;	/* no SA_RESTART: recv returns EINTR */
	sigaction(SIGTERM, &act, NULL);
	sigaction(SIGINT, &act, NULL);
	memcpy(sa.sun_path, argv[1], strlen(argv[1]));
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (fd == -1 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
		perror(argv[1]);
		return 1;
	}
	chmod(argv[1], 0666);
	out = fopen(argv[2], "a");
	if (out == NULL) {
		perror(argv[2]);
		unlink(argv[1]);
		return 1;
	}
	printf("listening\n");
	fflush(stdout);
	while (!stop) {
		ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		fprintf(out, "%s\n", buf);
		fflush(out);
	}
	fclose(out);
	unlink(argv[1]);
	return 0;
}
