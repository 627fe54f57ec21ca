/*
 * test_tlist: the probe's targets from the collector's list. The
 * document: a good one becomes targets (every field), each way a whole
 * document is refused says why, each bad entry is left out naming it and
 * the rest is used. The merge: local targets first and winning over an
 * id of the list. The cache (SPOOL_DIR/targets.cache): saved and loaded
 * back the same; a damaged one (cut short, a bad first line, another
 * probe's, a link, a FIFO, a folder) is set aside and said why; links
 * and FIFOs at its temporary name are never followed nor waited on. The
 * probe.conf keys: fetch_targets, targets_refresh, targets_url, title.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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
#include "probe/conf.h"
#include "probe/tcache.h"
#include "probe/tlist.h"
#include "tmpdir.h"
#include "util.h"

#define DOC_HEAD "{\"version\":1,\"probe\":\"hn-vnpt-1\",\"targets\":["
#define DOC_TAIL "]}"

static struct tlist *
parse(const char *text, char *err, size_t errlen)
{
	err[0] = '\0';
	return tlist_parse(text, strlen(text), "hn-vnpt-1", err, errlen);
}

/* A document of the entries given (a JSON array's inside). */
static struct tlist *
parse_entries(const char *entries)
{
	char	     *doc, err[512];
	struct tlist *l;

	assert_true(asprintf(&doc, DOC_HEAD "%s" DOC_TAIL, entries) > 0);
	l = parse(doc, err, sizeof(err));
	if (l == NULL)
		fail_msg("refused: %s", err);
	free(doc);
	return l;
}

static void
test_parse_good(void **state)
{
	const char *doc = DOC_HEAD
	    "{\"id\":\"cong-dich-vu-cong-so-y-te\","
	    "\"title\":\"C\xe1\xbb\x95ng d\xe1\xbb\x8b"
	    "ch v\xe1\xbb\xa5 c\xc3\xb4ng \xe2\x80\x93 S\xe1\xbb\x9f Y t\xe1\xba\xbf\","
	    "\"url\":\"https://dvc.syt.province.example/\","
	    "\"group\":\"S\xe1\xbb\x9f Y t\xe1\xba\xbf\",\"interval\":300,"
	    "\"large_path\":\"/static/app.js\",\"expect_status\":[200,301]},"
	    "{\"id\":\"portal\",\"title\":\"Portal\","
	    "\"url\":\"http://portal.province.example/\"}," DOC_TAIL;
	struct tlist *l;
	char	      err[256], sha[65];

	(void)state;
	/* a trailing comma is not JSON */
	assert_null(parse(doc, err, sizeof(err)));
	assert_non_null(strstr(err, "not JSON: invalid JSON at offset"));

	doc = DOC_HEAD
	    "{\"id\":\"cong-dich-vu-cong-so-y-te\","
	    "\"title\":\"C\xe1\xbb\x95ng d\xe1\xbb\x8b"
	    "ch v\xe1\xbb\xa5 c\xc3\xb4ng \xe2\x80\x93 S\xe1\xbb\x9f Y t\xe1\xba\xbf\","
	    "\"url\":\"https://dvc.syt.province.example/\","
	    "\"group\":\"S\xe1\xbb\x9f Y t\xe1\xba\xbf\",\"interval\":300,"
	    "\"large_path\":\"/static/app.js\",\"expect_status\":[200,301]},"
	    "{\"id\":\"portal\",\"title\":\"Portal\","
	    "\"url\":\"http://portal.province.example/\","
	    "\"a_key_of_a_newer_collector\":{\"x\":[1]}}" DOC_TAIL;
	l = parse(doc, err, sizeof(err));
	if (l == NULL)
		fail_msg("%s", err);
	assert_int_equal(l->n, 2);
	assert_int_equal(l->nskipped, 0);
	assert_string_equal(l->v[0].name, "cong-dich-vu-cong-so-y-te");
	assert_string_equal(l->v[0].title,
	    "C\xe1\xbb\x95ng d\xe1\xbb\x8b"
	    "ch v\xe1\xbb\xa5 c\xc3\xb4ng \xe2\x80\x93 S\xe1\xbb\x9f Y t\xe1\xba\xbf");
	assert_string_equal(l->v[0].url, "https://dvc.syt.province.example/");
	assert_string_equal(l->v[0].group, "S\xe1\xbb\x9f Y t\xe1\xba\xbf");
	assert_int_equal(l->v[0].interval_s, 300);
	assert_string_equal(l->v[0].large_path, "/static/app.js");
	assert_int_equal(l->v[0].nexpect_status, 2);
	assert_int_equal(l->v[0].expect_status[0], 200);
	assert_int_equal(l->v[0].expect_status[1], 301);
	assert_int_equal(l->v[0].http80, 1);
	assert_null(l->v[0].expect_body);
	assert_int_equal(l->v[0].line, 1);
	/* omitted: none, the probe's interval, any 200-399 */
	assert_string_equal(l->v[1].name, "portal");
	assert_null(l->v[1].group);
	assert_null(l->v[1].large_path);
	assert_int_equal(l->v[1].interval_s, 0);
	assert_int_equal(l->v[1].nexpect_status, 0);
	assert_int_equal(l->v[1].line, 2);
	tlist_hash(doc, strlen(doc), sha);
	assert_string_equal(l->sha256, sha);
	assert_string_equal(l->etag, "");
	tlist_free(l);

	/* the collector's list with no targets */
	l = parse(DOC_HEAD DOC_TAIL, err, sizeof(err));
	assert_non_null(l);
	assert_int_equal(l->n, 0);
	tlist_free(l);
}

/* Every way a whole document is refused, and what it says. */
static void
test_parse_refused(void **state)
{
	static const struct {
		const char *doc, *want;
	} bad[] = {
	    {"", "not JSON: invalid JSON at offset 0"},
	    {"<html>502 Bad Gateway</html>", "not JSON"},
	    {DOC_HEAD "{\"id\":\"a\"", "not JSON: invalid JSON at offset"},
	    {"[]", "not a JSON object"},
	    {"{\"probe\":\"hn-vnpt-1\",\"targets\":[]}",
		"\"version\" is missing"},
	    {"{\"version\":2,\"probe\":\"hn-vnpt-1\",\"targets\":[]}",
		"\"version\" is 2, not 1: a list this probe cannot read"},
	    {"{\"version\":\"1\",\"probe\":\"hn-vnpt-1\",\"targets\":[]}",
		"\"version\" is not 1"},
	    {"{\"version\":1.5,\"probe\":\"hn-vnpt-1\",\"targets\":[]}",
		"\"version\" is 1.5, not 1"},
	    {"{\"version\":1,\"targets\":[]}",
		"\"probe\" is missing or not a name"},
	    {"{\"version\":1,\"probe\":\"hn-viettel-1\",\"targets\":[]}",
		"the list of probe 'hn-viettel-1', not of this probe "
		"('hn-vnpt-1')"},
	    {"{\"version\":1,\"probe\":\"hn-vnpt-1\"}",
		"\"targets\" is missing"},
	    {"{\"version\":1,\"probe\":\"hn-vnpt-1\",\"targets\":{}}",
		"\"targets\" is not an array"},
	    {"{\"version\":1,\"probe\":\"hn-vnpt-1\",\"targets\":[]} x",
		"not JSON: trailing data"},
	    {"{\"version\":1,\"probe\":\"hn-vnpt-1\",\"targets\":[\"\\u0000\"]}",
		"not JSON: NUL character"},
	};
	char err[512];

	(void)state;
	for (size_t i = 0; i < NELEM(bad); i++) {
		if (parse(bad[i].doc, err, sizeof(err)) != NULL)
			fail_msg("%s: taken", bad[i].doc);
		if (strstr(err, bad[i].want) == NULL)
			fail_msg("%s: '%s', want '%s'", bad[i].doc, err,
			    bad[i].want);
	}
	/* more than 64 MiB: refused before it is parsed */
	assert_null(tlist_parse("{}", TLIST_BODY_MAX + 1, "hn-vnpt-1", err,
	    sizeof(err)));
	assert_string_equal(err, "larger than 64 MiB");
}

/* A bad entry is left out, named; the others are used. */
static void
test_parse_entries(void **state)
{
	static const struct {
		const char *entry, *want;
	} bad[] = {
	    {"42", "entry 1: not an object"},
	    {"{\"url\":\"https://a.example/\"}", "entry 1: \"id\" is missing"},
	    {"{\"id\":\"-a\",\"url\":\"https://a.example/\"}",
		"entry 1: \"id\" must start with a letter or digit"},
	    {"{\"id\":\"a/b\",\"url\":\"https://a.example/\"}",
		"entry 1: \"id\" may contain only letters"},
	    {"{\"id\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	     "aaaaaaaa\",\"url\":\"https://a.example/\"}",
		"entry 1: \"id\" is longer than 64 bytes"},
	    {"{\"id\":7,\"url\":\"https://a.example/\"}",
		"entry 1: \"id\" is not a string"},
	    {"{\"id\":\"a\"}", "entry 1 (id \"a\"): \"url\" is missing"},
	    {"{\"id\":\"a\",\"url\":\"ftp://a.example/\"}",
		"entry 1 (id \"a\"): \"url\" must start with http:// or "
		"https://"},
	    {"{\"id\":\"a\",\"url\":\"https://u:p@a.example/\"}",
		"(id \"a\"): \"url\" must not carry a user name"},
	    {"{\"id\":\"a\",\"url\":\"https://a.example/\\u0007\"}",
		"(id \"a\"): \"url\" contains control characters"},
	    {"{\"id\":\"a\",\"url\":\"https://a.example/\",\"interval\":0}",
		"(id \"a\"): \"interval\" is not a whole number of seconds "
		"1..86400"},
	    {"{\"id\":\"a\",\"url\":\"https://a.example/\",\"interval\":86401}",
		"\"interval\" is not a whole number"},
	    {"{\"id\":\"a\",\"url\":\"https://a.example/\",\"interval\":1.5}",
		"\"interval\" is not a whole number"},
	    {"{\"id\":\"a\",\"url\":\"https://a.example/\",\"interval\":\"60\"}",
		"\"interval\" is not a number"},
	    {"{\"id\":\"a\",\"url\":\"https://a.example/\","
	     "\"large_path\":\"app.js\"}",
		"\"large_path\" does not start with '/'"},
	    {"{\"id\":\"a\",\"url\":\"https://a.example/\","
	     "\"expect_status\":[200,600]}",
		"\"expect_status\"[1] is not an HTTP status code 100..599"},
	    {"{\"id\":\"a\",\"url\":\"https://a.example/\","
	     "\"expect_status\":200}",
		"\"expect_status\" is not an array"},
	    {"{\"id\":\"a\",\"url\":\"https://a.example/\","
	     "\"expect_status\":[]}",
		"\"expect_status\" is empty"},
	    {"{\"id\":\"a\",\"url\":\"https://a.example/\",\"expect_status\":"
	     "[200,200,200,200,200,200,200,200,200,200,200,200,200,200,200,"
	     "200,200]}",
		"\"expect_status\" has more than 16 codes"},
	    {"{\"id\":\"a\",\"url\":\"https://a.example/\","
	     "\"title\":\"S\xe1 Y\"}",
		"(id \"a\"): \"title\" is not valid UTF-8"},
	    {"{\"id\":\"a\",\"url\":\"https://a.example/\","
	     "\"title\":\"a\\u0085b\"}",
		"\"title\" is contains control characters"},
	    {"{\"id\":\"a\",\"url\":\"https://a.example/\",\"title\":1}",
		"\"title\" is not a string"},
	    {"{\"id\":\"a\",\"url\":\"https://a.example/\",\"group\":\"\\t\"}",
		"\"group\" contains control characters"},
	};
	struct tlist *l;
	char	      entries[1024], big[600];

	(void)state;
	for (size_t i = 0; i < NELEM(bad); i++) {
		/* the bad entry between two good ones */
		snprintf(entries, sizeof(entries),
		    "%s,{\"id\":\"ok1\",\"url\":\"https://ok1.example/\"}",
		    bad[i].entry);
		l = parse_entries(entries);
		assert_int_equal(l->n, 1);
		assert_string_equal(l->v[0].name, "ok1");
		assert_int_equal(l->nskipped, 1);
		if (strstr(l->skips[0], bad[i].want) == NULL)
			fail_msg("%s: '%s', want '%s'", bad[i].entry,
			    l->skips[0], bad[i].want);
		assert_non_null(strstr(l->skips[0], "; left out"));
		tlist_free(l);
	}

	/* a title of 257 bytes */
	memset(big, 'x', 257);
	big[257] = '\0';
	snprintf(entries, sizeof(entries),
	    "{\"id\":\"a\",\"url\":\"https://a.example/\",\"title\":\"%s\"}",
	    big);
	l = parse_entries(entries);
	assert_int_equal(l->n, 0);
	assert_string_equal(l->skips[0],
	    "entry 1 (id \"a\"): \"title\" is longer than 256 bytes; left out");
	tlist_free(l);

	/* the same id twice: the first one is taken */
	l = parse_entries("{\"id\":\"a\",\"url\":\"https://a1.example/\"},"
			  "{\"id\":\"b\",\"url\":\"https://b.example/\"},"
			  "{\"id\":\"a\",\"url\":\"https://a2.example/\"}");
	assert_int_equal(l->n, 2);
	assert_string_equal(l->v[0].url, "https://a1.example/");
	assert_string_equal(l->v[1].name, "b");
	assert_string_equal(l->skips[0],
	    "entry 3 (id \"a\"): entry 1 has this id too; left out");
	tlist_free(l);

	/* "" is no group, no title */
	l = parse_entries(
	    "{\"id\":\"a\",\"url\":\"https://a.example/\",\"group\":\"\","
	    "\"title\":\"\"}");
	assert_int_equal(l->n, 1);
	assert_null(l->v[0].group);
	assert_null(l->v[0].title);
	tlist_free(l);
}

/* Many bad entries: the first TLIST_SKIPS_SHOWN said, all counted. */
static void
test_parse_many_skipped(void **state)
{
	char	     *doc, *p;
	size_t	      cap = 64 + 30 * 100, n;
	struct tlist *l;
	char	      err[256];

	(void)state;
	doc = p = malloc(cap);
	p += snprintf(p, cap, DOC_HEAD);
	for (int i = 0; i < 30; i++) {
		n = (size_t)snprintf(p, cap - (size_t)(p - doc),
		    "%s{\"id\":\"t%d\",\"url\":\"%s\"}", i > 0 ? "," : "", i,
		    i % 3 == 0 ? "https://t.example/" : "gopher://t.example/");
		p += n;
	}
	snprintf(p, cap - (size_t)(p - doc), DOC_TAIL);
	l = parse(doc, err, sizeof(err));
	assert_non_null(l);
	assert_int_equal(l->n, 10);
	assert_int_equal(l->nskipped, 20);
	for (int i = 0; i < TLIST_SKIPS_SHOWN; i++)
		assert_non_null(l->skips[i]);
	assert_non_null(strstr(l->skips[0], "entry 2 (id \"t1\")"));
	tlist_free(l);
	free(doc);
}

static struct target_conf
local_target(const char *name, const char *url)
{
	struct target_conf t;

	memset(&t, 0, sizeof(t));
	t.name = (char *)name;
	t.url = (char *)url;
	return t;
}

/* Local targets first; a fetched id a local target has is hidden. */
static void
test_merge(void **state)
{
	struct target_conf	  local[2];
	const struct target_conf *out[8], *sh[8];
	struct tlist		 *l;
	size_t			  n, nsh;

	(void)state;
	local[0] = local_target("portal", "https://portal.example/");
	local[1] = local_target("b", "https://local-b.example/");
	l = parse_entries("{\"id\":\"a\",\"url\":\"https://a.example/\"},"
			  "{\"id\":\"b\",\"url\":\"https://b.example/\"},"
			  "{\"id\":\"c\",\"url\":\"https://c.example/\"}");
	n = tlist_merge(local, 2, l, out, sh, &nsh);
	assert_int_equal(n, 4);
	assert_string_equal(out[0]->name, "portal");
	assert_string_equal(out[1]->name, "b");
	assert_string_equal(out[1]->url, "https://local-b.example/");
	assert_string_equal(out[2]->name, "a");
	assert_string_equal(out[3]->name, "c");
	assert_int_equal(nsh, 1);
	assert_string_equal(sh[0]->name, "b");
	assert_string_equal(sh[0]->url, "https://b.example/");

	/* no list (yet): the local targets */
	n = tlist_merge(local, 2, NULL, out, sh, &nsh);
	assert_int_equal(n, 2);
	assert_int_equal(nsh, 0);
	/* no local targets: the list */
	n = tlist_merge(NULL, 0, l, out, sh, &nsh);
	assert_int_equal(n, 3);
	assert_int_equal(nsh, 0);
	assert_string_equal(out[2]->name, "c");
	tlist_free(l);
}

/* probe.conf's targets and keys, merged with the collector's list. */
static void
test_conf(void **state)
{
	struct probe_conf	 *pc;
	struct cfg		  c;
	struct tlist		 *l;
	const struct target_conf *out[8], *sh[8];
	size_t			  n, nsh;
	char			  url[256];

	(void)state;
	pc = probe_conf_load("tests/data/config/good/probe-fetch.conf", &c);
	cfg_report(&c);
	assert_non_null(pc);
	assert_int_equal(pc->fetch_targets, 1);
	assert_int_equal(pc->targets_refresh_s, 600);
	assert_null(pc->targets_url);
	assert_string_equal(pc->fetch_url,
	    "https://collector.example:8443/api/v1/targets");
	assert_string_equal(pc->targets[0].title,
	    "C\xe1\xbb\x95ng th\xc3\xb4ng tin \xc4\x91i\xe1\xbb\x87n t\xe1\xbb\xad "
	    "t\xe1\xbb\x89nh");
	l = parse_entries(
	    "{\"id\":\"cong-dich-vu-cong-so-y-te\",\"title\":\"T\","
	    "\"url\":\"https://dvc.syt.province.example/\"},"
	    "{\"id\":\"thue\",\"title\":\"Thu\xe1\xba\xbf\","
	    "\"url\":\"https://thue.province.example/\"}");
	n = tlist_merge(pc->targets, pc->ntargets, l, out, sh, &nsh);
	assert_int_equal(n, 3);
	assert_string_equal(out[1]->url,
	    "https://dvc.syt.province.example/local");
	assert_string_equal(out[2]->name, "thue");
	assert_int_equal(nsh, 1);
	assert_string_equal(sh[0]->name, "cong-dich-vu-cong-so-y-te");
	tlist_free(l);
	/* the daemon's copy of the local targets outlives the config, and
	 * lives until its last reference goes */
	l = tlist_from_conf(pc->targets, pc->ntargets);
	probe_conf_free(pc);
	cfg_close(&c);
	assert_int_equal(l->n, 2);
	assert_string_equal(l->v[0].name, "portal");
	assert_string_equal(l->v[0].group, "Province portal");
	assert_string_equal(l->v[1].url,
	    "https://dvc.syt.province.example/local");
	assert_null(l->v[1].group);
	assert_null(l->v[1].file);
	assert_ptr_equal(tlist_ref(l), l);
	assert_int_equal(l->refs, 2);
	tlist_free(l);
	assert_int_equal(l->refs, 1);
	assert_string_equal(l->v[0].name, "portal");
	tlist_free(l);

	/* defaults, and fetching off */
	pc = probe_conf_load("tests/data/config/good/probe-minimal.conf", &c);
	assert_non_null(pc);
	assert_int_equal(pc->fetch_targets, 1);
	assert_int_equal(pc->targets_refresh_s, 300);
	assert_string_equal(pc->fetch_url,
	    "http://[2001:db8::1]:8080/api/v1/targets");
	probe_conf_free(pc);
	cfg_close(&c);
	pc = probe_conf_load("tests/data/config/good/probe-nofetch.conf", &c);
	cfg_report(&c);
	assert_non_null(pc);
	assert_int_equal(pc->fetch_targets, 0);
	assert_null(pc->fetch_url);
	probe_conf_free(pc);
	cfg_close(&c);

	/* the list's URL from the results URL */
	assert_int_equal(
	    probe_conf_targets_url("https://c.example:8443/api/v1/results", url,
		sizeof(url)),
	    0);
	assert_string_equal(url, "https://c.example:8443/api/v1/targets");
	assert_int_equal(
	    probe_conf_targets_url("https://proxy.example/v6w/api/v1/results",
		url, sizeof(url)),
	    0);
	assert_string_equal(url, "https://proxy.example/v6w/api/v1/targets");
	assert_int_equal(probe_conf_targets_url("https://c.example/", url,
			     sizeof(url)),
	    -1);
	assert_int_equal(
	    probe_conf_targets_url("https://c.example/api/v1/results?x=1", url,
		sizeof(url)),
	    -1);
	assert_int_equal(probe_conf_targets_url("https://c.example/api/v1/"
						"results/",
			     url, sizeof(url)),
	    -1);
	assert_int_equal(probe_conf_targets_url("https://api/v1/results", url,
			     sizeof(url)),
	    -1);
	assert_int_equal(probe_conf_targets_url("https://c.example/api/v1/results",
			     url, 20),
	    -1);
}

static int
dir_open(void)
{
	int fd = open(tmpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	assert_true(fd != -1);
	return fd;
}

/* tmpdir/name; two at once (rename(tp(a), tp(b))) */
static const char *
tp(const char *name)
{
	static char path[2][PATH_MAX];
	static int  i;

	i = !i;
	snprintf(path[i], sizeof(path[i]), "%s/%s", tmpdir, name);
	return path[i];
}

/* The names in tmpdir that start with prefix. */
static int
count_named(const char *prefix)
{
	DIR	      *d = opendir(tmpdir);
	struct dirent *de;
	int	       n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		n += strncmp(de->d_name, prefix, strlen(prefix)) == 0;
	closedir(d);
	return n;
}

static void
clean(void)
{
	DIR	      *d = opendir(tmpdir);
	struct dirent *de;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, "targets.cache", 13) == 0 ||
		    strncmp(de->d_name, ".targets.cache", 14) == 0) {
			struct stat st;

			if (lstat(tp(de->d_name), &st) == 0 &&
			    S_ISDIR(st.st_mode))
				rmdir(tp(de->d_name));
			else
				unlink(tp(de->d_name));
		}
	closedir(d);
}

static const char good_doc[] =
    DOC_HEAD "{\"id\":\"a\",\"title\":\"C\xe1\xbb\x95ng\","
	     "\"url\":\"https://a.example/\",\"interval\":120},"
	     "{\"id\":\"b\",\"url\":\"https://b.example/\"}" DOC_TAIL;

static void
save_good(int fd)
{
	struct tlist *l;
	char	      err[512];

	l = parse(good_doc, err, sizeof(err));
	assert_non_null(l);
	snprintf(l->etag, sizeof(l->etag), "\"5e1f\"");
	if (tcache_save(fd, tmpdir, good_doc, strlen(good_doc), l->etag,
		l->sha256, err, sizeof(err)) == -1)
		fail_msg("%s", err);
	tlist_free(l);
}

static void
test_cache_roundtrip(void **state)
{
	struct tlist *l;
	struct stat   st;
	char	      err[512], sha[65];
	int	      fd = dir_open();

	(void)state;
	clean();
	/* none yet: no list, no error */
	assert_int_equal(tcache_load(fd, tmpdir, "hn-vnpt-1", &l, err,
			     sizeof(err)),
	    0);
	assert_null(l);

	save_good(fd);
	assert_int_equal(stat(tp(TCACHE_FILE), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(count_named(".targets.cache"), 0);
	assert_int_equal(tcache_load(fd, tmpdir, "hn-vnpt-1", &l, err,
			     sizeof(err)),
	    0);
	assert_non_null(l);
	assert_int_equal(l->n, 2);
	assert_string_equal(l->v[0].name, "a");
	assert_string_equal(l->v[0].title, "C\xe1\xbb\x95ng");
	assert_int_equal(l->v[0].interval_s, 120);
	assert_string_equal(l->v[1].url, "https://b.example/");
	assert_string_equal(l->etag, "\"5e1f\"");
	tlist_hash(good_doc, strlen(good_doc), sha);
	assert_string_equal(l->sha256, sha);
	tlist_free(l);

	/* no ETag: kept as "-", read back as none; replaced in place */
	l = parse(DOC_HEAD DOC_TAIL, err, sizeof(err));
	assert_int_equal(tcache_save(fd, tmpdir, DOC_HEAD DOC_TAIL,
			     strlen(DOC_HEAD DOC_TAIL), "", l->sha256, err,
			     sizeof(err)),
	    0);
	tlist_free(l);
	assert_int_equal(tcache_load(fd, tmpdir, "hn-vnpt-1", &l, err,
			     sizeof(err)),
	    0);
	assert_non_null(l);
	assert_int_equal(l->n, 0);
	assert_string_equal(l->etag, "");
	tlist_free(l);
	assert_int_equal(count_named("targets.cache"), 1);
	close(fd);
}

/* Damage of one kind: load fails naming why, the file is set aside. */
static void
expect_damaged(int fd, const char *probe, const char *want)
{
	struct tlist *l = (struct tlist *)1;
	char	      err[1024];

	if (tcache_load(fd, tmpdir, probe, &l, err, sizeof(err)) != -1)
		fail_msg("loaded, but must fail with '%s'", want);
	assert_null(l);
	if (strstr(err, want) == NULL)
		fail_msg("'%s', want '%s'", err, want);
	assert_non_null(strstr(err, "; set aside as "));
	assert_non_null(strstr(err, "/targets.cache.bad-"));
	assert_true(access(tp(TCACHE_FILE), F_OK) == -1);
	assert_int_equal(count_named("targets.cache.bad-"), 1);
	/* and the next start finds none: no error */
	assert_int_equal(tcache_load(fd, tmpdir, probe, &l, err, sizeof(err)),
	    0);
	assert_null(l);
	clean();
}

/* Write the cache file by hand: text, then len bytes of it. */
static void
put_cache(const char *text, size_t len)
{
	int fd = open(tp(TCACHE_FILE), O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd != -1);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
}

static void
test_cache_damaged(void **state)
{
	char	     *text;
	size_t	      len;
	int	      fd = dir_open();
	struct stat   st;
	char	      err[512];
	struct tlist *l;

	(void)state;
	clean();
	/* cut short: the SHA-256 tells */
	save_good(fd);
	assert_int_equal(file_read(tp(TCACHE_FILE), 1 << 20, &text, &len), 0);
	put_cache(text, len - 10);
	expect_damaged(fd, "hn-vnpt-1",
	    "targets.cache: damaged: the list's SHA-256 is not the one its first line records");
	/* a byte changed, still JSON */
	text[len - 20] = text[len - 20] == 'a' ? 'b' : 'a';
	put_cache(text, len);
	expect_damaged(fd, "hn-vnpt-1", "damaged: the list's SHA-256");
	free(text);
	/* a bad first line, and none at all */
	put_cache("v6watch-targets 2 abc -\n{}", 26);
	expect_damaged(fd, "hn-vnpt-1", "the first line is not");
	put_cache("", 0);
	expect_damaged(fd, "hn-vnpt-1", "the first line is not");
	put_cache(good_doc, strlen(good_doc));
	expect_damaged(fd, "hn-vnpt-1", "the first line is not");
	/* the list of another probe (the probe was renamed) */
	save_good(fd);
	expect_damaged(fd, "hn-viettel-1",
	    "the list of probe 'hn-vnpt-1', not of this probe ('hn-viettel-1')");
	/* a link, even to a good cache, is not followed */
	save_good(fd);
	assert_int_equal(rename(tp(TCACHE_FILE), tp("elsewhere")), 0);
	assert_int_equal(symlink(tp("elsewhere"), tp(TCACHE_FILE)), 0);
	expect_damaged(fd, "hn-vnpt-1", "a symbolic link");
	assert_int_equal(lstat(tp("elsewhere"), &st), 0);
	assert_true(S_ISREG(st.st_mode));
	unlink(tp("elsewhere"));
	/* a FIFO is not waited on; a folder is not read */
	assert_int_equal(mkfifo(tp(TCACHE_FILE), 0600), 0);
	expect_damaged(fd, "hn-vnpt-1", "not a regular file");
	assert_int_equal(mkdir(tp(TCACHE_FILE), 0700), 0);
	expect_damaged(fd, "hn-vnpt-1", "targets.cache: ");

	/* saving: a link at the temporary name is not followed, a FIFO
	 * there not waited on; both are removed, the next save works */
	put_cache("x", 1);
	assert_int_equal(rename(tp(TCACHE_FILE), tp("victim")), 0);
	assert_int_equal(symlink(tp("victim"), tp(".targets.cache.tmp")), 0);
	l = parse(good_doc, err, sizeof(err));
	assert_int_equal(tcache_save(fd, tmpdir, good_doc, strlen(good_doc), "",
			     l->sha256, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "create "));
	assert_int_equal(file_read(tp("victim"), 100, &text, &len), 0);
	assert_int_equal(len, 1);
	free(text);
	unlink(tp("victim"));
	assert_int_equal(mkfifo(tp(".targets.cache.tmp"), 0600), 0);
	assert_int_equal(tcache_save(fd, tmpdir, good_doc, strlen(good_doc), "",
			     l->sha256, err, sizeof(err)),
	    -1);
	assert_int_equal(tcache_save(fd, tmpdir, good_doc, strlen(good_doc), "",
			     l->sha256, err, sizeof(err)),
	    0);
	tlist_free(l);
	assert_int_equal(tcache_load(fd, tmpdir, "hn-vnpt-1", &l, err,
			     sizeof(err)),
	    0);
	assert_int_equal(l->n, 2);
	tlist_free(l);
	clean();
	close(fd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_good),
	    cmocka_unit_test(test_parse_refused),
	    cmocka_unit_test(test_parse_entries),
	    cmocka_unit_test(test_parse_many_skipped),
	    cmocka_unit_test(test_merge),
	    cmocka_unit_test(test_conf),
	    cmocka_unit_test(test_cache_roundtrip),
	    cmocka_unit_test(test_cache_damaged),
	};

	return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);
}
