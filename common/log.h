/*
 * log: levelled messages to stderr ("level: message") or syslog.
 * The only global state besides signal state; set up once by main().
 */
#ifndef V6W_LOG_H
#define V6W_LOG_H

#include <stdarg.h>

enum log_level { LOG_LVL_FATAL, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

/* verbose: 0 = info and up, 1+ = debug too; use_syslog: also to syslog. */
void log_init(const char *progname, int verbose, int use_syslog);
void log_setverbose(int verbose);
int  log_getverbose(void);

void log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
/* log_warn appends ": strerror(errno)"; log_warnx does not. */
void log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
