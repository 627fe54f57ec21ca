/*
 * cfg: table-driven config loading with libconfig; every problem recorded
 * with the file and line at fault.
 */
#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cfg.h"
#include "log.h"
#include "priv.h"
#include "util.h"

#define FIELD(base, f) ((char *)(base) + (f)->off)

struct cfg_scan {
	struct cfg *c;
	size_t	    total; /* bytes of the files read so far */
	int	    nincludes;
};

static int cfg_scan(struct cfg_scan *, const char *file, const char *buf,
    size_t len, int depth);

/* Lines of at most CFG_MAX_LINE bytes, and text: no NUL byte. */
static int
cfg_scan_lines(struct cfg *c, const char *file, const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len;
	char	    max[32];
	int	    line = 1;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t	    n = (size_t)((nl != NULL ? nl : end) - p);

		if (n > CFG_MAX_LINE) {
			size_text(max, sizeof(max), CFG_MAX_LINE);
			cfg_error_at(c, file, line,
			    "line longer than %s; split it over several lines",
			    max);
			return -1;
		}
		if (memchr(p, '\0', n) != NULL) {
			cfg_error_at(c, file, line,
			    "NUL byte: a config file is text");
			return -1;
		}
		if (nl == NULL)
			break;
		p = nl + 1;
		line++;
	}
	return 0;
}

/*
 * At the start of a line: libconfig's pattern of an include,
 * ^[ \t]*@include[ \t]+" -- the length up to the quote, or 0.
 */
static size_t
include_open(const char *p, size_t n)
{
	size_t i = 0;

	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	if (n - i < 9 || memcmp(p + i, "@include", 8) != 0)
		return 0;
	i += 8;
	if (p[i] != ' ' && p[i] != '\t')
		return 0;
	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	if (i >= n || p[i] != '"')
		return 0;
	return i + 1;
}

/* For messages: the name as written, control characters replaced. */
static void
name_shown(char *dst, size_t size, const char *name)
{
	size_t i;

	/* dst may be name */
	for (i = 0; i + 1 < size && name[i] != '\0'; i++)
		dst[i] = (unsigned char)name[i] < 0x20 || name[i] == 0x7f ?
		    '?' :
		    name[i];
	dst[i] = '\0';
}

/* @include "name" at from:line: resolved as libconfig 1.5 does (include
 * dir, a slash, the name -- even an absolute one), bounded, scanned. */
static int
cfg_scan_include(struct cfg_scan *sc, const char *from, int line,
    const char *name, int depth)
{
	struct cfg *c = sc->c;
	char	    path[PATH_MAX], shown[256], why[128], max[32];
	char	   *text;
	size_t	    len;
	int	    rc;

	name_shown(shown, sizeof(shown), name);
	size_text(max, sizeof(max), CFG_MAX_FILE);
	if (depth >= CFG_MAX_DEPTH) {
		cfg_error_at(c, from, line,
		    "@include \"%s\": nested more than %d deep (does a file include itself?)",
		    shown, CFG_MAX_DEPTH);
		return -1;
	}
	if (++sc->nincludes > CFG_MAX_INCLUDES) {
		cfg_error_at(c, from, line,
		    "@include \"%s\": more than %d @include lines in all",
		    shown, CFG_MAX_INCLUDES);
		return -1;
	}
	if (snprintf(path, sizeof(path), "%s/%s", c->dir, name) >=
	    (int)sizeof(path)) {
		cfg_error_at(c, from, line, "@include \"%s\": path too long",
		    shown);
		return -1;
	}
	if (file_read_regular(path, CFG_MAX_FILE, &text, &len, NULL, why,
		sizeof(why)) == -1) {
		name_shown(path, sizeof(path), path);
		cfg_error_at(c, from, line, "@include \"%s\": %s: %s", shown,
		    path, why);
		return -1;
	}
	if (len > CFG_MAX_FILE - sc->total) {
		name_shown(path, sizeof(path), path);
		cfg_error_at(c, from, line,
		    "@include \"%s\": %s: with it, the configuration is larger than %s (the file and all it includes)",
		    shown, path, max);
		free(text);
		return -1;
	}
	sc->total += len;
	rc = cfg_scan(sc, path, text, len, depth + 1);
	free(text);
	return rc;
}

/*
 * Check the lines of file (buf, len bytes) and follow its @include lines,
 * found as libconfig's scanner finds them: at the start of a line, outside
 * comments and strings.
 */
static int
cfg_scan(struct cfg_scan *sc, const char *file, const char *buf, size_t len,
    int depth)
{
	enum { CODE, COMMENT, STRING } st = CODE;
	size_t i = 0, n;
	int    line = 1, bol = 1;

	if (cfg_scan_lines(sc->c, file, buf, len) == -1)
		return -1;
	while (i < len) {
		char ch = buf[i];

		if (st == CODE && bol && (n = include_open(buf + i, len - i))) {
			char   name[PATH_MAX];
			size_t nl = 0;
			int    at = line;

			/* libconfig: \\ and \" are escapes; a lone backslash
			 * is dropped; the name may span lines. */
			for (i += n; i < len && buf[i] != '"'; i++) {
				if (buf[i] == '\\') {
					if (i + 1 >= len ||
					    (buf[i + 1] != '\\' &&
						buf[i + 1] != '"'))
						continue;
					i++;
				}
				if (buf[i] == '\n')
					line++;
				if (nl + 1 >= sizeof(name)) {
					cfg_error_at(sc->c, file, at,
					    "@include: path too long");
					return -1;
				}
				name[nl++] = buf[i];
			}
			if (i >= len) {
				/* libconfig 1.5 would go on reading the name
				 * in the file that included this one, and
				 * exit(2) on a folder */
				cfg_error_at(sc->c, file, at,
				    "@include: the name has no closing quote");
				return -1;
			}
			name[nl] = '\0';
			i++;
			bol = 0;
			if (cfg_scan_include(sc, file, at, name, depth) == -1)
				return -1;
			continue;
		}
		if (ch == '\n') {
			line++;
			bol = 1;
			i++;
			continue;
		}
		bol = 0;
		switch (st) {
		case CODE:
			if (ch == '#' ||
			    (ch == '/' && i + 1 < len && buf[i + 1] == '/')) {
				while (i < len && buf[i] != '\n')
					i++;
				continue;
			}
			if (ch == '/' && i + 1 < len && buf[i + 1] == '*') {
				st = COMMENT;
				i += 2;
				continue;
			}
			if (ch == '"')
				st = STRING;
			break;
		case COMMENT:
			if (ch == '*' && i + 1 < len && buf[i + 1] == '/') {
				st = CODE;
				i += 2;
				continue;
			}
			break;
		case STRING:
			if (ch == '\\' && i + 1 < len) {
				if (buf[i + 1] == '\n')
					line++;
				i += 2;
				continue;
			}
			if (ch == '"')
				st = CODE;
			break;
		}
		i++;
	}
	return 0;
}

int
cfg_open(struct cfg *c, const char *path)
{
	char		tmp[PATH_MAX], why[128];
	struct cfg_scan sc;
	char	       *text;
	size_t		len;
	int		rc;

	memset(c, 0, sizeof(*c));
	config_init(&c->lc);
	c->file = xstrdup(path);
	if (str_copy(tmp, sizeof(tmp), path) == -1) {
		c->dir = xstrdup(".");
		cfg_error(c, NULL, "path too long");
		return -1;
	}
	c->dir = xstrdup(dirname(tmp));
	config_set_include_dir(&c->lc, c->dir);
	/*
	 * libconfig reads with stdio, without bounds, and blocks on a FIFO:
	 * read the file here, bounded, check it and its includes, and hand
	 * libconfig the very bytes checked.
	 */
	if (file_read_regular(path, CFG_MAX_FILE, &text, &len, NULL, why,
		sizeof(why)) == -1) {
		cfg_error(c, NULL, "%s", why);
		return -1;
	}
	memset(&sc, 0, sizeof(sc));
	sc.c = c;
	sc.total = len;
	if (cfg_scan(&sc, path, text, len, 0) == -1) {
		free(text);
		return -1;
	}
	rc = config_read_string(&c->lc, text);
	free(text);
	if (rc != CONFIG_TRUE) {
		const char *ef = config_error_file(&c->lc);

		cfg_error_at(c, ef != NULL ? ef : path,
		    config_error_line(&c->lc), "%s", config_error_text(&c->lc));
		return -1;
	}
	return 0;
}

void
cfg_close(struct cfg *c)
{
	config_destroy(&c->lc);
	for (size_t i = 0; i < c->nerrs; i++)
		free(c->errs[i]);
	free(c->errs);
	for (size_t i = 0; i < c->nwarns; i++)
		free(c->warns[i]);
	free(c->warns);
	free(c->file);
	free(c->dir);
	memset(c, 0, sizeof(*c));
}

/* "file:line:col: msg", "file:line: msg" (col 0), "file: msg" (line 0). */
static char *
cfg_text(const char *file, int line, int col, const char *msg)
{
	char *text;
	int   n;

	if (line > 0 && col > 0)
		n = asprintf(&text, "%s:%d:%d: %s", file, line, col, msg);
	else if (line > 0)
		n = asprintf(&text, "%s:%d: %s", file, line, msg);
	else
		n = asprintf(&text, "%s: %s", file, msg);
	if (n == -1)
		fatal("asprintf");
	return text;
}

static void
cfg_add_col(struct cfg *c, const char *file, int line, int col, const char *msg)
{
	if (c->nerrs >= CFG_MAX_ERRORS) {
		c->dropped++;
		return;
	}
	c->errs = xreallocarray(c->errs, c->nerrs + 1, sizeof(*c->errs));
	c->errs[c->nerrs++] = cfg_text(file, line, col, msg);
}

static void
cfg_add(struct cfg *c, const char *file, int line, const char *msg)
{
	cfg_add_col(c, file, line, 0, msg);
}

/* Log a warning at once and keep it (at most CFG_MAX_ERRORS). */
static void
cfg_add_warn(struct cfg *c, const char *file, int line, int col,
    const char *msg)
{
	char *text = cfg_text(file, line, col, msg);

	log_warnx("%s", text);
	if (c->nwarns >= CFG_MAX_ERRORS) {
		free(text);
		return;
	}
	c->warns = xreallocarray(c->warns, c->nwarns + 1, sizeof(*c->warns));
	c->warns[c->nwarns++] = text;
}

void
cfg_error(struct cfg *c, const config_setting_t *s, const char *fmt, ...)
{
	const char *file = c->file;
	char	    msg[1024];
	va_list	    ap;
	int	    line = 0;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (s != NULL && config_setting_source_file(s) != NULL)
		file = config_setting_source_file(s);
	if (s != NULL)
		line = config_setting_source_line(s);
	cfg_add(c, file, line, msg);
}

void
cfg_error_at(struct cfg *c, const char *file, int line, const char *fmt, ...)
{
	char	msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cfg_add(c, file != NULL ? file : c->file, line, msg);
}

void
cfg_error_col(struct cfg *c, const char *file, int line, int col,
    const char *fmt, ...)
{
	char	msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cfg_add_col(c, file != NULL ? file : c->file, line, col, msg);
}

void
cfg_warn(struct cfg *c, const config_setting_t *s, const char *fmt, ...)
{
	const char *file = c->file;
	char	    msg[1024];
	va_list	    ap;
	int	    line = 0;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (s != NULL && config_setting_source_file(s) != NULL)
		file = config_setting_source_file(s);
	if (s != NULL)
		line = config_setting_source_line(s);
	cfg_add_warn(c, file, line, 0, msg);
}

void
cfg_warn_col(struct cfg *c, const char *file, int line, int col,
    const char *fmt, ...)
{
	char	msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cfg_add_warn(c, file != NULL ? file : c->file, line, col, msg);
}

/* Who, besides the owner, can read or change a file of mode st. */
static int
secret_exposed(const struct stat *st, const char *user, char *who, size_t size)
{
	struct group gr, *res = NULL;
	char	     buf[4096], err[128];
	uid_t	     uid;
	gid_t	     gid;
	int	     own_group = 0;

	if (st->st_mode & (S_IROTH | S_IWOTH)) {
		snprintf(who, size, "every user");
		return 1;
	}
	if (user != NULL &&
	    priv_lookup(user, &uid, &gid, err, sizeof(err)) == 0)
		own_group = st->st_gid == gid;
	if (!(st->st_mode & S_IWGRP) && (!(st->st_mode & S_IRGRP) || own_group))
		return 0;
	if (getgrgid_r(st->st_gid, &gr, buf, sizeof(buf), &res) == 0 &&
	    res != NULL)
		snprintf(who, size, "group %s", gr.gr_name);
	else
		snprintf(who, size, "group %u", (unsigned)st->st_gid);
	return 1;
}

int
cfg_secret(struct cfg *c, const config_setting_t *s, const char *what,
    const char *path, const char *user, char *buf, size_t max)
{
	struct stat st;
	char	    err[PATH_MAX + 128], who[300];
	const char *can;

	if (secret_read_st(path, buf, max, &st, err, sizeof(err)) == -1) {
		cfg_error(c, s, "%s: %s", what, err);
		return -1;
	}
	if (!secret_exposed(&st, user, who, sizeof(who)))
		return 0;
	if ((st.st_mode & (S_IRGRP | S_IROTH)) &&
	    (st.st_mode & (S_IWGRP | S_IWOTH)))
		can = "read and change";
	else if (st.st_mode & (S_IRGRP | S_IROTH))
		can = "read";
	else
		can = "change";
	if (user == NULL)
		user = "the daemon's user";
	cfg_warn(c, s,
	    "%s: %s has mode %04o, so %s can %s the secret: chmod 0600 it, owned by %s (or chmod 0640, with %s's group)",
	    what, path, (unsigned)(st.st_mode & 07777), who, can, user, user);
	return 0;
}

size_t
cfg_report(const struct cfg *c)
{
	for (size_t i = 0; i < c->nerrs; i++)
		fprintf(stderr, "%s\n", c->errs[i]);
	if (c->dropped > 0)
		fprintf(stderr, "%s: %zu more errors not shown\n", c->file,
		    c->dropped);
	return c->nerrs + c->dropped;
}

static const char *
type_name(int t)
{
	switch (t) {
	case CONFIG_TYPE_GROUP:
		return "a group { }";
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return "an integer";
	case CONFIG_TYPE_FLOAT:
		return "a number";
	case CONFIG_TYPE_STRING:
		return "a string";
	case CONFIG_TYPE_BOOL:
		return "true or false";
	case CONFIG_TYPE_ARRAY:
		return "an array [ ]";
	case CONFIG_TYPE_LIST:
		return "a list ( )";
	}
	return "nothing";
}

void
cfg_check_root(struct cfg *c, const char *const *names, size_t n)
{
	config_setting_t *root = config_root_setting(&c->lc);

	for (int i = 0; i < config_setting_length(root); i++) {
		config_setting_t *s = config_setting_get_elem(root, i);
		const char	 *name = config_setting_name(s);
		size_t		  j;

		for (j = 0; j < n; j++)
			if (strcmp(names[j], name) == 0)
				break;
		if (j == n)
			cfg_error(c, s, "unknown setting '%s'", name);
	}
}

static int
cfg_str_ok(struct cfg *c, const config_setting_t *s, const char *what,
    const struct cfg_field *f, const char *v)
{
	size_t	    max = f->max > 0 ? (size_t)f->max : 4096;
	const char *why;

	if (v[0] == '\0') {
		cfg_error(c, s, "%s.%s: must not be empty", what, f->name);
		return 0;
	}
	if (strlen(v) > max) {
		cfg_error(c, s, "%s.%s: longer than %zu characters", what,
		    f->name, max);
		return 0;
	}
	if (str_has_ctrl(v)) {
		cfg_error(c, s, "%s.%s: contains control characters", what,
		    f->name);
		return 0;
	}
	if (f->check != NULL && (why = f->check(v)) != NULL) {
		cfg_error(c, s, "%s.%s: %s", what, f->name, why);
		return 0;
	}
	return 1;
}

static char *
cfg_str_value(struct cfg *c, const struct cfg_field *f, const char *v)
{
	char buf[PATH_MAX];

	if (f->type != CFG_PATH)
		return xstrdup(v);
	if (path_resolve(buf, sizeof(buf), c->dir, v) == -1)
		return xstrdup(v);
	return xstrdup(buf);
}

long long
cfg_default_int(const struct cfg_field *fields, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(fields[i].name, name) == 0 &&
		    (fields[i].type == CFG_INT || fields[i].type == CFG_BOOL))
			return fields[i].def_int;
	fatalx("cfg: no integer setting '%s' in the table", name);
}

void
cfg_defaults(struct cfg *c, const struct cfg_field *fields, size_t n,
    void *base)
{
	for (size_t i = 0; i < n; i++) {
		const struct cfg_field *f = &fields[i];

		switch (f->type) {
		case CFG_INT:
		case CFG_BOOL:
			*(int *)FIELD(base, f) = (int)f->def_int;
			break;
		case CFG_STR:
		case CFG_PATH:
			*(char **)FIELD(base, f) = f->def_str == NULL ?
			    NULL :
			    cfg_str_value(c, f, f->def_str);
			break;
		case CFG_STRLIST:
			memset(FIELD(base, f), 0, sizeof(struct cfg_strlist));
			break;
		case CFG_GROUP:
			break;
		}
	}
}

static void
cfg_load_one(struct cfg *c, const config_setting_t *s, const char *what,
    const struct cfg_field *f, void *base)
{
	int t = config_setting_type(s);

	switch (f->type) {
	case CFG_INT: {
		long long v;

		if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64) {
			cfg_error(c, s, "%s.%s: must be an integer, not %s",
			    what, f->name, type_name(t));
			return;
		}
		v = config_setting_get_int64(s);
		if (v < f->min || v > f->max) {
			cfg_error(c, s,
			    "%s.%s: %lld is out of range %lld..%lld", what,
			    f->name, v, f->min, f->max);
			return;
		}
		*(int *)FIELD(base, f) = (int)v;
		break;
	}
	case CFG_BOOL:
		if (t != CONFIG_TYPE_BOOL) {
			cfg_error(c, s, "%s.%s: must be true or false, not %s",
			    what, f->name, type_name(t));
			return;
		}
		*(int *)FIELD(base, f) = config_setting_get_bool(s);
		break;
	case CFG_STR:
	case CFG_PATH: {
		const char *v;
		char	  **dst = (char **)FIELD(base, f);

		if (t != CONFIG_TYPE_STRING) {
			cfg_error(c, s, "%s.%s: must be a string, not %s", what,
			    f->name, type_name(t));
			return;
		}
		v = config_setting_get_string(s);
		if (!cfg_str_ok(c, s, what, f, v))
			return;
		free(*dst);
		*dst = cfg_str_value(c, f, v);
		break;
	}
	case CFG_STRLIST: {
		struct cfg_strlist *l = (struct cfg_strlist *)FIELD(base, f);
		int		    n = config_setting_length(s);

		if (t != CONFIG_TYPE_LIST && t != CONFIG_TYPE_ARRAY) {
			cfg_error(c, s,
			    "%s.%s: must be a list of strings ( ), not %s",
			    what, f->name, type_name(t));
			return;
		}
		l->v = xcalloc((size_t)n, sizeof(char *));
		for (int i = 0; i < n; i++) {
			config_setting_t *e = config_setting_get_elem(s, i);

			if (config_setting_type(e) != CONFIG_TYPE_STRING) {
				cfg_error(c, e, "%s.%s[%d]: must be a string",
				    what, f->name, i);
				continue;
			}
			if (!cfg_str_ok(c, e, what, f,
				config_setting_get_string(e)))
				continue;
			l->v[l->n++] = xstrdup(config_setting_get_string(e));
		}
		break;
	}
	case CFG_GROUP:
		break;
	}
}

void
cfg_load_fields(struct cfg *c, const config_setting_t *group, const char *what,
    const struct cfg_field *fields, size_t n, void *base)
{
	cfg_defaults(c, fields, n, base);
	if (group == NULL) {
		for (size_t i = 0; i < n; i++)
			if (fields[i].required)
				cfg_error(c, NULL, "%s.%s: missing (required)",
				    what, fields[i].name);
		return;
	}
	if (!config_setting_is_group(group)) {
		cfg_error(c, group, "%s: must be a group { }, not %s", what,
		    type_name(config_setting_type(group)));
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const struct cfg_field *f = &fields[i];
		config_setting_t *s = config_setting_get_member(group, f->name);

		if (s == NULL) {
			if (f->required)
				cfg_error(c, group, "%s.%s: missing (required)",
				    what, f->name);
			continue;
		}
		cfg_load_one(c, s, what, f, base);
	}
	for (int i = 0; i < config_setting_length(group); i++) {
		config_setting_t *s = config_setting_get_elem(group, i);
		const char	 *name = config_setting_name(s);
		size_t		  j;

		for (j = 0; j < n; j++)
			if (strcmp(fields[j].name, name) == 0)
				break;
		if (j == n)
			cfg_error(c, s, "%s: unknown setting '%s'", what, name);
	}
}

void
cfg_free_fields(const struct cfg_field *fields, size_t n, void *base)
{
	for (size_t i = 0; i < n; i++) {
		const struct cfg_field *f = &fields[i];

		switch (f->type) {
		case CFG_STR:
		case CFG_PATH: {
			char **p = (char **)FIELD(base, f);

			free(*p);
			*p = NULL;
			break;
		}
		case CFG_STRLIST: {
			struct cfg_strlist *l =
			    (struct cfg_strlist *)FIELD(base, f);

			for (size_t j = 0; j < l->n; j++)
				free(l->v[j]);
			free(l->v);
			l->v = NULL;
			l->n = 0;
			break;
		}
		default:
			break;
		}
	}
}

const char *
cfg_check_name(const char *s)
{
	size_t n = strlen(s);

	if (n > 64)
		return "longer than 64 characters";
	if (!isalnum((unsigned char)s[0]))
		return "must start with a letter or digit";
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && *s != '.' && *s != '_' &&
		    *s != '-')
			return "may contain only letters, digits, '.', '_' and '-'";
	return NULL;
}

const char *
cfg_check_http_url(const char *s)
{
	const char *host;

	if (strncmp(s, "https://", 8) == 0)
		host = s + 8;
	else if (strncmp(s, "http://", 7) == 0)
		host = s + 7;
	else
		return "must start with http:// or https://";
	if (*host == '\0' || *host == '/' || *host == ':')
		return "has no host name";
	{
		size_t auth = strcspn(host, "/?#");

		if (memchr(host, '@', auth) != NULL)
			return "must not carry a user name or password (it would show in every result)";
	}
	if (strchr(s, ' ') != NULL)
		return "must not contain spaces";
	return NULL;
}

const char *
cfg_check_listen(const char *s)
{
	const char *port;
	long long   v;

	if (s[0] == '[') {
		const char *end = strchr(s, ']');

		if (end == NULL || end[1] != ':')
			return "must be [ADDRESS]:PORT or ADDRESS:PORT";
		port = end + 2;
	} else {
		port = strrchr(s, ':');
		if (port == NULL || strchr(s, ':') != port)
			return "must be [ADDRESS]:PORT or ADDRESS:PORT";
		port++;
	}
	if (parse_int(port, 1, 65535, &v) == -1)
		return "port must be 1..65535";
	return NULL;
}

int
cfg_check_user(struct cfg *c, const char *group, const char *user, int root,
    uid_t *uid, gid_t *gid)
{
	config_setting_t *rs = config_root_setting(&c->lc), *s, *grp;
	char		  key[64], err[PATH_MAX + 256];

	grp = config_setting_get_member(rs, group);
	snprintf(key, sizeof(key), "%s.user", group);
	s = config_setting_lookup(rs, key);
	if (priv_check_user(user, s != NULL ? "here" : "in this group", uid,
		gid, err, sizeof(err)) == 0)
		return 0;
	if (root)
		cfg_error(c, s != NULL ? s : grp, "%s", err);
	else
		cfg_warn(c, s != NULL ? s : grp,
		    "%s (not an error here: only a daemon started as root changes user)",
		    err);
	return -1;
}
