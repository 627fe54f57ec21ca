/*
 * cfg: typed, range-checked config loading on top of libconfig. A module
 * describes its settings in a table of struct cfg_field (name, type, where
 * the value goes, range, default); cfg_load_fields() fills a struct from one
 * group of the file and records "file:line: message" for every problem:
 * wrong types, out-of-range values, missing required settings, unknown
 * settings. Relative paths are resolved against the config file's folder.
 *
 * Before libconfig sees a file, cfg_open() bounds it: the file and every
 * file it @includes (found and resolved as libconfig does) must be regular
 * files, together at most CFG_MAX_FILE bytes, with lines of at most
 * CFG_MAX_LINE bytes (libconfig's time grows with the square of a line's
 * length) and @include nested at most CFG_MAX_DEPTH deep.
 */
#ifndef V6W_CFG_H
#define V6W_CFG_H

#include <stddef.h>

#include <sys/types.h>

#include <libconfig.h>

/*
 * Exit status of both daemons and their subcommands for a usage or config
 * error: 3, as Nagios's UNKNOWN (DESIGN.md, v6probe check).
 */
#define EXIT_USAGE 3

#define CFG_MAX_ERRORS 100
/* A config file with everything it @includes; 100,000 targets of a typical
 * 127 bytes take 12 MiB. libconfig parses 16 MiB in about 0.3 s. */
#define CFG_MAX_FILE (16 * 1024 * 1024)
/* A line; at this length libconfig takes about 2 ms for it. */
#define CFG_MAX_LINE (64 * 1024)
/* @include nesting (libconfig's own limit) and @include lines in all. */
#define CFG_MAX_DEPTH	 10
#define CFG_MAX_INCLUDES 1000

enum cfg_type {
	CFG_INT,     /* int; min..max */
	CFG_BOOL,    /* int 0/1 */
	CFG_STR,     /* char *; length 1..max (max 0: no limit but 4096) */
	CFG_PATH,    /* char *, resolved against the file's folder */
	CFG_STRLIST, /* struct cfg_strlist; each entry as CFG_STR */
	CFG_GROUP,   /* a group or list the caller loads; only allowed */
};

struct cfg_strlist {
	char **v;
	size_t n;
};

/* Extra check of a string value; returns NULL when fine, else a message. */
typedef const char *(*cfg_check_fn)(const char *);

struct cfg_field {
	const char   *name;
	enum cfg_type type;
	size_t	      off;	/* offset in the destination struct */
	long long     min, max; /* CFG_INT range; CFG_STR max length */
	long long     def_int;	/* default of CFG_INT / CFG_BOOL */
	const char   *def_str;	/* default of CFG_STR / CFG_PATH */
	int	      required;
	cfg_check_fn  check;
};

struct cfg {
	config_t lc;
	char	*file; /* as given */
	char	*dir;  /* its folder, for relative paths */
	char   **errs; /* "file:line: message" */
	size_t	 nerrs;
	size_t	 dropped; /* errors past CFG_MAX_ERRORS */
	char   **warns;	  /* the same, for what works but should not be */
	size_t	 nwarns;
};

/*
 * The service user of section group ("probe", "collector"), as both
 * daemons check it: uid and gid, or -1 after an error at group.user (or
 * at the group) naming the fix -- a warning instead when not root, since
 * only a daemon started as root changes user.
 */
int cfg_check_user(struct cfg *, const char *group, const char *user, int root,
    uid_t *uid, gid_t *gid);

/* Parse path; a syntax error is recorded and -1 returned. */
int  cfg_open(struct cfg *, const char *path);
void cfg_close(struct cfg *);

/* Record an error at the line of s (NULL: no line). */
void cfg_error(struct cfg *, const config_setting_t *s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Record an error at file:line (file NULL: the config file itself). */
void cfg_error_at(struct cfg *, const char *file, int line, const char *fmt,
    ...) __attribute__((format(printf, 4, 5)));

/*
 * Record an error at file:line:col, col the 1-based field of a line (a
 * CSV column); col 0: file:line, line 0: file alone (file NULL: the
 * config file itself).
 */
void cfg_error_col(struct cfg *, const char *file, int line, int col,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/*
 * Record a warning at the line of s (NULL: no line) and log it at once
 * (log_warnx): it reaches --check-config's output, the start-up log and
 * every reload's, whether or not the file has errors.
 */
void cfg_warn(struct cfg *, const config_setting_t *s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The same at file:line:col (as cfg_error_col()). */
void cfg_warn_col(struct cfg *, const char *file, int line, int col,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/*
 * Read the secret file path, the value of setting s named what ("probes[0].
 * token_file"), into buf (max bytes, see secret_read()); an error is
 * recorded when it cannot (missing, not a regular file, too large, not one
 * line). A file others can read or write, or its group when that is not
 * the primary group of user (the daemon's, who reads it again on reloads),
 * gets a warning. 0 or -1; the secret is never part of a message.
 */
int cfg_secret(struct cfg *, const config_setting_t *s, const char *what,
    const char *path, const char *user, char *buf, size_t max);

/* Root-level settings must be among names[]. */
void cfg_check_root(struct cfg *, const char *const *names, size_t n);

/*
 * Fill base from group (NULL: absent, defaults only) following fields[].
 * what names the group in messages ("probe", "targets[3]").
 */
void cfg_load_fields(struct cfg *, const config_setting_t *group,
    const char *what, const struct cfg_field *, size_t n, void *base);
/*
 * The default of the CFG_INT / CFG_BOOL field name of fields[]: defaults
 * are written in the tables only. A name not there is a broken invariant
 * (fatalx).
 */
long long cfg_default_int(const struct cfg_field *, size_t n, const char *name);
/* Set every field of base to its default. */
void cfg_defaults(struct cfg *, const struct cfg_field *, size_t n, void *base);
/* Free the strings and lists fields[] put into base. */
void cfg_free_fields(const struct cfg_field *, size_t n, void *base);

/* Print every recorded error to stderr; returns the count. */
size_t cfg_report(const struct cfg *);

/* Common value checks for cfg_field.check. */
const char *cfg_check_name(const char *); /* [A-Za-z0-9][A-Za-z0-9._-]{0,63} */
const char *cfg_check_http_url(const char *); /* http:// or https:// */
const char *cfg_check_listen(const char *);   /* [addr]:port, addr:port */

#endif
