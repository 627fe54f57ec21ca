/*
 * conf: probe.conf field tables (names, types, ranges, defaults) and the
 * loader for the probe, collector, capture and targets groups.
 */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/crypto.h>

#include "check.h"
#include "conf.h"
#include "priv.h"
#include "result.h"
#include "util.h"

#define PF(f) offsetof(struct probe_conf, f)
#define TF(f) offsetof(struct target_conf, f)

static const struct cfg_field probe_fields[] = {
    {"name", CFG_STR, PF(name), 0, 64, 0, NULL, 1, cfg_check_name},
    {"interval", CFG_INT, PF(interval_s), 1, 86400, 60, NULL, 0, NULL},
    {"concurrency", CFG_INT, PF(concurrency), 1, 10000, 500, NULL, 0, NULL},
    {"timeout", CFG_INT, PF(timeout_s), 1, 300, CHECK_TIMEOUT_DEFAULT_S, NULL,
	0, NULL},
    {"spool_dir", CFG_PATH, PF(spool_dir), 0, 0, 0, "/var/lib/v6watch/spool", 0,
	NULL},
    {"spool_max_mb", CFG_INT, PF(spool_max_mb), 1, 1048576, 512, NULL, 0, NULL},
    {"warn_days", CFG_INT, PF(warn_days), 0, 3650, 30, NULL, 0, NULL},
    {"cacert", CFG_PATH, PF(cacert), 0, 0, 0,
	"/etc/ssl/certs/ca-certificates.crt", 0, NULL},
    {"canaries", CFG_STRLIST, PF(canaries), 0, 2048, 0, NULL, 0,
	cfg_check_http_url},
    {"user", CFG_STR, PF(user), 0, 32, 0, "v6watch", 0, cfg_check_name},
    {"nat64_prefix_ok", CFG_BOOL, PF(nat64_prefix_ok), 0, 1, 0, NULL, 0, NULL},
    {"private_ok", CFG_BOOL, PF(private_ok), 0, 1, 0, NULL, 0, NULL},
};

static const struct cfg_field collector_fields[] = {
    {"url", CFG_STR, PF(collector_url), 0, PROBE_URL_MAX, 0, NULL, 1,
	cfg_check_http_url},
    {"token_file", CFG_PATH, PF(token_file), 0, 0, 0, NULL, 1, NULL},
    {"cacert", CFG_PATH, PF(collector_cacert), 0, 0, 0, NULL, 0, NULL},
    {"fetch_targets", CFG_BOOL, PF(fetch_targets), 0, 1, 1, NULL, 0, NULL},
    {"targets_refresh", CFG_INT, PF(targets_refresh_s), 30, 86400, 300, NULL, 0,
	NULL},
    {"targets_url", CFG_STR, PF(targets_url), 0, PROBE_URL_MAX, 0, NULL, 0,
	cfg_check_http_url},
};

static const struct cfg_field capture_fields[] = {
    {"interface", CFG_STR, PF(capture_iface), 0, 15, 0, NULL, 1, NULL},
    {"interval", CFG_INT, PF(capture_interval_s), 1, 86400, 60, NULL, 0, NULL},
    {"filter", CFG_STR, PF(capture_filter), 0, 1024, 0, NULL, 0, NULL},
};

/* UTF-8 and no C1 control (length and C0 are cfg.c's checks). */
static const char *
check_title(const char *s)
{
	return result_check_title(s);
}

static const struct cfg_field target_fields[] = {
    {"name", CFG_STR, TF(name), 0, PROBE_NAME_MAX, 0, NULL, 1, cfg_check_name},
    {"url", CFG_STR, TF(url), 0, PROBE_URL_MAX, 0, NULL, 1, cfg_check_http_url},
    {"title", CFG_STR, TF(title), 0, PROBE_TITLE_MAX, 0, NULL, 0, check_title},
    {"group", CFG_STR, TF(group), 0, PROBE_GROUP_MAX, 0, NULL, 0, NULL},
    {"large_path", CFG_STR, TF(large_path), 0, PROBE_LARGE_PATH_MAX, 0, NULL, 0,
	NULL},
    {"interval", CFG_INT, TF(interval_s), 1, PROBE_INTERVAL_MAX, 0, NULL, 0,
	NULL},
    {"expect_status", CFG_GROUP, 0, 0, 0, 0, NULL, 0, NULL},
    {"expect_body", CFG_STR, TF(expect_body), 0, 1024, 0, NULL, 0, NULL},
    {"http80", CFG_BOOL, TF(http80), 0, 1, 1, NULL, 0, NULL},
};

/* expect_status = [ 200, 401 ]: HTTP status codes, at most
 * PROBE_EXPECT_MAX. */
static void
load_expect_status(struct cfg *c, struct target_conf *t,
    const config_setting_t *s, const char *what)
{
	int n;

	if (s == NULL)
		return;
	if (!config_setting_is_array(s) && !config_setting_is_list(s)) {
		cfg_error(c, s,
		    "%s.expect_status: must be a list of HTTP status codes, as [ 200, 401 ]",
		    what);
		return;
	}
	n = config_setting_length(s);
	if (n == 0 || n > PROBE_EXPECT_MAX) {
		cfg_error(c, s, "%s.expect_status: want 1..%d status codes",
		    what, PROBE_EXPECT_MAX);
		return;
	}
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, i);
		int			v;

		if (config_setting_type(e) != CONFIG_TYPE_INT ||
		    (v = config_setting_get_int(e)) < 100 || v > 599) {
			cfg_error(c, e,
			    "%s.expect_status[%d]: must be an HTTP status code 100..599",
			    what, i);
			t->nexpect_status = 0;
			return;
		}
		t->expect_status[t->nexpect_status++] = v;
	}
}

static const char *const probe_root[] = {"probe", "collector", "capture",
    "targets", "targets_file"};
static const char *const targets_root[] = {"targets"};

int
probe_conf_default(const char *name)
{
	return (int)cfg_default_int(probe_fields, NELEM(probe_fields), name);
}

static void
load_targets(struct cfg *c, struct probe_conf *pc, const config_setting_t *l)
{
	int n;

	if (l == NULL)
		return;
	if (!config_setting_is_list(l)) {
		cfg_error(c, l, "targets: must be a list ( { ... }, ... )");
		return;
	}
	n = config_setting_length(l);
	if (pc->ntargets + (size_t)n > PROBE_TARGETS_MAX) {
		cfg_error(c, l, "targets: more than %d targets",
		    PROBE_TARGETS_MAX);
		return;
	}
	pc->targets = xreallocarray(pc->targets, pc->ntargets + (size_t)n,
	    sizeof(*pc->targets));
	for (int i = 0; i < n; i++) {
		config_setting_t   *e = config_setting_get_elem(l, i);
		struct target_conf *t = &pc->targets[pc->ntargets++];
		char		    what[32];

		snprintf(what, sizeof(what), "targets[%d]", i);
		memset(t, 0, sizeof(*t));
		cfg_load_fields(c, e, what, target_fields, NELEM(target_fields),
		    t);
		t->line = config_setting_source_line(e);
		t->file = c->file;
		load_expect_status(c, t,
		    config_setting_get_member(e, "expect_status"), what);
		if (t->large_path != NULL && t->large_path[0] != '/')
			cfg_error(c, config_setting_get_member(e, "large_path"),
			    "%s.large_path: must start with '/'", what);
	}
}

static int
target_cmp(const void *a, const void *b)
{
	const struct target_conf *x = *(struct target_conf *const *)a;
	const struct target_conf *y = *(struct target_conf *const *)b;
	int			  d = strcmp(x->name, y->name);

	return d != 0 ? d : (x < y ? -1 : 1);
}

/* Target names key the RRD files: they must be unique. */
static void
check_duplicates(struct cfg *c, struct probe_conf *pc)
{
	struct target_conf **v = xcalloc(pc->ntargets, sizeof(*v));
	size_t		     n = 0;

	for (size_t i = 0; i < pc->ntargets; i++)
		if (pc->targets[i].name != NULL)
			v[n++] = &pc->targets[i];
	qsort(v, n, sizeof(*v), target_cmp);
	for (size_t i = 1; i < n; i++)
		if (strcmp(v[i - 1]->name, v[i]->name) == 0)
			cfg_error_at(c, v[i]->file, v[i]->line,
			    "targets: name '%s' used twice (first at %s:%d)",
			    v[i]->name, v[i - 1]->file, v[i - 1]->line);
	free(v);
}

/* targets_file = "F": more targets = ( ... ); in F, its errors kept. */
static void
load_targets_file(struct cfg *c, struct probe_conf *pc,
    const config_setting_t *s)
{
	char	   buf[4096];
	struct cfg tc;

	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		cfg_error(c, s, "targets_file: must be a string");
		return;
	}
	if (path_resolve(buf, sizeof(buf), c->dir,
		config_setting_get_string(s)) == -1) {
		cfg_error(c, s, "targets_file: path too long");
		return;
	}
	pc->targets_file = xstrdup(buf);
	if (cfg_open(&tc, pc->targets_file) == 0) {
		size_t first = pc->ntargets;

		cfg_check_root(&tc, targets_root, NELEM(targets_root));
		load_targets(&tc, pc,
		    config_setting_get_member(config_root_setting(&tc.lc),
			"targets"));
		/* tc's strings die with it; keep messages pointing here. */
		for (size_t i = first; i < pc->ntargets; i++)
			pc->targets[i].file = pc->targets_file;
	}
	for (size_t i = 0; i < tc.nerrs; i++) {
		if (c->nerrs >= CFG_MAX_ERRORS) { /* as cfg.c bounds them */
			free(tc.errs[i]);
			c->dropped++;
			continue;
		}
		c->errs =
		    xreallocarray(c->errs, c->nerrs + 1, sizeof(*c->errs));
		c->errs[c->nerrs++] = tc.errs[i];
	}
	c->dropped += tc.dropped;
	tc.nerrs = 0;
	cfg_close(&tc);
}

int
probe_conf_targets_url(const char *url, char *out, size_t size)
{
	const char *host = strstr(url, "://"), *path;
	size_t	    n = strlen(url), tail = strlen(PROBE_RESULTS_PATH);

	if (host == NULL)
		return -1;
	path = host + 3 + strcspn(host + 3, "/?#");
	if (strpbrk(path, "?#") != NULL || strlen(path) < tail ||
	    strcmp(url + n - tail, PROBE_RESULTS_PATH) != 0)
		return -1;
	n = (size_t)snprintf(out, size, "%.*s%s", (int)(n - tail), url,
	    PROBE_TARGETS_PATH);
	return n < size ? 0 : -1;
}

/*
 * Where the target list comes from: collector.targets_url, else derived
 * from collector.url; an error at collector.url when it cannot be.
 */
static void
load_fetch_url(struct cfg *c, struct probe_conf *pc, config_setting_t *root)
{
	char buf[PROBE_URL_MAX + 64];

	if (!pc->fetch_targets) {
		if (pc->targets_url != NULL)
			cfg_warn(c,
			    config_setting_lookup(root,
				"collector.targets_url"),
			    "collector.targets_url: not used, as collector.fetch_targets is false");
		return;
	}
	if (pc->collector_url == NULL) /* missing: said already */
		return;
	if (pc->targets_url != NULL) {
		pc->fetch_url = xstrdup(pc->targets_url);
		return;
	}
	if (probe_conf_targets_url(pc->collector_url, buf, sizeof(buf)) == 0) {
		pc->fetch_url = xstrdup(buf);
		return;
	}
	cfg_error(c, config_setting_lookup(root, "collector.url"),
	    "collector.url: its path does not end in %s, so the URL of the collector's target list (%s) cannot be derived from it: set collector.targets_url = \"...%s\", or collector.fetch_targets = false to check the local targets alone",
	    PROBE_RESULTS_PATH, PROBE_TARGETS_PATH, PROBE_TARGETS_PATH);
}

struct probe_conf *
probe_conf_load(const char *path, struct cfg *c)
{
	struct probe_conf *pc = xcalloc(1, sizeof(*pc));
	config_setting_t  *root, *s;

	if (cfg_open(c, path) == -1)
		goto fail;
	root = config_root_setting(&c->lc);
	cfg_check_root(c, probe_root, NELEM(probe_root));
	cfg_load_fields(c, config_setting_get_member(root, "probe"), "probe",
	    probe_fields, NELEM(probe_fields), pc);
	cfg_load_fields(c, config_setting_get_member(root, "collector"),
	    "collector", collector_fields, NELEM(collector_fields), pc);
	s = config_setting_get_member(root, "capture");
	if (s != NULL) {
		pc->capture_enabled = 1;
		cfg_load_fields(c, s, "capture", capture_fields,
		    NELEM(capture_fields), pc);
	} else
		cfg_defaults(c, capture_fields, NELEM(capture_fields), pc);
	if (pc->token_file != NULL) {
		char tok[PROBE_TOKEN_MAX];

		/* upload.c reads it again (and on every reload): checked
		 * here so that --check-config finds what the daemon would. */
		cfg_secret(c,
		    config_setting_lookup(root, "collector.token_file"),
		    "collector.token_file", pc->token_file, pc->user, tok,
		    sizeof(tok));
		OPENSSL_cleanse(tok, sizeof(tok));
	}
	load_fetch_url(c, pc, root);
	load_targets(c, pc, config_setting_get_member(root, "targets"));

	s = config_setting_get_member(root, "targets_file");
	if (s != NULL)
		load_targets_file(c, pc, s);
	check_duplicates(c, pc);
	if (c->nerrs > 0 || c->dropped > 0)
		goto fail;
	pc->nloaded = pc->ntargets;
	return pc;
fail:
	probe_conf_free(pc);
	return NULL;
}

struct probe_conf *
probe_conf_ready(struct probe_conf *pc, struct cfg *c, int root)
{
	config_setting_t *rs, *s, *grp;
	char		  err[PATH_MAX + 256];
	struct stat	  st;
	uid_t		  uid;
	gid_t		  gid;

	if (pc == NULL)
		return NULL;
	rs = config_root_setting(&c->lc);
	grp = config_setting_get_member(rs, "probe");
	if (cfg_check_user(c, "probe", pc->user, root, &uid, &gid) == 0 &&
	    root &&
	    priv_check_dir(pc->spool_dir, uid, err, sizeof(err)) == -1) {
		s = config_setting_lookup(rs, "probe.spool_dir");
		cfg_error(c, s != NULL ? s : grp, "probe.spool_dir: %s", err);
	}
	/* curl reads it at every upload: each one would fail */
	if (pc->collector_cacert != NULL) {
		const char *why = NULL;

		if (stat(pc->collector_cacert, &st) == -1)
			why = strerror(errno);
		else if (!S_ISREG(st.st_mode))
			why =
			    "not a regular file: name a PEM file of CA certificates";
		if (why != NULL)
			cfg_error(c,
			    config_setting_lookup(rs, "collector.cacert"),
			    "collector.cacert: %s: %s", pc->collector_cacert,
			    why);
	}
	if (c->nerrs > 0 || c->dropped > 0) {
		probe_conf_free(pc);
		return NULL;
	}
	return pc;
}

void
probe_conf_target_clear(struct target_conf *t)
{
	cfg_free_fields(target_fields, NELEM(target_fields), t);
}

void
probe_conf_targets_free(struct target_conf *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		probe_conf_target_clear(&v[i]);
	free(v);
}

void
probe_conf_free(struct probe_conf *pc)
{
	if (pc == NULL)
		return;
	free(pc->fetch_url);
	cfg_free_fields(probe_fields, NELEM(probe_fields), pc);
	cfg_free_fields(collector_fields, NELEM(collector_fields), pc);
	cfg_free_fields(capture_fields, NELEM(capture_fields), pc);
	probe_conf_targets_free(pc->targets, pc->ntargets);
	free(pc->targets_file);
	free(pc);
}
