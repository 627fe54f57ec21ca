/*
 * conf: collector.conf field tables (names, types, ranges, defaults) and the
 * loader for the collector, probes, alert and webhooks groups.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "alert.h"
#include "maint.h"
#include "conf.h"
#include "i18n.h"
#include "result.h"
#include "state.h"
#include "targets.h"
#include "util.h"

#define CF(f) offsetof(struct collector_conf, f)
#define PA(f) offsetof(struct probe_auth, f)
#define WF(f) offsetof(struct webhook_conf, f)

static const char *
check_rrdcached(const char *s)
{
	if (strncmp(s, "unix:", 5) != 0 || s[5] != '/')
		return "must be unix:/ABSOLUTE/PATH of rrdcached's socket";
	return NULL;
}

const char *const webhook_format_names[WEBHOOK__N] = {"json", "slack",
    "alertmanager", "telegram", "teams"};

static const char *
check_format(const char *s)
{
	for (int i = 0; i < WEBHOOK__N; i++)
		if (strcmp(s, webhook_format_names[i]) == 0)
			return NULL;
	return "must be \"json\", \"slack\", \"alertmanager\", \"telegram\" or \"teams\"";
}

/* The site's base URL: http(s), no query or fragment (pages are
 * appended: SITE_URL/t/SLUG.html). */
static const char *
check_site_url(const char *s)
{
	const char *e = cfg_check_http_url(s);

	if (e != NULL)
		return e;
	if (strpbrk(s, "?# \"<>") != NULL)
		return "must be the site's base URL, without a query, fragment, spaces or quotes, e.g. \"https://v6.example/\"";
	return NULL;
}

/* Telegram chat ids: -100123..., or @channelname. */
static const char *
check_chat_id(const char *s)
{
	size_t i = 0;

	if (s[0] == '@') {
		for (i = 1; s[i] != '\0'; i++)
			if (!(s[i] == '_' || (s[i] >= 'a' && s[i] <= 'z') ||
				(s[i] >= 'A' && s[i] <= 'Z') ||
				(s[i] >= '0' && s[i] <= '9')))
				break;
		return s[i] == '\0' && i > 1 ?
		    NULL :
		    "must be a chat's number (e.g. \"-1001234567890\") or @channelname";
	}
	if (s[0] == '-')
		i = 1;
	if (s[i] == '\0')
		return "must be a chat's number (e.g. \"-1001234567890\") or @channelname";
	for (; s[i] != '\0'; i++)
		if (s[i] < '0' || s[i] > '9')
			return "must be a chat's number (e.g. \"-1001234567890\") or @channelname";
	return NULL;
}

static const char *
check_language(const char *s)
{
	return i18n_language_check(s);
}

static const struct cfg_field collector_fields[] = {
    {"name", CFG_STR, CF(name), 0, 64, 0, NULL, 1, cfg_check_name},
    {"listen", CFG_STR, CF(listen), 0, 128, 0, "[::]:8080", 0,
	cfg_check_listen},
    {"data_dir", CFG_PATH, CF(data_dir), 0, 0, 0, "/var/lib/v6watch", 0, NULL},
    /* default: DATA_DIR/site, set after loading */
    {"publish_dir", CFG_PATH, CF(publish_dir), 0, 0, 0, NULL, 0, NULL},
    {"step", CFG_INT, CF(step_s), 1, 86400, STATE_STEP_DEFAULT, NULL, 0, NULL},
    {"rrdcached", CFG_STR, CF(rrdcached), 0, 1024, 0, NULL, 0, check_rrdcached},
    {"tls_cert", CFG_PATH, CF(tls_cert), 0, 0, 0, NULL, 0, NULL},
    {"tls_key", CFG_PATH, CF(tls_key), 0, 0, 0, NULL, 0, NULL},
    {"user", CFG_STR, CF(user), 0, 32, 0, "v6watch", 0, cfg_check_name},
    {"publish_interval", CFG_INT, CF(publish_interval_s), 0, 86400, 300, NULL,
	0, NULL},
    {"max_connections", CFG_INT, CF(max_connections), 4, 100000, 1024, NULL, 0,
	NULL},
    {"max_per_ip", CFG_INT, CF(max_per_ip), 1, 100000, 64, NULL, 0, NULL},
    {"connection_timeout", CFG_INT, CF(conn_timeout_s), 1, 3600, 30, NULL, 0,
	NULL},
    {"site_url", CFG_STR, CF(site_url), 0, 1024, 0, NULL, 0, check_site_url},
    {"targets_file", CFG_PATH, CF(targets_file), 0, 0, 0, NULL, 0, NULL},
    {"language", CFG_STR, CF(language), 0, 16, 0, I18N_DEFAULT_LANGUAGE, 0,
	check_language},
    /* checked in load_i18n (a file of the tz database) */
    {"timezone", CFG_STR, CF(timezone), 0, 255, 0, I18N_DEFAULT_TIMEZONE, 0,
	NULL},
    {"title", CFG_STR, CF(title), 0, 200, 0, NULL, 0, NULL},
    {"organisation", CFG_STR, CF(organisation), 0, 200, 0, NULL, 0, NULL},
};

static const struct cfg_field alert_fields[] = {
    {"down_after", CFG_INT, CF(down_after), 1, 1000, STATE_DOWN_AFTER_DEFAULT,
	NULL, 0, NULL},
    {"up_after", CFG_INT, CF(up_after), 1, 1000, STATE_UP_AFTER_DEFAULT, NULL,
	0, NULL},
    {"quorum", CFG_INT, CF(quorum), 1, 1000, STATE_QUORUM_DEFAULT, NULL, 0,
	NULL},
    {"cert_warn_days", CFG_INT, CF(cert_warn_days), 0, 3650,
	ALERT_CERT_WARN_DAYS_DEFAULT, NULL, 0, NULL},
    {"cert_thresholds", CFG_GROUP, 0, 0, 0, 0, NULL, 0, NULL},
};

static const struct cfg_field probe_fields[] = {
    {"name", CFG_STR, PA(name), 0, 64, 0, NULL, 1, cfg_check_name},
    {"token_file", CFG_PATH, PA(token_file), 0, 0, 0, NULL, 1, NULL},
};

static const struct cfg_field webhook_fields[] = {
    {"name", CFG_STR, WF(name), 0, 64, 0, NULL, 1, cfg_check_name},
    /* url: required but for telegram; secret_file: but for alertmanager
     * and teams (checked in load_secrets) */
    {"url", CFG_STR, WF(url), 0, 2048, 0, NULL, 0, cfg_check_http_url},
    {"secret_file", CFG_PATH, WF(secret_file), 0, 0, 0, NULL, 0, NULL},
    {"format", CFG_STR, WF(format_name), 0, 16, 0, "json", 0, check_format},
    {"timeout", CFG_INT, WF(timeout_s), 1, 300, 10, NULL, 0, NULL},
    {"give_up_after", CFG_INT, WF(give_up_s), 1, 30 * 86400, 86400, NULL, 0,
	NULL},
    {"retry_min", CFG_INT, WF(retry_min_s), 1, 3600, 5, NULL, 0, NULL},
    {"retry_max", CFG_INT, WF(retry_max_s), 1, 86400, 600, NULL, 0, NULL},
    {"queue_max", CFG_INT, WF(queue_max), 1, 1000000, 10000, NULL, 0, NULL},
    {"cacert", CFG_PATH, WF(cacert), 0, 0, 0, NULL, 0, NULL},
    {"chat_id", CFG_STR, WF(chat_id), 0, 64, 0, NULL, 0, check_chat_id},
    {"groups", CFG_STRLIST, WF(groups), 0, 256, 0, NULL, 0, NULL},
    {"families", CFG_STRLIST, WF(families), 0, 8, 0, NULL, 0, NULL},
    {"events", CFG_STRLIST, WF(events), 0, 32, 0, NULL, 0, NULL},
    {"probes", CFG_STRLIST, WF(probes), 0, 64, 0, NULL, 0, NULL},
    {"min_duration", CFG_INT, WF(min_duration_s), 0, 7 * 86400, 0, NULL, 0,
	NULL},
    {"resend_interval", CFG_INT, WF(resend_s), 10, 3600, 60, NULL, 0, NULL},
};

static int
int_desc(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return x > y ? -1 : x < y;
}

/* alert.cert_thresholds = [30, 14, 7, 1]: days, distinct, 0..3650. */
static void
load_thresholds(struct cfg *c, const config_setting_t *alert,
    struct collector_conf *cc)
{
	const config_setting_t *l;
	int			n;

	cc->ncert_thresholds = -1;
	if (alert == NULL ||
	    (l = config_setting_get_member(alert, "cert_thresholds")) == NULL)
		return;
	if (config_setting_get_member(alert, "cert_warn_days") != NULL) {
		cfg_error(c, l,
		    "alert.cert_thresholds: set it or cert_warn_days, not both");
		return;
	}
	if (!config_setting_is_array(l) && !config_setting_is_list(l)) {
		cfg_error(c, l,
		    "alert.cert_thresholds: must be a list of days, e.g. [30, 14, 7, 1]");
		return;
	}
	n = config_setting_length(l);
	if (n > COLLECTOR_THRESHOLDS_MAX) {
		cfg_error(c, l, "alert.cert_thresholds: more than %d entries",
		    COLLECTOR_THRESHOLDS_MAX);
		return;
	}
	cc->ncert_thresholds = 0;
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(l, i);
		long long		v;

		if (config_setting_type(e) != CONFIG_TYPE_INT &&
		    config_setting_type(e) != CONFIG_TYPE_INT64) {
			cfg_error(c, e,
			    "alert.cert_thresholds[%d]: must be an integer", i);
			continue;
		}
		v = config_setting_get_int64(e);
		if (v < 0 || v > 3650) {
			cfg_error(c, e,
			    "alert.cert_thresholds[%d]: %lld is out of range 0..3650",
			    i, v);
			continue;
		}
		for (int j = 0; j < cc->ncert_thresholds; j++)
			if (cc->cert_thresholds[j] == v) {
				cfg_error(c, e,
				    "alert.cert_thresholds[%d]: %lld is listed twice",
				    i, v);
				v = -1;
				break;
			}
		if (v >= 0)
			cc->cert_thresholds[cc->ncert_thresholds++] = (int)v;
	}
	qsort(cc->cert_thresholds, (size_t)cc->ncert_thresholds,
	    sizeof(cc->cert_thresholds[0]), int_desc);
}

static const char *const collector_root[] = {"collector", "probes", "alert",
    "webhooks", "maintenance"};

/* Load a list of groups into a fresh array of elem-sized structs. */
static void *
load_list(struct cfg *c, const config_setting_t *l, const char *what,
    const struct cfg_field *fields, size_t nfields, size_t elem, size_t max,
    size_t *np)
{
	char *v;
	int   n;

	*np = 0;
	if (l == NULL)
		return NULL;
	if (!config_setting_is_list(l)) {
		cfg_error(c, l, "%s: must be a list ( { ... }, ... )", what);
		return NULL;
	}
	n = config_setting_length(l);
	if ((size_t)n > max) {
		cfg_error(c, l, "%s: more than %zu entries", what, max);
		return NULL;
	}
	v = xcalloc((size_t)n, elem);
	for (int i = 0; i < n; i++) {
		char w[48];

		snprintf(w, sizeof(w), "%s[%d]", what, i);
		cfg_load_fields(c, config_setting_get_elem(l, i), w, fields,
		    nfields, v + (size_t)i * elem);
	}
	*np = (size_t)n;
	return v;
}

/*
 * Two probes with one token could post as each other: an error naming both
 * (never the token). Digests compared with CRYPTO_memcmp, as ct_equal()
 * does, but each token hashed once: 1,000 probes make 500,000 pairs.
 */
static void
check_shared_tokens(struct cfg *c, struct collector_conf *cc,
    const config_setting_t *probes)
{
	unsigned char(*md)[SHA256_DIGEST_LENGTH];
	unsigned char *have;

	if (cc->nprobes < 2)
		return;
	md = xcalloc(cc->nprobes, sizeof(*md));
	have = xcalloc(cc->nprobes, 1);
	for (size_t i = 0; i < cc->nprobes; i++) {
		const struct probe_auth *p = &cc->probes[i];

		if (p->name == NULL || p->token[0] == '\0')
			continue;
		SHA256((const unsigned char *)p->token, strlen(p->token),
		    md[i]);
		have[i] = 1;
	}
	for (size_t i = 1; i < cc->nprobes; i++) {
		const struct probe_auth *p = &cc->probes[i];

		for (size_t j = 0; have[i] && j < i; j++) {
			const struct probe_auth *q = &cc->probes[j];

			if (!have[j] ||
			    CRYPTO_memcmp(md[i], md[j], sizeof(md[i])) != 0)
				continue;
			cfg_error(c, config_setting_get_elem(probes, (int)i),
			    "probes[%zu]: probe '%s' (token_file %s) has the same token as probe '%s' (probes[%zu], token_file %s); give each probe a token of its own",
			    i, p->name, p->token_file, q->name, j,
			    q->token_file);
			break;
		}
	}
	OPENSSL_cleanse(md, cc->nprobes * sizeof(*md));
	free(md);
	free(have);
}

/* A bot token goes into the URL's path: 123456:ABC-def_... only. */
static int
telegram_token_ok(const char *t)
{
	const char *colon = strchr(t, ':');

	if (colon == NULL || colon == t || colon[1] == '\0')
		return 0;
	for (const char *p = t; *p != '\0'; p++)
		if (!(p == colon || (*p >= '0' && *p <= '9') ||
			(p > colon &&
			    ((*p >= 'a' && *p <= 'z') ||
				(*p >= 'A' && *p <= 'Z') || *p == '_' ||
				*p == '-'))))
			return 0;
	return 1;
}

/* A list of names, each among allowed[] (NULL-terminated). */
static void
check_names(struct cfg *c, const config_setting_t *e, size_t i, const char *key,
    const struct cfg_strlist *l, const char *const *allowed, const char *hint)
{
	for (size_t k = 0; k < l->n; k++) {
		size_t a;

		for (a = 0; allowed[a] != NULL; a++)
			if (strcmp(l->v[k], allowed[a]) == 0)
				break;
		if (allowed[a] == NULL)
			cfg_error(c, config_setting_get_member(e, key),
			    "webhooks[%zu].%s: '%s' is not one of %s", i, key,
			    l->v[k], hint);
	}
}

/* What depends on the format, and the filters' names. */
static void
check_webhook(struct cfg *c, const config_setting_t *e, size_t i,
    struct webhook_conf *w)
{
	static const char *const fams[] = {"ipv6", "ipv4", NULL};
	static const char *const evs[] = {"state_changed", "cert_expiring",
	    "readiness_changed", NULL};
	const char		*fmt = webhook_format_names[w->format];

	if (w->url == NULL && w->format != WEBHOOK_TELEGRAM)
		cfg_error(c, e, "webhooks[%zu]: url is missing (format %s)", i,
		    fmt);
	if (w->secret_file == NULL &&
	    (w->format == WEBHOOK_JSON || w->format == WEBHOOK_SLACK))
		cfg_error(c, e,
		    "webhooks[%zu]: secret_file is missing (the key that signs each body; format %s)",
		    i, fmt);
	if (w->format == WEBHOOK_TELEGRAM) {
		if (w->secret_file == NULL)
			cfg_error(c, e,
			    "webhooks[%zu]: secret_file is missing (format telegram: the file holding the bot token)",
			    i);
		if (w->chat_id == NULL)
			cfg_error(c, e,
			    "webhooks[%zu]: chat_id is missing (format telegram: the chat to write to)",
			    i);
	} else if (w->chat_id != NULL)
		cfg_error(c, config_setting_get_member(e, "chat_id"),
		    "webhooks[%zu].chat_id: only for format \"telegram\"", i);
	if (w->format != WEBHOOK_ALERTMANAGER &&
	    config_setting_get_member(e, "resend_interval") != NULL)
		cfg_error(c, config_setting_get_member(e, "resend_interval"),
		    "webhooks[%zu].resend_interval: only for format \"alertmanager\"",
		    i);
	check_names(c, e, i, "families", &w->families, fams,
	    "\"ipv6\", \"ipv4\"");
	check_names(c, e, i, "events", &w->events, evs,
	    "\"state_changed\", \"cert_expiring\", \"readiness_changed\"");
}

static void
load_secrets(struct cfg *c, struct collector_conf *cc,
    const config_setting_t *probes, const config_setting_t *hooks)
{
	char what[64];

	for (size_t i = 0; i < cc->nprobes; i++) {
		struct probe_auth      *p = &cc->probes[i];
		const config_setting_t *e = config_setting_get_elem(probes, i);

		if (p->token_file == NULL)
			continue;
		snprintf(what, sizeof(what), "probes[%zu].token_file", i);
		cfg_secret(c, config_setting_get_member(e, "token_file"), what,
		    p->token_file, cc->user, p->token, sizeof(p->token));
		for (size_t j = 0; j < i; j++)
			if (p->name != NULL && cc->probes[j].name != NULL &&
			    strcmp(p->name, cc->probes[j].name) == 0)
				cfg_error(c, e,
				    "probes[%zu]: name '%s' used twice", i,
				    p->name);
	}
	check_shared_tokens(c, cc, probes);
	for (size_t i = 0; i < cc->nwebhooks; i++) {
		struct webhook_conf    *w = &cc->webhooks[i];
		const config_setting_t *e = config_setting_get_elem(hooks, i);

		w->site_url = cc->site_url;
		w->format = WEBHOOK_JSON;
		for (int f = 0; w->format_name != NULL && f < WEBHOOK__N; f++)
			if (strcmp(w->format_name, webhook_format_names[f]) ==
			    0)
				w->format = (enum webhook_format)f;
		check_webhook(c, e, i, w);
		snprintf(what, sizeof(what), "webhooks[%zu].secret_file", i);
		if (w->secret_file != NULL &&
		    cfg_secret(c, config_setting_get_member(e, "secret_file"),
			what, w->secret_file, cc->user, w->secret,
			sizeof(w->secret)) == 0 &&
		    w->format == WEBHOOK_TELEGRAM &&
		    !telegram_token_ok(w->secret))
			cfg_error(c,
			    config_setting_get_member(e, "secret_file"),
			    "webhooks[%zu].secret_file: %s does not hold a bot token as @BotFather gives it (digits, ':', then letters, digits, '_' or '-')",
			    i, w->secret_file);
		if (w->retry_max_s < w->retry_min_s)
			cfg_error(c, e,
			    "webhooks[%zu]: retry_max (%d) is below retry_min (%d)",
			    i, w->retry_max_s, w->retry_min_s);
		for (size_t j = 0; j < i; j++)
			if (w->name != NULL && cc->webhooks[j].name != NULL &&
			    strcmp(w->name, cc->webhooks[j].name) == 0)
				cfg_error(c, e,
				    "webhooks[%zu]: name '%s' used twice", i,
				    w->name);
	}
}

#define MAINT_TIME_HINT \
	"write \"2026-12-06 22:00\" (the collector's local time), \"2026-12-06T22:00Z\" or \"2026-12-06T22:00+01:00\""

/* maintenance[i].key: a list of names into l. */
static void
maint_names(struct cfg *c, const config_setting_t *e, int i, const char *key,
    struct cfg_strlist *l)
{
	const config_setting_t *s = config_setting_get_member(e, key);
	int			n;

	if (s == NULL)
		return;
	if (!config_setting_is_array(s) && !config_setting_is_list(s)) {
		cfg_error(c, s,
		    "maintenance[%d].%s: must be a list of names, e.g. [ \"portal\" ]",
		    i, key);
		return;
	}
	n = config_setting_length(s);
	if (n > MAINT_NAMES_MAX) {
		cfg_error(c, s, "maintenance[%d].%s: more than %d names", i,
		    key, MAINT_NAMES_MAX);
		return;
	}
	l->v = n > 0 ? xcalloc((size_t)n, sizeof(*l->v)) : NULL;
	for (int k = 0; k < n; k++) {
		const config_setting_t *x = config_setting_get_elem(s, k);
		const char	       *v = config_setting_get_string(x);

		if (v == NULL || v[0] == '\0' || strlen(v) >= RESULT_NAME_MAX ||
		    str_has_ctrl(v)) {
			cfg_error(c, x,
			    "maintenance[%d].%s[%d]: must be a name (a string, 1 to %d characters)",
			    i, key, k, RESULT_NAME_MAX - 1);
			continue;
		}
		l->v[l->n++] = xstrdup(v);
	}
}

/* maintenance[i].key: a time into *t; 0 or -1 (recorded). */
static int
maint_time(struct cfg *c, const config_setting_t *e, int i, const char *key,
    double *t)
{
	const config_setting_t *s = config_setting_get_member(e, key);
	const char	       *v;

	if (s == NULL) {
		cfg_error(c, e, "maintenance[%d]: %s is missing; %s", i, key,
		    MAINT_TIME_HINT);
		return -1;
	}
	v = config_setting_get_string(s);
	if (v == NULL || maint_parse_time(v, t) == -1) {
		cfg_error(c, s, "maintenance[%d].%s: %s%s%s is not a time; %s",
		    i, key, v != NULL ? "\"" : "", v != NULL ? v : "the value",
		    v != NULL ? "\"" : "", MAINT_TIME_HINT);
		return -1;
	}
	return 0;
}

void
collector_conf_maintenance(struct cfg *c, struct maint_set *ms)
{
	static const char *const keys[] = {"targets", "groups", "from", "to",
	    "reason"};
	const config_setting_t	*l =
	    config_setting_get_member(config_root_setting(&c->lc),
		"maintenance");
	int n;

	if (l == NULL)
		return;
	if (!config_setting_is_list(l)) {
		cfg_error(c, l,
		    "maintenance: must be a list ( { targets = [ ... ]; from = \"...\"; to = \"...\"; }, ... )");
		return;
	}
	n = config_setting_length(l);
	if (n > MAINT_MAX) {
		cfg_error(c, l, "maintenance: more than %d entries", MAINT_MAX);
		return;
	}
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(l, i), *r;
		struct maint_window	w;
		int			bad = 0;

		if (!config_setting_is_group(e)) {
			cfg_error(c, e,
			    "maintenance[%d]: must be a group { ... }", i);
			continue;
		}
		for (int k = 0; k < config_setting_length(e); k++) {
			const config_setting_t *m =
			    config_setting_get_elem(e, k);
			size_t j;

			for (j = 0; j < NELEM(keys); j++)
				if (strcmp(config_setting_name(m), keys[j]) ==
				    0)
					break;
			if (j == NELEM(keys)) {
				cfg_error(c, m,
				    "maintenance[%d]: unknown setting '%s' (targets, groups, from, to, reason)",
				    i, config_setting_name(m));
				bad = 1;
			}
		}
		memset(&w, 0, sizeof(w));
		snprintf(w.id, sizeof(w.id), "c%d", i + 1);
		w.line = config_setting_source_line(e);
		maint_names(c, e, i, "targets", &w.targets);
		maint_names(c, e, i, "groups", &w.groups);
		if (w.targets.n + w.groups.n == 0) {
			cfg_error(c, e,
			    "maintenance[%d]: name targets = [ ... ] or groups = [ ... ] (or both)",
			    i);
			bad = 1;
		}
		if (maint_time(c, e, i, "from", &w.from) == -1 ||
		    maint_time(c, e, i, "to", &w.to) == -1)
			bad = 1;
		else if (w.from >= w.to) {
			cfg_error(c, config_setting_get_member(e, "from"),
			    "maintenance[%d]: from (%s) is not before to (%s)",
			    i,
			    config_setting_get_string(
				config_setting_get_member(e, "from")),
			    config_setting_get_string(
				config_setting_get_member(e, "to")));
			bad = 1;
		}
		if ((r = config_setting_get_member(e, "reason")) != NULL) {
			const char *v = config_setting_get_string(r);

			if (v == NULL || strlen(v) >= MAINT_REASON_MAX ||
			    str_has_ctrl(v)) {
				cfg_error(c, r,
				    "maintenance[%d].reason: must be a string of at most %d characters on one line",
				    i, MAINT_REASON_MAX - 1);
				bad = 1;
			} else
				w.reason = xstrdup(v);
		}
		if (!bad)
			maint_set_add(ms, &w);
		maint_window_free(&w);
	}
}

/*
 * collector.targets_file: the list, its problems in c; a name in its
 * probes that collector.conf does not know is a warning.
 */
static void
load_targets(struct cfg *c, struct collector_conf *cc,
    const struct target_list *prev)
{
	const char **names;

	cc->targets = targets_load(cc->targets_file, prev, c);
	if (cc->targets == NULL)
		return;
	names = xcalloc(cc->nprobes + 1, sizeof(*names));
	for (size_t i = 0; i < cc->nprobes; i++)
		names[i] = cc->probes[i].name != NULL ? cc->probes[i].name : "";
	targets_check_probes(cc->targets, names, cc->nprobes, c);
	free(names);
}

/* What load_i18n changed, to put back when the config does not load. */
struct i18n_prev {
	char *tz; /* TZ as it was; NULL: not set */
	int   changed;
};

/*
 * collector.timezone: a zone of the tz database (an error at its line),
 * set at once, for the maintenance windows' times. The language: a
 * warning when its catalogue is missing.
 */
static void
load_i18n(struct cfg *c, const config_setting_t *root,
    const struct collector_conf *cc, struct i18n_prev *prev)
{
	const config_setting_t *s =
	    config_setting_lookup((config_setting_t *)root,
		"collector.timezone");
	const config_setting_t *l =
	    config_setting_lookup((config_setting_t *)root,
		"collector.language");
	const char *v;
	char	    err[1024];

	if (cc->timezone != NULL &&
	    i18n_timezone_check(cc->timezone, err, sizeof(err)) == -1) {
		cfg_error(c, s, "collector.timezone: %s", err);
		return;
	}
	if (cc->language != NULL && !i18n_language_builtin(cc->language) &&
	    i18n_language_check(cc->language) == NULL &&
	    i18n_catalogue(cc->language, err, sizeof(err)) == -1)
		cfg_warn(c, l,
		    "collector.language: no catalogue %s for \"%s\": the site and the messages stay in English (install it, or set V6WATCH_LOCALEDIR to the folder holding %s/LC_MESSAGES/%s.mo)",
		    err, cc->language, cc->language, I18N_DOMAIN);
	if (c->nerrs > 0 || cc->timezone == NULL)
		return;
	prev->tz = (v = getenv("TZ")) != NULL ? xstrdup(v) : NULL;
	prev->changed = 1;
	i18n_set_timezone(cc->timezone);
}

/* The config loaded: its language. It did not: the zone it set undone. */
static void
load_i18n_end(struct collector_conf *cc, struct i18n_prev *prev, int ok)
{
	char err[1024];

	if (ok && cc->language != NULL)
		(void)i18n_set_language(cc->language, err, sizeof(err));
	else if (!ok && prev->changed) {
		if (prev->tz != NULL)
			i18n_set_timezone(prev->tz);
		else {
			unsetenv("TZ");
			tzset();
		}
	}
	free(prev->tz);
}

struct collector_conf *
collector_conf_load(const char *path, const struct target_list *prev,
    struct cfg *c)
{
	struct collector_conf *cc = xcalloc(1, sizeof(*cc));
	config_setting_t      *root, *probes, *hooks, *s;
	struct i18n_prev       ip = {NULL, 0};

	if (cfg_open(c, path) == -1)
		goto fail;
	root = config_root_setting(&c->lc);
	cfg_check_root(c, collector_root, NELEM(collector_root));
	cfg_load_fields(c, config_setting_get_member(root, "collector"),
	    "collector", collector_fields, NELEM(collector_fields), cc);
	load_i18n(c, root, cc, &ip);
	if (cc->publish_dir == NULL && cc->data_dir != NULL) {
		size_t n = strlen(cc->data_dir) + sizeof("/site");

		cc->publish_dir = xcalloc(1, n);
		snprintf(cc->publish_dir, n, "%s/site", cc->data_dir);
	}
	s = config_setting_get_member(root, "alert");
	if (s != NULL)
		cfg_load_fields(c, s, "alert", alert_fields,
		    NELEM(alert_fields), cc);
	else
		cfg_defaults(c, alert_fields, NELEM(alert_fields), cc);
	load_thresholds(c, s, cc);
	if ((cc->tls_cert == NULL) != (cc->tls_key == NULL))
		cfg_error(c, config_setting_get_member(root, "collector"),
		    "collector: tls_cert and tls_key go together");

	probes = config_setting_get_member(root, "probes");
	if (probes == NULL)
		cfg_error(c, NULL,
		    "probes: missing (list the probes allowed to post, each with name and token_file)");
	cc->probes =
	    load_list(c, probes, "probes", probe_fields, NELEM(probe_fields),
		sizeof(struct probe_auth), COLLECTOR_PROBES_MAX, &cc->nprobes);
	hooks = config_setting_get_member(root, "webhooks");
	cc->webhooks = load_list(c, hooks, "webhooks", webhook_fields,
	    NELEM(webhook_fields), sizeof(struct webhook_conf),
	    COLLECTOR_WEBHOOKS_MAX, &cc->nwebhooks);
	if (cc->quorum > (int)cc->nprobes && cc->nprobes > 0)
		cfg_error(c, config_setting_get_member(root, "alert"),
		    "alert.quorum: %d is more than the %zu probes configured",
		    cc->quorum, cc->nprobes);
	collector_conf_maintenance(c, &cc->maint);
	if (cc->targets_file != NULL)
		load_targets(c, cc, prev);
	if (c->nerrs == 0)
		load_secrets(c, cc, probes, hooks);
	if (c->nerrs > 0 || c->dropped > 0)
		goto fail;
	load_i18n_end(cc, &ip, 1);
	return cc;
fail:
	load_i18n_end(cc, &ip, 0);
	collector_conf_free(cc);
	return NULL;
}

void
collector_conf_free(struct collector_conf *cc)
{
	if (cc == NULL)
		return;
	cfg_free_fields(collector_fields, NELEM(collector_fields), cc);
	for (size_t i = 0; i < cc->nprobes; i++) {
		cfg_free_fields(probe_fields, NELEM(probe_fields),
		    &cc->probes[i]);
		OPENSSL_cleanse(cc->probes[i].token,
		    sizeof(cc->probes[i].token));
	}
	for (size_t i = 0; i < cc->nwebhooks; i++) {
		cfg_free_fields(webhook_fields, NELEM(webhook_fields),
		    &cc->webhooks[i]);
		OPENSSL_cleanse(cc->webhooks[i].secret,
		    sizeof(cc->webhooks[i].secret));
	}
	free(cc->probes);
	free(cc->webhooks);
	maint_set_free(&cc->maint);
	targets_free(cc->targets);
	free(cc);
}

const struct probe_auth *
collector_conf_probe(const struct collector_conf *cc, const char *name)
{
	for (size_t i = 0; i < cc->nprobes; i++)
		if (strcmp(cc->probes[i].name, name) == 0)
			return &cc->probes[i];
	return NULL;
}
