/*
 * log: levelled messages to stderr or syslog, in the style of OpenBSD's log.c.
 * Messages are one line each; control characters are replaced so that a
 * hostile peer cannot forge log lines.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "log.h"

static int	   log_verbose;
static int	   log_syslog;
static const char *log_prog = "v6watch";

void
log_init(const char *progname, int verbose, int use_syslog)
{
	log_prog = progname;
	log_verbose = verbose;
	log_syslog = use_syslog;
	if (use_syslog)
		openlog(progname, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
log_setverbose(int verbose)
{
	log_verbose = verbose;
}

int
log_getverbose(void)
{
	return log_verbose;
}

static void
log_emit(enum log_level lvl, const char *fmt, va_list ap, const char *suffix)
{
	static const char *names[] = {"fatal", "warning", "info", "debug"};
	static const int prio[] = {LOG_CRIT, LOG_WARNING, LOG_INFO, LOG_DEBUG};
	char		 msg[2048];
	int		 n;

	if (lvl == LOG_LVL_DEBUG && log_verbose < 1)
		return;
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (n < 0)
		return;
	if (suffix != NULL && (size_t)n < sizeof(msg))
		snprintf(msg + n, sizeof(msg) - (size_t)n, ": %s", suffix);
	for (char *p = msg; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	if (log_syslog)
		syslog(prio[lvl], "%s", msg);
	else
		fprintf(stderr, "%s: %s\n", names[lvl], msg);
}

#define LOG_BODY(lvl, suffix)                   \
	do {                                    \
		va_list ap;                     \
		va_start(ap, fmt);              \
		log_emit(lvl, fmt, ap, suffix); \
		va_end(ap);                     \
	} while (0)

void
log_debug(const char *fmt, ...)
{
	LOG_BODY(LOG_LVL_DEBUG, NULL);
}

void
log_info(const char *fmt, ...)
{
	LOG_BODY(LOG_LVL_INFO, NULL);
}

void
log_warn(const char *fmt, ...)
{
	const char *e = strerror(errno);

	LOG_BODY(LOG_LVL_WARN, e);
}

void
log_warnx(const char *fmt, ...)
{
	LOG_BODY(LOG_LVL_WARN, NULL);
}

void
fatal(const char *fmt, ...)
{
	const char *e = strerror(errno);

	LOG_BODY(LOG_LVL_FATAL, e);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	LOG_BODY(LOG_LVL_FATAL, NULL);
	exit(1);
}
