/*
 * fuzz_tlist: libFuzzer target for the target list a probe fetches from
 * its collector (GET /api/v1/targets): the input is the document, parsed
 * by tlist_parse() for probe "hn-vnpt-1". A refusal says why. A list
 * taken holds only targets probe.conf would take -- an id that is a name,
 * once; an http(s) URL; a title, group and large_path within bounds; an
 * interval and expect_status in range --, no more than the document's
 * entries, with its SHA-256; every entry left out is counted. Merged with
 * local targets, each local name hides the list's id and nothing else.
 * Kept in a cache file (tcache_save()) and read back (tcache_load()), it
 * is the same list.
 *
 * FUZZ_SOURCES: probe/tlist.c probe/tcache.c probe/conf.c common/cfg.c common/priv.c common/util.c common/log.c common/json.c common/result.c common/table.c
 * FUZZ_LIBS: libcjson libconfig libcrypto
 */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg.h"
#include "fuzz.h"
#include "probe/conf.h"
#include "probe/tcache.h"
#include "probe/tlist.h"
#include "result.h"
#include "util.h"

int LLVMFuzzerInitialize(int *, char ***);
int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char *dir;
static int	   dirfd_ = -1;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	dir = fuzz_dir("tlist");
	if ((dirfd_ = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		abort();
	return 0;
}

static int
opt_ok(const char *s, size_t max)
{
	return s == NULL ||
	    (s[0] != '\0' && strlen(s) <= max && !str_has_ctrl(s));
}

/* What probe.conf would take of a target, checked again. */
static void
check_target(const struct target_conf *t)
{
	if (t->name == NULL || strlen(t->name) > PROBE_NAME_MAX ||
	    cfg_check_name(t->name) != NULL)
		abort();
	if (t->url == NULL || strlen(t->url) > PROBE_URL_MAX ||
	    str_has_ctrl(t->url) || cfg_check_http_url(t->url) != NULL)
		abort();
	if (!opt_ok(t->title, PROBE_TITLE_MAX) ||
	    (t->title != NULL && result_check_title(t->title) != NULL))
		abort();
	if (!opt_ok(t->group, PROBE_GROUP_MAX) ||
	    !opt_ok(t->large_path, PROBE_LARGE_PATH_MAX) ||
	    (t->large_path != NULL && t->large_path[0] != '/'))
		abort();
	if (t->interval_s < 0 || t->interval_s > PROBE_INTERVAL_MAX ||
	    t->nexpect_status > PROBE_EXPECT_MAX || t->expect_body != NULL ||
	    t->http80 != 1)
		abort();
	for (size_t i = 0; i < t->nexpect_status; i++)
		if (t->expect_status[i] < 100 || t->expect_status[i] > 599)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const   local_names[] = {"portal", "a", "t1"};
	struct target_conf	   local[3];
	const struct target_conf **out, **sh;
	struct tlist		  *l, *back;
	char			   err[1024], sha[65];
	size_t			   n, nsh, entries;

	err[0] = '\0';
	l = tlist_parse((const char *)data, size, "hn-vnpt-1", err,
	    sizeof(err));
	if (l == NULL) {
		if (err[0] == '\0')
			abort(); /* a refusal says why */
		return 0;
	}
	/* an upper bound of the entries: one more than the commas */
	entries = 1;
	for (size_t i = 0; i < size; i++)
		entries += data[i] == ',';
	if (l->n > PROBE_TARGETS_MAX || l->n + l->nskipped > entries)
		abort();
	for (size_t i = 0; i < l->nskipped && i < TLIST_SKIPS_SHOWN; i++)
		if (l->skips[i] == NULL ||
		    strstr(l->skips[i], "left out") == NULL)
			abort();
	for (size_t i = 0; i < l->n; i++) {
		check_target(&l->v[i]);
		for (size_t j = 0; j < i; j++)
			if (strcmp(l->v[i].name, l->v[j].name) == 0)
				abort();
	}
	tlist_hash((const char *)data, size, sha);
	if (strcmp(sha, l->sha256) != 0)
		abort();

	/* merged: each local name hides the same id, and nothing else */
	memset(local, 0, sizeof(local));
	for (int i = 0; i < 3; i++) {
		local[i].name = (char *)local_names[i];
		local[i].url = (char *)"https://local.example/";
	}
	out = calloc(l->n + 3, sizeof(*out));
	sh = calloc(l->n + 1, sizeof(*sh));
	if (out == NULL || sh == NULL)
		abort();
	n = tlist_merge(local, 3, l, out, sh, &nsh);
	if (n != 3 + l->n - nsh || nsh > 3)
		abort();
	for (size_t i = 0; i < nsh; i++)
		if (strcmp(sh[i]->name, "portal") != 0 &&
		    strcmp(sh[i]->name, "a") != 0 &&
		    strcmp(sh[i]->name, "t1") != 0)
			abort();
	for (size_t i = 3; i < n; i++)
		for (int j = 0; j < 3; j++)
			if (strcmp(out[i]->name, local_names[j]) == 0)
				abort();
	free(out);
	free(sh);

	/* kept on disk and read back: the same list */
	snprintf(l->etag, sizeof(l->etag), "\"%.16s\"", l->sha256);
	if (tcache_save(dirfd_, dir, (const char *)data, size, l->etag,
		l->sha256, err, sizeof(err)) == -1) {
		fprintf(stderr, "save: %s\n", err);
		abort();
	}
	if (tcache_load(dirfd_, dir, "hn-vnpt-1", &back, err, sizeof(err)) ==
		-1 ||
	    back == NULL) {
		fprintf(stderr, "load: %s\n", err);
		abort();
	}
	if (back->n != l->n || back->nskipped != l->nskipped ||
	    strcmp(back->etag, l->etag) != 0 ||
	    strcmp(back->sha256, l->sha256) != 0)
		abort();
	for (size_t i = 0; i < l->n; i++) {
		const struct target_conf *a = &l->v[i], *b = &back->v[i];

		if (strcmp(a->name, b->name) != 0 ||
		    strcmp(a->url, b->url) != 0 ||
		    (a->title == NULL) != (b->title == NULL) ||
		    (a->title != NULL && strcmp(a->title, b->title) != 0) ||
		    a->interval_s != b->interval_s ||
		    a->nexpect_status != b->nexpect_status)
			abort();
	}
	tlist_free(back);
	tlist_free(l);
	return 0;
}
