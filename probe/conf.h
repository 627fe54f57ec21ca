/*
 * conf: probe.conf -- the probe's settings, its collector, optional passive
 * capture and its targets (inline and from targets_file). The key set is
 * the DESIGN.md contract; defaults live in the field tables of conf.c.
 * Functions are prefixed probe_conf_ because collector/conf.c exists too.
 */
#ifndef V6W_PROBE_CONF_H
#define V6W_PROBE_CONF_H

#include <stddef.h>

#include "cfg.h"

#define PROBE_TARGETS_MAX 100000
/* Longest token + 1, as upload.c holds it. */
#define PROBE_TOKEN_MAX 256

#define PROBE_EXPECT_MAX 16 /* expect_status codes: CHECK_EXPECT_MAX */

/* Bounds of a target's settings (bytes), here and in a fetched list. */
#define PROBE_NAME_MAX	     64
#define PROBE_URL_MAX	     2048
#define PROBE_GROUP_MAX	     128
#define PROBE_LARGE_PATH_MAX 1024
#define PROBE_INTERVAL_MAX   86400
#define PROBE_TITLE_MAX	     256 /* RESULT_TITLE_MAX - 1 */

/* collector.url ends in this; the target list is at the same place with
 * the targets path (a reverse proxy's prefix before it stays). */
#define PROBE_RESULTS_PATH "/api/v1/results"
#define PROBE_TARGETS_PATH "/api/v1/targets"

struct target_conf {
	char	   *name;
	char	   *url;
	char	   *title;	/* NULL: none */
	char	   *group;	/* NULL: none */
	char	   *large_path; /* NULL: none */
	int	    interval_s; /* 0: the probe's interval */
	int	    expect_status[PROBE_EXPECT_MAX];
	size_t	    nexpect_status; /* 0: any of 200-399 */
	char	   *expect_body;    /* NULL: none */
	int	    http80;	    /* check port 80 beside https:// (1) */
	int	    line;	    /* where it was defined, for messages */
	const char *file;	    /* only valid while loading */
};

struct probe_conf {
	/* probe = { } */
	char		  *name;
	int		   interval_s;
	int		   concurrency;
	int		   timeout_s;
	char		  *spool_dir;
	int		   spool_max_mb;
	int		   warn_days;
	char		  *cacert;
	struct cfg_strlist canaries;
	char		  *user;
	int		   nat64_prefix_ok; /* AAAA in 64:ff9b::/96 allowed */
	int		   private_ok;	    /* fc00::/7, 10/8, ... allowed */

	/* collector = { } */
	char *collector_url;
	char *token_file;
	char *collector_cacert;
	int   fetch_targets; /* GET the target list from the collector */
	int   targets_refresh_s;
	char *targets_url; /* as set; NULL: derived from collector_url */
	char *fetch_url;   /* what is fetched: NULL when fetch_targets is off */

	/* capture = { } (optional) */
	int   capture_enabled;
	char *capture_iface;
	int   capture_interval_s;
	char *capture_filter;

	char		   *targets_file;
	struct target_conf *targets; /* the daemon copies and frees them */
	size_t		    ntargets;
	size_t		    nloaded; /* ntargets, even once taken */
};

/*
 * Load path, and check that collector.token_file holds a token (its mode
 * too: a warning when others can read it). Problems are recorded in c
 * (caller-initialised by this call, caller runs cfg_close); returns NULL
 * when there was any.
 */
struct probe_conf *probe_conf_load(const char *path, struct cfg *c);
void		   probe_conf_free(struct probe_conf *);
/*
 * What `run` would stop on at start that the files tell, checked before
 * it makes or changes anything, with FILE:LINE: the user (root only: it
 * must exist and not be root; otherwise a warning), the spool folder's
 * path as priv_own_dir() would walk it (root only), collector.cacert.
 * root: whether the daemon starts as root. Takes ownership of pc (NULL
 * passes through): returns it, or NULL, pc freed, when c got an error.
 */
struct probe_conf *
probe_conf_ready(struct probe_conf *pc, struct cfg *c, int root);
/* The default of the integer setting probe.name, from the table. */
int probe_conf_default(const char *name);
/* Free the strings t holds (its pointers NULL after). */
void probe_conf_target_clear(struct target_conf *t);
/* Free what the target_conf entries v[0..n) hold, and v. */
void probe_conf_targets_free(struct target_conf *v, size_t n);
/*
 * The target list's URL for the collector URL url: its trailing
 * PROBE_RESULTS_PATH replaced by PROBE_TARGETS_PATH, into out. 0, or -1
 * when url does not end so (a query or fragment after it neither).
 */
int probe_conf_targets_url(const char *url, char *out, size_t size);

#endif
