/*
 * conf: collector.conf -- the collector's settings, the probes allowed to
 * post (each with its token), alert thresholds and webhooks. Functions are
 * prefixed collector_conf_ because probe/conf.c exists too.
 */
#ifndef V6W_COLLECTOR_CONF_H
#define V6W_COLLECTOR_CONF_H

#include <stddef.h>

#include "cfg.h"
#include "maint.h"

struct target_list;

#define COLLECTOR_PROBES_MAX   1000
#define COLLECTOR_WEBHOOKS_MAX 32
#define COLLECTOR_TOKEN_MAX    256
/* alert.cert_thresholds entries at most (ALERT_THRESHOLDS_MAX). */
#define COLLECTOR_THRESHOLDS_MAX 16

struct probe_auth {
	char *name;
	char *token_file;
	char  token[COLLECTOR_TOKEN_MAX]; /* loaded; never logged */
};

enum webhook_format {
	WEBHOOK_JSON,
	WEBHOOK_SLACK,
	WEBHOOK_ALERTMANAGER,
	WEBHOOK_TELEGRAM,
	WEBHOOK_TEAMS,
	WEBHOOK__N
};

/* Telegram's Bot API, when a telegram webhook names no url. */
#define WEBHOOK_TELEGRAM_URL "https://api.telegram.org"
/* Names of the formats, indexed by enum webhook_format. */
extern const char *const webhook_format_names[WEBHOOK__N];

struct webhook_conf {
	char		   *name;
	char		   *url;
	char		   *secret_file;
	char		   *format_name;
	enum webhook_format format;
	int		    timeout_s;
	int		    give_up_s;
	int		    retry_min_s; /* first backoff, doubled per try */
	int		    retry_max_s; /* backoff cap */
	int		    queue_max;	 /* events queued at most */
	char		   *cacert;
	char		   *chat_id; /* telegram */
	/* Filters; an empty list lets everything through (events: see
	 * webhook.h for the default). */
	struct cfg_strlist groups, families, events, probes;
	int	    min_duration_s; /* down this long before it is sent */
	int	    resend_s;	    /* alertmanager: firing re-sent */
	const char *site_url;	    /* collector.site_url (borrowed) */
	/* secret_file's first line: the HMAC key, or telegram's bot token. */
	char secret[COLLECTOR_TOKEN_MAX]; /* loaded; never logged */
};

struct collector_conf {
	/* collector = { } */
	char *name;
	char *listen;
	char *data_dir;
	char *publish_dir;
	int   step_s;
	char *rrdcached;
	char *tls_cert;
	char *tls_key;
	char *user;
	int   publish_interval_s;
	int   max_connections;
	int   max_per_ip;
	int   conn_timeout_s;
	char *site_url;	    /* the published site's base URL; NULL: none */
	char *targets_file; /* the central target list; NULL: none */
	/* What people read: the language of the site and the messages,
	 * their time zone, and who publishes (NULL: none). */
	char *language;
	char *timezone;
	char *title;
	char *organisation;

	/* alert = { } */
	int down_after;
	int up_after;
	int quorum;
	int cert_warn_days;
	/* cert_thresholds, sorted descending; n == -1: not set (then
	 * cert_warn_days, 14, 7, 1). */
	int cert_thresholds[COLLECTOR_THRESHOLDS_MAX];
	int ncert_thresholds;

	struct probe_auth   *probes;
	size_t		     nprobes;
	struct webhook_conf *webhooks;
	size_t		     nwebhooks;
	/* maintenance = ( ... ): ids "c1", "c2", ... in order */
	struct maint_set maint;
	/* targets_file, loaded (targets.h); NULL: no targets_file */
	struct target_list *targets;
};

/*
 * Load path, reading token and secret files and the targets_file too.
 * prev is the target list running (NULL at start): rows of the
 * targets_file without an id keep the ids it gave them (targets_load()).
 * Problems are recorded in c (caller runs cfg_close); returns NULL when
 * there was any. A config that loads sets the process's time zone and
 * language (i18n.h) -- the zone before the maintenance windows' times are
 * read, which are in it; one that does not leaves them as they were. A
 * language without its catalogue is a warning (English is spoken).
 */
struct collector_conf *collector_conf_load(const char *path,
    const struct target_list *prev, struct cfg *c);
void		       collector_conf_free(struct collector_conf *);
/*
 * The maintenance list of the opened c into ms (appended), problems
 * recorded in c: each entry { targets = [..]; groups = [..]; from = "..";
 * to = ".."; reason = ".."; } (targets or groups or both).
 */
void collector_conf_maintenance(struct cfg *c, struct maint_set *ms);
const struct probe_auth *
collector_conf_probe(const struct collector_conf *, const char *name);

#endif
