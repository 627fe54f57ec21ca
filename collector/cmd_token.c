/*
 * cmd_token: `v6collector token new PROBE [-c FILE] [-o PATH] [--force]
 * [--show]` -- a probe's bearer token file, made where collector.conf
 * keeps the probes' tokens, and the lines to paste into both configs.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "cfg.h"
#include "priv.h"
#include "cmd_token.h"
#include "util.h"

static void
token_usage(FILE *f)
{
	fprintf(f,
	    "usage: v6collector token new PROBE [-c collector.conf] [-o PATH] [--force]\n"
	    "                             [--show]\n"
	    "\n"
	    "Makes a bearer token for PROBE: 32 random bytes, hex, in a new file of mode\n"
	    "0600 (owned by collector.user when run as root), and prints the probes entry\n"
	    "for collector.conf and the token_file line for the probe's probe.conf.\n"
	    "\n"
	    "  -c FILE   collector.conf (default " TOKEN_CONF_DEFAULT
	    "): the file goes where\n"
	    "            its probes' token files are (PROBE's own when it is listed),\n"
	    "            else into secrets/ beside it\n"
	    "  -o PATH   write to PATH instead (a folder: PATH/PROBE.token)\n"
	    "  --force   replace a token file that exists (its probe needs the new one)\n"
	    "  --show    print the token too (it is never printed otherwise)\n");
}

/* Durable: the folder of path, synced once the file is in it. */
static int
token_sync_dir(const char *path)
{
	char buf[PATH_MAX];
	int  fd, rc;

	if (str_copy(buf, sizeof(buf), path) == -1)
		return -1;
	fd = open(dirname(buf), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

int
token_write(const char *path, int force, int own, uid_t uid, gid_t gid,
    char *tok, char *err, size_t errlen)
{
	unsigned char raw[TOKEN_BYTES];
	char	      line[2 * TOKEN_BYTES + 2], tmp[PATH_MAX];
	const char   *made = path;
	size_t	      len;
	int	      fd = -1;

	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw)) {
		snprintf(err, errlen, "getrandom: %s", strerror(errno));
		return -1;
	}
	hex_encode(raw, sizeof(raw), line);
	OPENSSL_cleanse(raw, sizeof(raw));
	len = strlen(line);
	line[len++] = '\n';
	if (force) {
		/* a new file beside it, renamed over it */
		if (snprintf(tmp, sizeof(tmp), "%s.new-%ld", path,
			(long)getpid()) >= (int)sizeof(tmp)) {
			snprintf(err, errlen, "%s: path too long", path);
			goto fail;
		}
		made = tmp;
	}
	fd = open(made, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1) {
		int e = errno;

		if (e == EEXIST && !force)
			snprintf(err, errlen,
			    "%s exists: keep it, or give --force to replace it (the probe that uses it then needs the new token)",
			    path);
		else
			snprintf(err, errlen, "%s: %s", made, strerror(e));
		errno = e;
		goto fail;
	}
	if (fchmod(fd, 0600) == -1 || (own && fchown(fd, uid, gid) == -1) ||
	    write(fd, line, len) != (ssize_t)len || fsync(fd) == -1) {
		snprintf(err, errlen, "%s: %s", made, strerror(errno));
		goto fail;
	}
	if (close(fd) == -1) {
		fd = -1;
		snprintf(err, errlen, "%s: %s", made, strerror(errno));
		goto fail;
	}
	fd = -1;
	if (force && rename(tmp, path) == -1) {
		snprintf(err, errlen, "rename %s to %s: %s", tmp, path,
		    strerror(errno));
		goto fail;
	}
	if (token_sync_dir(path) == -1) {
		snprintf(err, errlen, "sync the folder of %s: %s", path,
		    strerror(errno));
		return -1; /* the token is there: it stays */
	}
	memcpy(tok, line, 2 * TOKEN_BYTES);
	tok[2 * TOKEN_BYTES] = '\0';
	OPENSSL_cleanse(line, sizeof(line));
	return 0;
fail:
	OPENSSL_cleanse(line, sizeof(line));
	if (fd != -1) {
		close(fd);
		unlink(made);
	}
	return -1;
}

/* What `token new` takes from collector.conf. */
struct token_conf {
	const char *user;	   /* collector.user, or the default */
	char	    own[PATH_MAX]; /* PROBE's token_file when listed */
	int	    own_line;
	char	    dir[PATH_MAX]; /* folder of the probes' token files */
};

/*
 * Read only what is needed: the file may not pass --check-config yet (its
 * token files are what we are making). Strings stay in c.
 */
static void
token_conf_read(struct cfg *c, const char *probe, struct token_conf *tc)
{
	config_setting_t *l = config_lookup(&c->lc, "probes");
	const char	 *s;

	if (config_lookup_string(&c->lc, "collector.user", &s) == CONFIG_TRUE)
		tc->user = s;
	for (int i = 0; l != NULL && i < config_setting_length(l); i++) {
		config_setting_t *e = config_setting_get_elem(l, (unsigned)i);
		const char	 *name = NULL, *file = NULL;
		char		  path[PATH_MAX], d[PATH_MAX];

		if (config_setting_lookup_string(e, "token_file", &file) !=
			CONFIG_TRUE ||
		    path_resolve(path, sizeof(path), c->dir, file) == -1)
			continue;
		if (tc->dir[0] == '\0') {
			snprintf(d, sizeof(d), "%s", path);
			snprintf(tc->dir, sizeof(tc->dir), "%s", dirname(d));
		}
		if (config_setting_lookup_string(e, "name", &name) ==
			CONFIG_TRUE &&
		    strcmp(name, probe) == 0 && tc->own[0] == '\0') {
			snprintf(tc->own, sizeof(tc->own), "%s", path);
			tc->own_line = config_setting_source_line(e);
		}
	}
	if (tc->dir[0] == '\0')
		path_resolve(tc->dir, sizeof(tc->dir), c->dir, "secrets");
}

/* path as written in a config beside conf_dir: relative when under it. */
static const char *
token_rel(const char *path, const char *conf_dir)
{
	size_t n = conf_dir != NULL ? strlen(conf_dir) : 0;

	if (n > 0 && strcmp(conf_dir, ".") == 0)
		return path[0] == '.' && path[1] == '/' ? path + 2 : path;
	if (n > 0 && strncmp(path, conf_dir, n) == 0 && path[n] == '/')
		return path + n + 1;
	return path;
}

static int
token_new(const char *conf, int conf_given, const char *probe, const char *out,
    int force, int show)
{
	struct token_conf tc;
	struct cfg	  c;
	struct stat	  st;
	char	    path[PATH_MAX], err[PATH_MAX + 256], where[PATH_MAX + 8];
	char	    tok[2 * TOKEN_BYTES + 1];
	const char *why, *rel, *conf_dir = NULL;
	uid_t	    uid = 0;
	gid_t	    gid = 0;
	int	    root = geteuid() == 0, have_conf = 0, rc = 1;

	memset(&tc, 0, sizeof(tc));
	tc.user = "v6watch";
	memset(&c, 0, sizeof(c));
	if ((why = cfg_check_name(probe)) != NULL) {
		fprintf(stderr, "v6collector: token new: probe name '%s' %s\n",
		    probe, why);
		return EXIT_USAGE;
	}
	/* Without -c, -o needs no config; the default is read if there. */
	if (conf_given || out == NULL || access(conf, F_OK) == 0) {
		if (cfg_open(&c, conf) == -1) {
			cfg_report(&c);
			cfg_close(&c);
			return EXIT_USAGE;
		}
		have_conf = 1;
		conf_dir = c.dir;
		token_conf_read(&c, probe, &tc);
	}
	if (out != NULL) {
		if (stat(out, &st) == 0 && S_ISDIR(st.st_mode))
			snprintf(path, sizeof(path), "%s/%s.token", out, probe);
		else
			snprintf(path, sizeof(path), "%s", out);
	} else if (tc.own[0] != '\0')
		snprintf(path, sizeof(path), "%s", tc.own);
	else if (snprintf(path, sizeof(path), "%s/%s.token", tc.dir, probe) >=
	    (int)sizeof(path)) {
		fprintf(stderr, "v6collector: token new: %s: path too long\n",
		    tc.dir);
		goto done;
	}
	if (root) {
		/* The daemon reads it again on SIGHUP, as its user. */
		snprintf(where, sizeof(where), "in %s",
		    have_conf ? conf : "collector.conf");
		if (priv_check_user(tc.user, where, &uid, &gid, err,
			sizeof(err)) == -1) {
			fprintf(stderr, "v6collector: token new: %s\n", err);
			rc = EXIT_USAGE;
			goto done;
		}
	}
	{
		char d[PATH_MAX];

		snprintf(d, sizeof(d), "%s", path);
		if (mkdir(dirname(d), 0750) == 0) {
			/* as install -d -m 0750 -g USER does */
			if (root && chown(d, 0, gid) == -1)
				fprintf(stderr, "v6collector: chown %s: %s\n",
				    d, strerror(errno));
			printf("made the folder %s (mode 0750)\n", d);
		}
	}
	if (token_write(path, force, root, uid, gid, tok, err, sizeof(err)) ==
	    -1) {
		fprintf(stderr, "v6collector: token new: %s\n", err);
		goto done;
	}
	printf("wrote a new token for probe '%s' to %s (mode 0600%s%s)\n",
	    probe, path, root ? ", owner " : "", root ? tc.user : "");
	rel = token_rel(path, conf_dir);
	if (tc.own[0] != '\0' && out == NULL)
		printf("\n%s:%d lists probe '%s' with this file already; reload the collector to use it: systemctl reload v6collector\n",
		    conf, tc.own_line, probe);
	else
		printf("\nadd to probes = ( ... ) in %s, then reload the collector (systemctl reload v6collector):\n"
		       "  { name = \"%s\"; token_file = \"%s\"; }\n",
		    have_conf ? conf : "collector.conf", probe, rel);
	printf("\non probe '%s': copy the file to %s%s (mode 0600, owned by probe.user), and in probe.conf's collector = { ... }:\n"
	       "  token_file = \"%s\";\n",
	    probe, rel[0] == '/' ? "" : "/etc/v6watch/", rel, rel);
	if (show)
		printf("\ntoken: %s\n", tok);
	OPENSSL_cleanse(tok, sizeof(tok));
	rc = 0;
done:
	if (have_conf)
		cfg_close(&c);
	return rc;
}

int
token_main(int argc, char **argv)
{
	enum { O_FORCE = 256, O_SHOW };
	static const struct option opts[] = {{"config", required_argument, NULL,
						 'c'},
	    {"output", required_argument, NULL, 'o'},
	    {"force", no_argument, NULL, O_FORCE},
	    {"show", no_argument, NULL, O_SHOW},
	    {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	const char		  *conf = TOKEN_CONF_DEFAULT, *out = NULL;
	int			   ch, force = 0, show = 0, conf_given = 0;

	if (argc < 2 || strcmp(argv[1], "new") != 0) {
		if (argc >= 2 &&
		    (strcmp(argv[1], "--help") == 0 ||
			strcmp(argv[1], "-h") == 0)) {
			token_usage(stdout);
			return 0;
		}
		token_usage(stderr);
		return EXIT_USAGE;
	}
	argc--;
	argv++;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:o:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			conf = optarg;
			conf_given = 1;
			break;
		case 'o':
			out = optarg;
			break;
		case O_FORCE:
			force = 1;
			break;
		case O_SHOW:
			show = 1;
			break;
		case 'h':
			token_usage(stdout);
			return 0;
		default:
			token_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (argc - optind != 1) {
		token_usage(stderr);
		return EXIT_USAGE;
	}
	return token_new(conf, conf_given, argv[optind], out, force, show);
}
