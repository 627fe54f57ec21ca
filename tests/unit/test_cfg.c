/*
 * test_cfg: probe.conf and collector.conf loading -- the shipped examples
 * load, and every broken file under tests/data/config/bad fails with the
 * "FILE:LINE: message" lines its "# expect:" comments name. Secret files:
 * only regular files are read (a FIFO never hangs), loose modes warn, two
 * probes with one token are refused. Bounds: oversized files and lines,
 * in the file itself and in what it @includes, are refused before libconfig
 * parses them; 10,000 targets still load.
 */
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <pwd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cfg.h"
#include "collector/conf.h"
#include "collector/targets.h"
#include "probe/conf.h"
#include "util.h"

#define BAD_DIR "tests/data/config/bad"

static void
test_examples_load(void **state)
{
	struct probe_conf     *pc;
	struct collector_conf *cc;
	struct cfg	       c;

	(void)state;
	pc = probe_conf_load("configs/probe.conf", &c);
	cfg_report(&c);
	assert_non_null(pc);
	assert_string_equal(pc->name, "hn-vnpt-1");
	assert_int_equal(pc->interval_s, 60);
	assert_int_equal(pc->ntargets, 5); /* 2 inline + 3 from file */
	assert_string_equal(pc->targets[0].large_path, "/static/app.js");
	assert_int_equal(pc->targets[0].interval_s, 300);
	assert_int_equal(pc->targets[1].interval_s, 0);
	assert_string_equal(pc->targets[4].name, "news");
	assert_int_equal(pc->canaries.n, 1);
	/* relative paths resolve against the file's folder */
	assert_string_equal(pc->token_file, "configs/secrets/probe.token");
	assert_int_equal(pc->capture_enabled, 0);
	probe_conf_free(pc);
	cfg_close(&c);

	cc = collector_conf_load("configs/collector.conf", NULL, &c);
	cfg_report(&c);
	assert_non_null(cc);
	assert_string_equal(cc->listen, "[::]:8080");
	assert_int_equal(cc->nprobes, 1);
	assert_string_equal(cc->probes[0].token,
	    "example-probe-token-change-me");
	assert_int_equal(cc->nwebhooks, 1);
	assert_int_equal(cc->webhooks[0].format, WEBHOOK_JSON);
	assert_int_equal(cc->down_after, 3);
	assert_null(cc->rrdcached);
	/* The example's central list: a dozen services, Vietnamese titles. */
	assert_non_null(cc->targets);
	assert_int_equal(cc->targets->n, 12);
	assert_string_equal(cc->targets->v[4].id, "cap-phieu-ly-lich-tu-phap");
	assert_string_equal(cc->targets->v[4].group,
	    "S\xe1\xbb\x9f T\u01b0 ph\xc3\xa1p");
	collector_conf_free(cc);
	cfg_close(&c);
}

/*
 * configs/probe.conf posts where configs/collector.conf listens: the
 * scheme its TLS settings call for, its port, the API's path; and the
 * collector knows the probe by the same name and token file.
 */
static void
test_examples_agree(void **state)
{
	struct probe_conf	*pc;
	struct collector_conf	*cc;
	const struct probe_auth *pa;
	struct cfg		 c1, c2;
	const char		*url, *host, *port, *path, *lport;
	char			 tok[PROBE_TOKEN_MAX], err[512];
	size_t			 hostlen;

	(void)state;
	pc = probe_conf_load("configs/probe.conf", &c1);
	cc = collector_conf_load("configs/collector.conf", NULL, &c2);
	cfg_report(&c1);
	cfg_report(&c2);
	assert_non_null(pc);
	assert_non_null(cc);

	url = pc->collector_url;
	if (cc->tls_cert != NULL)
		assert_int_equal(strncmp(url, "https://", 8), 0);
	else
		assert_int_equal(strncmp(url, "http://", 7), 0);
	host = strstr(url, "://") + 3;
	hostlen = strcspn(host, "/");
	path = host + hostlen;
	/* the port is written out, as listen's is */
	port =
	    host[0] == '[' ? strchr(host, ']') + 1 : host + strcspn(host, ":/");
	assert_true(port < path && *port == ':');
	port++;
	lport = strrchr(cc->listen, ':');
	assert_non_null(lport);
	lport++;
	assert_int_equal((size_t)(path - port), strlen(lport));
	assert_memory_equal(port, lport, strlen(lport));
	assert_string_equal(path, "/api/v1/results");

	pa = collector_conf_probe(cc, pc->name);
	assert_non_null(pa);
	assert_string_equal(strrchr(pa->token_file, '/'),
	    strrchr(pc->token_file, '/'));
	assert_int_equal(secret_read(pc->token_file, tok, sizeof(tok), err,
			     sizeof(err)),
	    0);
	assert_string_equal(tok, pa->token);
	assert_string_equal(pc->user, cc->user);

	probe_conf_free(pc);
	collector_conf_free(cc);
	cfg_close(&c1);
	cfg_close(&c2);
}

static void
test_defaults(void **state)
{
	struct probe_conf     *pc;
	struct collector_conf *cc;
	struct cfg	       c;

	(void)state;
	pc = probe_conf_load("tests/data/config/good/probe-minimal.conf", &c);
	cfg_report(&c);
	assert_non_null(pc);
	assert_int_equal(pc->interval_s, 60);
	assert_int_equal(pc->concurrency, 500);
	assert_int_equal(pc->timeout_s, 10);
	assert_int_equal(pc->spool_max_mb, 512);
	assert_int_equal(pc->warn_days, 30);
	assert_string_equal(pc->spool_dir, "/var/lib/v6watch/spool");
	assert_string_equal(pc->user, "v6watch");
	assert_int_equal(pc->ntargets, 0);
	assert_int_equal(pc->nat64_prefix_ok, 0);
	assert_int_equal(pc->private_ok, 0);
	probe_conf_free(pc);
	cfg_close(&c);

	/* expected answers and address ranges */
	pc = probe_conf_load("tests/data/config/good/probe-expect.conf", &c);
	cfg_report(&c);
	assert_non_null(pc);
	assert_int_equal(pc->nat64_prefix_ok, 1);
	assert_int_equal(pc->targets[0].nexpect_status, 3);
	assert_int_equal(pc->targets[0].expect_status[2], 403);
	assert_null(pc->targets[0].expect_body);
	assert_int_equal(pc->targets[1].nexpect_status, 0);
	assert_string_equal(pc->targets[1].expect_body, "Online services");
	probe_conf_free(pc);
	cfg_close(&c);

	cc =
	    collector_conf_load("tests/data/config/good/collector-minimal.conf",
		NULL, &c);
	cfg_report(&c);
	assert_non_null(cc);
	assert_int_equal(cc->step_s, 60);
	assert_int_equal(cc->publish_interval_s, 300);
	assert_int_equal(cc->up_after, 2);
	assert_int_equal(cc->quorum, 1);
	assert_int_equal(cc->nwebhooks, 0);
	assert_string_equal(cc->data_dir, "/var/lib/v6watch");
	assert_string_equal(cc->publish_dir, "/var/lib/v6watch/site");
	collector_conf_free(cc);
	cfg_close(&c);
}

static int
has_error(const struct cfg *c, const char *want)
{
	for (size_t i = 0; i < c->nerrs; i++)
		if (strstr(c->errs[i], want) != NULL)
			return 1;
	return 0;
}

static void
check_bad_file(const char *name)
{
	char	   path[256], want[1024], *text, *line, *save;
	struct cfg c;
	void	  *conf;
	int	   expects = 0;

	snprintf(path, sizeof(path), "%s/%s", BAD_DIR, name);
	assert_int_equal(file_read(path, 1 << 20, &text, NULL), 0);
	if (strncmp(name, "probe-", 6) == 0)
		conf = probe_conf_load(path, &c);
	else
		conf = collector_conf_load(path, NULL, &c);
	if (conf != NULL)
		fail_msg("%s: loaded, but must fail", name);
	for (line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		const char *e;

		if (strncmp(line, "# expect: ", 10) == 0) {
			e = line + 10;
			if (e[0] >= '0' && e[0] <= '9')
				snprintf(want, sizeof(want), "%s:%s", path, e);
			else
				snprintf(want, sizeof(want), "%s", e);
		} else if (strncmp(line, "# expect-file: ", 15) == 0) {
			snprintf(want, sizeof(want), "%s/%s", BAD_DIR,
			    line + 15);
		} else
			continue;
		expects++;
		if (!has_error(&c, want)) {
			cfg_report(&c);
			fail_msg("%s: no error '%s'", name, want);
		}
	}
	if (expects == 0)
		fail_msg("%s: no '# expect:' line", name);
	free(text);
	cfg_close(&c);
}

static void
test_bad_files(void **state)
{
	DIR	      *d = opendir(BAD_DIR);
	struct dirent *de;
	int	       n = 0;

	(void)state;
	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);

		if (len < 5 || strcmp(de->d_name + len - 5, ".conf") != 0)
			continue;
		check_bad_file(de->d_name);
		n++;
	}
	closedir(d);
	assert_true(n >= 10);
}

static void
test_value_checks(void **state)
{
	(void)state;
	assert_null(cfg_check_name("hn-vnpt-1"));
	assert_non_null(cfg_check_name("a/b"));
	assert_non_null(cfg_check_name(".."));
	assert_null(cfg_check_http_url("https://a.example/x"));
	assert_non_null(cfg_check_http_url("file:///etc/passwd"));
	assert_non_null(cfg_check_http_url("https://"));
	assert_non_null(cfg_check_http_url("https://u:p@a.example/"));
	assert_null(cfg_check_http_url("https://a.example/x@y"));
	assert_null(cfg_check_listen("[::]:8080"));
	assert_null(cfg_check_listen("127.0.0.1:80"));
	assert_non_null(cfg_check_listen("[::]:0"));
	assert_non_null(cfg_check_listen("::1:80"));
	assert_non_null(cfg_check_listen("[::1]"));
}

/* A scratch folder per test, removed with everything in it. */
static char tmpdir[64];

static int
tmp_setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/v6w-test-cfg.XXXXXX");
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int
tmp_teardown(void **state)
{
	(void)state;
	alarm(0);
	return nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* tmpdir/name in a rotating static buffer: two at a time may be live. */
static const char *
tp(const char *name)
{
	static char buf[4][512];
	static int  n;

	n = (n + 1) % 4;
	snprintf(buf[n], sizeof(buf[n]), "%s/%s", tmpdir, name);
	return buf[n];
}

/* Write tmpdir/name with exactly mode (no umask). */
static void
put(const char *name, const char *text, mode_t mode)
{
	const char *path = tp(name);
	int	    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	size_t	    len = strlen(text);

	assert_true(fd != -1);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static int
has_warning(const struct cfg *c, const char *want)
{
	for (size_t i = 0; i < c->nwarns; i++)
		if (strstr(c->warns[i], want) != NULL)
			return 1;
	return 0;
}

/* No error or warning quotes text. */
static void
assert_not_quoted(const struct cfg *c, const char *text)
{
	for (size_t i = 0; i < c->nerrs; i++)
		if (strstr(c->errs[i], text) != NULL)
			fail_msg("error quotes the secret: %s", c->errs[i]);
	for (size_t i = 0; i < c->nwarns; i++)
		if (strstr(c->warns[i], text) != NULL)
			fail_msg("warning quotes the secret: %s", c->warns[i]);
}

static void
expect_error(const struct cfg *c, const char *want)
{
	if (!has_error(c, want)) {
		cfg_report(c);
		fail_msg("no error '%s'", want);
	}
}

#define PROBE_CONF                                                           \
	"probe = { name = \"p1\"; user = \"%s\"; };\n"                       \
	"collector = { url = \"http://[2001:db8::1]:8080/api/v1/results\"; " \
	"token_file = \"%s\"; };\n"

/* probe.conf in tmpdir with token_file tf, loaded into c. */
static struct probe_conf *
probe_with_token(struct cfg *c, const char *user, const char *tf)
{
	char text[1024];

	snprintf(text, sizeof(text), PROBE_CONF, user, tf);
	put("p.conf", text, 0600);
	return probe_conf_load(tp("p.conf"), c);
}

/* collector.conf in tmpdir with these probes ( ... ) and webhooks. */
static struct collector_conf *
collector_with(struct cfg *c, const char *probes, const char *hooks)
{
	char text[2048];

	snprintf(text, sizeof(text),
	    "collector = { name = \"c1\"; user = \"nobody\"; };\n"
	    "probes = ( %s );\n"
	    "%s%s%s",
	    probes, hooks != NULL ? "webhooks = ( " : "",
	    hooks != NULL ? hooks : "", hooks != NULL ? " );\n" : "");
	put("c.conf", text, 0600);
	return collector_conf_load(tp("c.conf"), NULL, c);
}

/*
 * A token or secret file that is not a regular file is an error naming
 * it; a FIFO without a writer must not hang the loader (the alarm turns a
 * hang into a failure).
 */
static void
test_secret_not_regular(void **state)
{
	struct collector_conf *cc;
	struct probe_conf     *pc;
	struct cfg	       c;
	char		       want[1024];

	(void)state;
	alarm(20);
	assert_int_equal(mkfifo(tp("fifo.token"), 0600), 0);
	assert_int_equal(mkdir(tp("dir.token"), 0700), 0);
	put("ok.token", "ok-token-1\n", 0600);

	pc = probe_with_token(&c, "nobody", "fifo.token");
	assert_null(pc);
	snprintf(want, sizeof(want),
	    "%s:2: collector.token_file: %s: a FIFO, not a regular file",
	    tp("p.conf"), tp("fifo.token"));
	expect_error(&c, want);
	cfg_close(&c);

	pc = probe_with_token(&c, "nobody", "dir.token");
	assert_null(pc);
	snprintf(want, sizeof(want), "%s: a directory, not a regular file",
	    tp("dir.token"));
	expect_error(&c, want);
	cfg_close(&c);

	pc = probe_with_token(&c, "nobody", "/dev/null");
	assert_null(pc);
	expect_error(&c, "/dev/null: a character device, not a regular file");
	cfg_close(&c);

	cc = collector_with(&c,
	    "{ name = \"a\"; token_file = \"fifo.token\"; }", NULL);
	assert_null(cc);
	snprintf(want, sizeof(want),
	    "%s:2: probes[0].token_file: %s: a FIFO, not a regular file",
	    tp("c.conf"), tp("fifo.token"));
	expect_error(&c, want);
	cfg_close(&c);

	cc = collector_with(&c, "{ name = \"a\"; token_file = \"ok.token\"; }",
	    "{ name = \"w\"; url = \"https://hook.example/\"; "
	    "secret_file = \"fifo.token\"; }");
	assert_null(cc);
	snprintf(want, sizeof(want),
	    "webhooks[0].secret_file: %s: a FIFO, not a regular file",
	    tp("fifo.token"));
	expect_error(&c, want);
	cfg_close(&c);

	/* a secret file larger than a secret can be is refused unread */
	assert_int_equal(truncate(tp("ok.token"), 1 << 20), 0);
	cc = collector_with(&c, "{ name = \"a\"; token_file = \"ok.token\"; }",
	    NULL);
	assert_null(cc);
	snprintf(want, sizeof(want), "%s: larger than 64 KiB", tp("ok.token"));
	expect_error(&c, want);
	cfg_close(&c);
	alarm(0);
}

/* Others (or a foreign group) able to read a secret: a warning naming the
 * file, its mode and the fix -- never the secret. */
static void
test_secret_mode(void **state)
{
	struct collector_conf *cc;
	struct probe_conf     *pc;
	struct passwd	      *me = getpwuid(geteuid());
	struct passwd	      *nobody;
	struct stat	       st;
	struct cfg	       c;
	char		       want[1024], myname[64];
	gid_t		       mygid;

	(void)state;
	assert_non_null(me);
	snprintf(myname, sizeof(myname), "%s", me->pw_name);
	mygid = me->pw_gid;
	put("t.token", "tok-SECRET-0644\n", 0644);
	pc = probe_with_token(&c, "nobody", "t.token");
	assert_non_null(pc); /* a warning, not an error */
	assert_int_equal(c.nwarns, 1);
	snprintf(want, sizeof(want),
	    "%s:2: collector.token_file: %s has mode 0644, so every user "
	    "can read the secret: chmod 0600 it, owned by nobody",
	    tp("p.conf"), tp("t.token"));
	if (!has_warning(&c, want))
		fail_msg("no warning '%s' in '%s'", want, c.warns[0]);
	assert_not_quoted(&c, "tok-SECRET");
	probe_conf_free(pc);
	cfg_close(&c);

	/* 0600: quiet */
	assert_int_equal(chmod(tp("t.token"), 0600), 0);
	pc = probe_with_token(&c, "nobody", "t.token");
	assert_non_null(pc);
	assert_int_equal(c.nwarns, 0);
	probe_conf_free(pc);
	cfg_close(&c);

	/* 0640 with the group of the daemon's user: quiet */
	assert_int_equal(chown(tp("t.token"), (uid_t)-1, mygid), 0);
	assert_int_equal(chmod(tp("t.token"), 0640), 0);
	pc = probe_with_token(&c, myname, "t.token");
	assert_non_null(pc);
	assert_int_equal(c.nwarns, 0);
	probe_conf_free(pc);
	cfg_close(&c);

	/* ... but a group the daemon's user is not in may not read it */
	nobody = getpwnam("nobody");
	assert_int_equal(stat(tp("t.token"), &st), 0);
	if (nobody == NULL || nobody->pw_gid != st.st_gid) {
		pc = probe_with_token(&c, "nobody", "t.token");
		assert_non_null(pc);
		assert_int_equal(c.nwarns, 1);
		assert_true(has_warning(&c, "has mode 0640, so group "));
		assert_true(has_warning(&c, "can read the secret"));
		probe_conf_free(pc);
		cfg_close(&c);
	}

	/* collector: every token and secret file is judged the same way */
	put("a.token", "tok-SECRET-a\n", 0604);
	put("w.secret", "tok-SECRET-w\n", 0622);
	cc = collector_with(&c, "{ name = \"a\"; token_file = \"a.token\"; }",
	    "{ name = \"w\"; url = \"https://hook.example/\"; "
	    "secret_file = \"w.secret\"; }");
	assert_non_null(cc);
	assert_int_equal(c.nwarns, 2);
	snprintf(want, sizeof(want),
	    "%s:2: probes[0].token_file: %s has mode 0604, so every user can "
	    "read the secret",
	    tp("c.conf"), tp("a.token"));
	assert_true(has_warning(&c, want));
	snprintf(want, sizeof(want),
	    "webhooks[0].secret_file: %s has mode 0622, so every user can "
	    "change the secret",
	    tp("w.secret"));
	assert_true(has_warning(&c, want));
	assert_not_quoted(&c, "tok-SECRET");
	collector_conf_free(cc);
	cfg_close(&c);
}

/* Two probes with one token: an error naming both, never the token. */
static void
test_shared_tokens(void **state)
{
	struct collector_conf *cc;
	struct cfg	       c;
	char		       want[1024];

	(void)state;
	put("a.token", "tok-SHARED-1\n", 0600);
	put("b.token", "tok-SHARED-1 \n", 0600); /* the same, once read */
	put("c.token", "tok-SHARED-12\n", 0600);
	put("d.token", "tok-SHARED-\n", 0600);
	cc = collector_with(&c,
	    "{ name = \"a\"; token_file = \"a.token\"; },\n"
	    "{ name = \"c\"; token_file = \"c.token\"; },\n"
	    "{ name = \"d\"; token_file = \"d.token\"; },\n"
	    "{ name = \"b\"; token_file = \"b.token\"; }",
	    NULL);
	assert_null(cc);
	assert_int_equal(c.nerrs, 1); /* c and d differ from a in length only */
	snprintf(want, sizeof(want),
	    "%s:5: probes[3]: probe 'b' (token_file %s) has the same token "
	    "as probe 'a' (probes[0], token_file %s)",
	    tp("c.conf"), tp("b.token"), tp("a.token"));
	expect_error(&c, want);
	assert_not_quoted(&c, "tok-SHARED");
	cfg_close(&c);

	/* one file named by two probes is the same mistake */
	cc = collector_with(&c,
	    "{ name = \"a\"; token_file = \"a.token\"; },\n"
	    "{ name = \"z\"; token_file = \"a.token\"; }",
	    NULL);
	assert_null(cc);
	expect_error(&c, "probes[1]: probe 'z'");
	expect_error(&c, "as probe 'a' (probes[0]");
	assert_not_quoted(&c, "tok-SHARED");
	cfg_close(&c);

	/* tokens of their own: fine */
	cc = collector_with(&c,
	    "{ name = \"a\"; token_file = \"a.token\"; },\n"
	    "{ name = \"c\"; token_file = \"c.token\"; }",
	    NULL);
	cfg_report(&c);
	assert_non_null(cc);
	assert_string_equal(cc->probes[1].token, "tok-SHARED-12");
	collector_conf_free(cc);
	cfg_close(&c);
}

/* n bytes of '#' comment, then a newline. */
static void
put_comment_line(FILE *f, size_t n)
{
	fputc('#', f);
	for (size_t i = 1; i < n; i++)
		fputc('x', f);
	fputc('\n', f);
}

static FILE *
create(const char *name)
{
	FILE *f = fopen(tp(name), "w");

	assert_non_null(f);
	return f;
}

#define PROBE_HEAD                                                           \
	"probe = { name = \"p1\"; };\n"                                      \
	"collector = { url = \"http://[2001:db8::1]:8080/api/v1/results\"; " \
	"token_file = \"t.token\"; };\n"

/* Over-long lines are refused, with file:line, before libconfig (whose
 * time grows with the square of a line's length) reads them. */
static void
test_long_lines(void **state)
{
	struct probe_conf *pc;
	struct cfg	   c;
	char		   want[1024];
	FILE		  *f;

	(void)state;
	put("t.token", "tok\n", 0600);
	f = create("p.conf");
	fputs(PROBE_HEAD, f);
	put_comment_line(f, 1 << 20);
	fclose(f);
	pc = probe_conf_load(tp("p.conf"), &c);
	assert_null(pc);
	snprintf(want, sizeof(want), "%s:3: line longer than 64 KiB",
	    tp("p.conf"));
	expect_error(&c, want);
	cfg_close(&c);

	/* 64 KiB exactly is still fine */
	f = create("p.conf");
	fputs(PROBE_HEAD, f);
	put_comment_line(f, CFG_MAX_LINE);
	fclose(f);
	pc = probe_conf_load(tp("p.conf"), &c);
	cfg_report(&c);
	assert_non_null(pc);
	probe_conf_free(pc);
	cfg_close(&c);

	/* in an included file, resolved against the main file's folder as
	 * libconfig does (not against the including file's) */
	assert_int_equal(mkdir(tp("sub"), 0700), 0);
	put("p.conf", PROBE_HEAD "@include \"sub/a.inc\"\n", 0600);
	put("sub/a.inc", "# a\n@include \"sub/b.inc\"\n", 0600);
	f = create("sub/b.inc");
	fputs("# b\n\n", f);
	put_comment_line(f, 100000);
	fclose(f);
	pc = probe_conf_load(tp("p.conf"), &c);
	assert_null(pc);
	snprintf(want, sizeof(want), "%s:3: line longer than 64 KiB",
	    tp("sub/b.inc"));
	expect_error(&c, want);
	cfg_close(&c);

	/* a NUL byte: not text */
	f = create("p.conf");
	fputs(PROBE_HEAD, f);
	fwrite("# \0\n", 1, 4, f);
	fclose(f);
	pc = probe_conf_load(tp("p.conf"), &c);
	assert_null(pc);
	snprintf(want, sizeof(want), "%s:3: NUL byte", tp("p.conf"));
	expect_error(&c, want);
	cfg_close(&c);
}

/* n bytes of short comment lines. */
static void
put_filler(const char *name, size_t n)
{
	FILE *f = create(name);

	for (size_t i = 0; i + 64 <= n; i += 64)
		put_comment_line(f, 63);
	fclose(f);
}

/* @include'd files: bounded in size (each, and all together), regular
 * files only, nested at most CFG_MAX_DEPTH deep. */
static void
test_include_bounds(void **state)
{
	struct probe_conf *pc;
	struct cfg	   c;
	char		   want[1024];

	(void)state;
	alarm(60);
	put("t.token", "tok\n", 0600);

	/* 20 MiB: refused from its size, unread (a sparse file) */
	put("big.inc", "", 0600);
	assert_int_equal(truncate(tp("big.inc"), 20 << 20), 0);
	put("p.conf", PROBE_HEAD "\n@include \"big.inc\"\n", 0600);
	pc = probe_conf_load(tp("p.conf"), &c);
	assert_null(pc);
	snprintf(want, sizeof(want),
	    "%s:4: @include \"big.inc\": %s: larger than 16 MiB", tp("p.conf"),
	    tp("big.inc"));
	expect_error(&c, want);
	cfg_close(&c);

	/* 9 + 9 MiB: each fits, together they do not */
	put_filler("nine.inc", 9 << 20);
	put("p.conf",
	    PROBE_HEAD "@include \"nine.inc\"\n"
		       "@include \"nine.inc\"\n",
	    0600);
	pc = probe_conf_load(tp("p.conf"), &c);
	assert_null(pc);
	snprintf(want, sizeof(want),
	    "%s:4: @include \"nine.inc\": %s: with it, the configuration is "
	    "larger than 16 MiB",
	    tp("p.conf"), tp("nine.inc"));
	expect_error(&c, want);
	cfg_close(&c);

	/* a FIFO: refused at once, never waited on */
	assert_int_equal(mkfifo(tp("fifo.inc"), 0600), 0);
	put("p.conf", PROBE_HEAD "@include \"fifo.inc\"\n", 0600);
	pc = probe_conf_load(tp("p.conf"), &c);
	assert_null(pc);
	snprintf(want, sizeof(want),
	    "%s:3: @include \"fifo.inc\": %s: a FIFO, not a regular file",
	    tp("p.conf"), tp("fifo.inc"));
	expect_error(&c, want);
	cfg_close(&c);

	/* a file including itself */
	put("self.inc", "# me again\n@include \"self.inc\"\n", 0600);
	put("p.conf", PROBE_HEAD "@include \"self.inc\"\n", 0600);
	pc = probe_conf_load(tp("p.conf"), &c);
	assert_null(pc);
	snprintf(want, sizeof(want),
	    "%s:2: @include \"self.inc\": nested more than 10 deep",
	    tp("self.inc"));
	expect_error(&c, want);
	cfg_close(&c);

	/* a missing file: named, with the line of its @include */
	put("p.conf", PROBE_HEAD "@include \"none.inc\"\n", 0600);
	pc = probe_conf_load(tp("p.conf"), &c);
	assert_null(pc);
	snprintf(want, sizeof(want),
	    "%s:3: @include \"none.inc\": %s: No such file or directory",
	    tp("p.conf"), tp("none.inc"));
	expect_error(&c, want);
	cfg_close(&c);

	/* the main file itself */
	put_filler("p.conf", 17 << 20);
	pc = probe_conf_load(tp("p.conf"), &c);
	assert_null(pc);
	snprintf(want, sizeof(want), "%s: larger than 16 MiB", tp("p.conf"));
	expect_error(&c, want);
	cfg_close(&c);
	alarm(0);
}

/* @include lines are found where libconfig finds them: at the start of a
 * line, outside comments and strings; what they include is parsed. */
static void
test_include_where(void **state)
{
	struct cfg  c;
	const char *v;

	(void)state;
	put("x.inc", "x = \"from x\";\n", 0600);
	put("m.conf",
	    "/* a comment\n"
	    "@include \"none-1\"\n"
	    "*/\n"
	    "# @include \"none-2\"\n"
	    "s = \"a string\n"
	    "@include \\\"none-3\\\"\n"
	    "\";\n"
	    "  \t@include \"x.inc\" y = 2;\n",
	    0600);
	if (cfg_open(&c, tp("m.conf")) == -1) {
		cfg_report(&c);
		fail_msg("m.conf did not load");
	}
	assert_int_equal(config_lookup_string(&c.lc, "x", &v), CONFIG_TRUE);
	assert_string_equal(v, "from x");
	assert_non_null(config_lookup(&c.lc, "y"));
	cfg_close(&c);
}

/* The limits leave room: 10,000 targets load, inline and from a
 * targets_file (lines as bench/bench-probe.sh writes them). */
static void
test_ten_thousand_targets(void **state)
{
	struct probe_conf *pc;
	struct cfg	   c;
	FILE		  *f;

	(void)state;
	put("t.token", "tok\n", 0600);
	for (int pass = 0; pass < 2; pass++) {
		f = create(pass == 0 ? "p.conf" : "many.targets");
		if (pass == 0)
			fputs(PROBE_HEAD, f);
		fputs("targets = (\n", f);
		for (int i = 1; i <= 10000; i++)
			fprintf(f,
			    "{ name = \"t%d\"; url = "
			    "\"https://t%d.bench.example:8443/\"; group = "
			    "\"G%d\"; large_path = \"/static/app.js\"; "
			    "interval = 300; }%s\n",
			    i, i, i % 20, i < 10000 ? "," : "");
		fputs(");\n", f);
		fclose(f);
		if (pass == 1)
			put("p.conf",
			    PROBE_HEAD "targets_file = \"many.targets\";\n",
			    0600);
		pc = probe_conf_load(tp("p.conf"), &c);
		cfg_report(&c);
		assert_non_null(pc);
		assert_int_equal(pc->ntargets, 10000);
		assert_string_equal(pc->targets[9999].name, "t10000");
		probe_conf_free(pc);
		cfg_close(&c);
	}
}

/* Errors of the main file and of its targets_file together are kept to
 * CFG_MAX_ERRORS; the rest are counted. */
static void
test_targets_file_errors_bounded(void **state)
{
	struct probe_conf *pc;
	struct cfg	   c;
	FILE		  *f;

	(void)state;
	put("t.token", "tok\n", 0600);
	for (int pass = 0; pass < 2; pass++) {
		f = create(pass == 0 ? "p.conf" : "bad.targets");
		if (pass == 0)
			fputs(PROBE_HEAD "targets_file = \"bad.targets\";\n",
			    f);
		fputs("targets = (\n", f);
		for (int i = 0; i < 80; i++) /* a name must not start so */
			fprintf(f,
			    "{ name = \"-t%d\"; url = \"https://t/\"; }%s\n", i,
			    i < 79 ? "," : "");
		fputs(");\n", f);
		fclose(f);
	}
	pc = probe_conf_load(tp("p.conf"), &c);
	assert_null(pc);
	assert_int_equal(c.nerrs, CFG_MAX_ERRORS);
	assert_true(c.nerrs + c.dropped >= 160);
	cfg_close(&c);
}

/* An @include whose name has no closing quote, in an included file:
 * libconfig's scanner would read a folder and exit(2) from inside the
 * parser; it is an error with its file:line instead. */
static void
test_include_unterminated(void **state)
{
	struct probe_conf *pc;
	struct cfg	   c;

	(void)state;
	put("p.conf", "@include \"inc.conf\"\"\n", 0644);
	put("inc.conf", "\n @include \"", 0644);
	pc = probe_conf_load(tp("p.conf"), &c);
	assert_null(pc);
	assert_true(has_error(&c,
	    "inc.conf:2: @include: the name has no "
	    "closing quote"));
	cfg_close(&c);
	put("p.conf", " @include \"x\n", 0644);
	pc = probe_conf_load(tp("p.conf"), &c);
	assert_null(pc);
	assert_true(has_error(&c,
	    "p.conf:1: @include: the name has no "
	    "closing quote"));
	cfg_close(&c);
}

/* publish_dir follows data_dir unless set: a collector given its own
 * data_dir never writes into /var/lib/v6watch. */
static void
test_publish_dir_follows_data_dir(void **state)
{
	struct collector_conf *cc;
	struct cfg	       c;

	(void)state;
	put("c.token", "tok\n", 0600);
	put("c.conf",
	    "collector = { name = \"c\"; data_dir = \"/srv/v6\"; };\n"
	    "probes = ( { name = \"p1\"; token_file = \"c.token\"; } );\n",
	    0644);
	cc = collector_conf_load(tp("c.conf"), NULL, &c);
	cfg_report(&c);
	assert_non_null(cc);
	assert_string_equal(cc->publish_dir, "/srv/v6/site");
	collector_conf_free(cc);
	cfg_close(&c);
	put("c.conf",
	    "collector = { name = \"c\"; data_dir = \"/srv/v6\"; publish_dir = \"/srv/www\"; };\n"
	    "probes = ( { name = \"p1\"; token_file = \"c.token\"; } );\n",
	    0644);
	cc = collector_conf_load(tp("c.conf"), NULL, &c);
	assert_non_null(cc);
	assert_string_equal(cc->publish_dir, "/srv/www");
	collector_conf_free(cc);
	cfg_close(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_examples_load),
	    cmocka_unit_test(test_examples_agree),
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_bad_files),
	    cmocka_unit_test(test_value_checks),
	    cmocka_unit_test_setup_teardown(test_secret_not_regular, tmp_setup,
		tmp_teardown),
	    cmocka_unit_test_setup_teardown(test_secret_mode, tmp_setup,
		tmp_teardown),
	    cmocka_unit_test_setup_teardown(test_shared_tokens, tmp_setup,
		tmp_teardown),
	    cmocka_unit_test_setup_teardown(test_long_lines, tmp_setup,
		tmp_teardown),
	    cmocka_unit_test_setup_teardown(test_include_bounds, tmp_setup,
		tmp_teardown),
	    cmocka_unit_test_setup_teardown(test_include_where, tmp_setup,
		tmp_teardown),
	    cmocka_unit_test_setup_teardown(test_ten_thousand_targets,
		tmp_setup, tmp_teardown),
	    cmocka_unit_test_setup_teardown(test_targets_file_errors_bounded,
		tmp_setup, tmp_teardown),
	    cmocka_unit_test_setup_teardown(test_include_unterminated,
		tmp_setup, tmp_teardown),
	    cmocka_unit_test_setup_teardown(test_publish_dir_follows_data_dir,
		tmp_setup, tmp_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
