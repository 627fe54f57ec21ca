/*
 * badserver: a TCP server for the integration tests that misbehaves on
 * purpose -- answers late, never finishes its headers, sends an endless
 * body, speaks garbage instead of TLS, says nothing at all, answers
 * without a status line (HTTP/0.9), or sends one header line of ARG bytes
 * (a Location of a redirect, or any other header).
 *
 *   badserver [-t CERT KEY] ADDRESS PORT MODE [ARG]
 *   MODE: ok | delay MS | endless | noheaders | garbage | silent | 500 |
 *         http09 | biglocation BYTES | bigheader BYTES
 *
 * With -t, each connection first does a TLS handshake with CERT and KEY
 * (PEM files) and the mode speaks inside it.
 * One child per connection; children die with the parent and after 120 s.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include "util.h"

/* The connection's TLS, in the child that serves it; NULL: plain TCP. */
static SSL *tls;

static const char page[] =
    "<html><head><title>v6watch lab</title></head><body>\n"
    "<h1>Online services of the province</h1>\n"
    "<p>Apply for permits, pay fees and follow your requests online.</p>\n"
    "</body></html>\n";

static void
sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static int
write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = tls != NULL ?
		    SSL_write(tls, p, (int)(len > 65536 ? 65536 : len)) :
		    write(fd, p, len);

		if (tls != NULL && n <= 0)
			return -1;
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* No more bytes from us: close_notify inside TLS, then FIN. */
static void
end_write(int fd)
{
	if (tls != NULL)
		SSL_shutdown(tls);
	shutdown(fd, SHUT_WR);
}

/* Read the request head (bounded); we do not care what it says. */
static void
read_request(int fd)
{
	char   buf[4096];
	size_t have = 0;

	while (have < sizeof(buf) - 1) {
		ssize_t n = tls != NULL ?
		    SSL_read(tls, buf + have, (int)(sizeof(buf) - 1 - have)) :
		    read(fd, buf + have, sizeof(buf) - 1 - have);

		if (n <= 0)
			return;
		have += (size_t)n;
		buf[have] = '\0';
		if (strstr(buf, "\r\n\r\n") != NULL)
			return;
	}
}

static void
serve(int fd, const char *mode, long arg)
{
	char head[256];

	if (strcmp(mode, "silent") == 0) {
		sleep_ms(120000);
		return;
	}
	if (strcmp(mode, "garbage") == 0) {
		unsigned char junk[512];

		for (size_t i = 0; i < sizeof(junk); i++)
			junk[i] = (unsigned char)(i * 37 + 11);
		write_all(fd, junk, sizeof(junk));
		sleep_ms(120000);
		return;
	}
	read_request(fd);
	if (strcmp(mode, "noheaders") == 0) {
		/* a status line, then one header byte a second, forever */
		write_all(fd, "HTTP/1.1 200 OK\r\nX-Slow: ", 25);
		for (int i = 0; i < 120; i++) {
			if (write_all(fd, "a", 1) == -1)
				return;
			sleep_ms(1000);
		}
		return;
	}
	if (strcmp(mode, "endless") == 0) {
		static const char h[] =
		    "HTTP/1.1 200 OK\r\nContent-Type: "
		    "text/plain\r\nConnection: close\r\n\r\n";
		char chunk[16384];

		memset(chunk, 'x', sizeof(chunk));
		write_all(fd, h, sizeof(h) - 1);
		while (write_all(fd, chunk, sizeof(chunk)) == 0)
			;
		return;
	}
	if (strcmp(mode, "500") == 0) {
		static const char e[] =
		    "HTTP/1.1 500 Internal Server Error\r\n"
		    "Content-Length: 6\r\nConnection: close\r\n\r\nbroken";

		write_all(fd, e, sizeof(e) - 1);
		return;
	}
	if (strcmp(mode, "http09") == 0) {
		/* bytes, but no status line: HTTP/0.9, or not HTTP at all */
		write_all(fd, page, sizeof(page) - 1);
		end_write(fd);
		sleep_ms(200);
		return;
	}
	if (strcmp(mode, "biglocation") == 0 ||
	    strcmp(mode, "bigheader") == 0) {
		static const char tail[] = "\r\nContent-Length: 0\r\n"
					   "Connection: close\r\n\r\n";
		int		  loc = strcmp(mode, "biglocation") == 0;
		char		 *v;

		if (arg <= 0 || arg > (64L << 20))
			arg = 1L << 20;
		v = malloc((size_t)arg);
		if (v == NULL)
			return;
		memset(v, 'a', (size_t)arg);
		snprintf(head, sizeof(head), "%s",
		    loc ? "HTTP/1.1 302 Found\r\nLocation: http://localhost/" :
			  "HTTP/1.1 200 OK\r\nX-Padding: ");
		if (write_all(fd, head, strlen(head)) == 0 &&
		    write_all(fd, v, (size_t)arg) == 0)
			write_all(fd, tail, sizeof(tail) - 1);
		free(v);
		end_write(fd);
		sleep_ms(200);
		return;
	}
	if (strcmp(mode, "delay") == 0)
		sleep_ms(arg);
	snprintf(head, sizeof(head),
	    "HTTP/1.1 200 OK\r\nContent-Type: "
	    "text/html\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
	    sizeof(page) - 1);
	write_all(fd, head, strlen(head));
	write_all(fd, page, sizeof(page) - 1);
	end_write(fd);
	sleep_ms(200);
}

int
main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	socklen_t		len;
	long			arg = 0;
	long long		v;
	uint16_t		port;
	int			fd, one = 1;
	SSL_CTX		       *ctx = NULL;

	if (argc > 3 && strcmp(argv[1], "-t") == 0) {
		ctx = SSL_CTX_new(TLS_server_method());
		if (ctx == NULL ||
		    SSL_CTX_use_certificate_chain_file(ctx, argv[2]) != 1 ||
		    SSL_CTX_use_PrivateKey_file(ctx, argv[3],
			SSL_FILETYPE_PEM) != 1) {
			fprintf(stderr, "badserver: cannot load %s and %s\n",
			    argv[2], argv[3]);
			return 1;
		}
		argv += 3;
		argc -= 3;
	}
	if (argc < 4) {
		fprintf(stderr,
		    "usage: badserver [-t CERT KEY] ADDRESS PORT "
		    "MODE [ARG]\n");
		return 2;
	}
	if (parse_int(argv[2], 1, 65535, &v) == -1) {
		fprintf(stderr,
		    "badserver: PORT '%s': want an integer 1..65535\n",
		    argv[2]);
		return 2;
	}
	port = (uint16_t)v;
	if (argc > 4)
		arg = strtol(argv[4], NULL, 10);
	memset(&ss, 0, sizeof(ss));
	if (strchr(argv[1], ':') != NULL) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		if (inet_pton(AF_INET6, argv[1], &s6->sin6_addr) != 1)
			return 2;
		len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		if (inet_pton(AF_INET, argv[1], &s4->sin_addr) != 1)
			return 2;
		len = sizeof(*s4);
	}
	signal(SIGCHLD, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd == -1 || bind(fd, (struct sockaddr *)&ss, len) == -1 ||
	    listen(fd, 64) == -1) {
		perror("badserver");
		return 1;
	}
	printf("listening\n");
	fflush(stdout);
	for (;;) {
		int c = accept(fd, NULL, NULL);

		if (c == -1) {
			if (errno == EINTR)
				continue;
			perror("accept");
			return 1;
		}
		if (fork() == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			alarm(120);
			close(fd);
			if (ctx != NULL) {
				tls = SSL_new(ctx);
				if (tls == NULL || SSL_set_fd(tls, c) != 1 ||
				    SSL_accept(tls) != 1)
					_exit(1);
			}
			serve(c, argv[3], arg);
			_exit(0);
		}
		close(c);
	}
}
