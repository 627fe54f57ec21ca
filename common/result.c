/*
 * result: JSON names of outcomes, warnings, families and phases, and the
 * codec of the result record. Decoding trusts nothing: every field's type,
 * range and length is checked and the first bad one is named.
 */
#include <arpa/inet.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "result.h"
#include "util.h"

static const char *const family_names[FAMILY__N] = {"ipv6", "ipv4"};

static const char *const outcome_names[OUTCOME__N] = {
    [OUTCOME_OK] = "ok",
    [OUTCOME_NO_ADDRESS] = "no_address",
    [OUTCOME_DNS_ERROR] = "dns_error",
    [OUTCOME_TIMEOUT] = "timeout",
    [OUTCOME_REFUSED] = "refused",
    [OUTCOME_UNREACHABLE] = "unreachable",
    [OUTCOME_TLS_ERROR] = "tls_error",
    [OUTCOME_CERT_EXPIRED] = "cert_expired",
    [OUTCOME_CERT_NAME_MISMATCH] = "cert_name_mismatch",
    [OUTCOME_CERT_UNTRUSTED] = "cert_untrusted",
    [OUTCOME_HTTP_ERROR] = "http_error",
    [OUTCOME_STALL] = "stall",
    [OUTCOME_ERROR] = "error",
};

static const char *const warning_names[WARN__N] = {
    [WARN_CERT_EXPIRING] = "cert_expiring",
    [WARN_SLOW] = "slow",
    [WARN_CONTENT_MISMATCH] = "content_mismatch",
    [WARN_PARTIAL_REACHABILITY] = "partial_reachability",
    [WARN_NS_NO_IPV6] = "ns_no_ipv6",
    [WARN_PROBE_OFFLINE] = "probe_offline",
    [WARN_HTTP_NO_IPV6] = "http_no_ipv6",
};

static const char *const phase_names[PHASE__N] = {"dns", "connect", "tls",
    "ttfb", "total"};

static const char *const traffic_fam[3] = {"ipv6", "ipv4", "other"};

const char *
family_name(enum family f)
{
	return (unsigned)f < FAMILY__N ? family_names[f] : "?";
}

const char *
outcome_name(enum outcome o)
{
	return (unsigned)o < OUTCOME__N ? outcome_names[o] : "?";
}

const char *
warning_name(enum warning w)
{
	return (unsigned)w < WARN__N ? warning_names[w] : "?";
}

const char *
phase_name(enum phase p)
{
	return (unsigned)p < PHASE__N ? phase_names[p] : "?";
}

static int
name_lookup(const char *const *names, int n, const char *s)
{
	for (int i = 0; i < n; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -1;
}

int
family_from_name(const char *s)
{
	return name_lookup(family_names, FAMILY__N, s);
}

int
outcome_from_name(const char *s)
{
	return name_lookup(outcome_names, OUTCOME__N, s);
}

int
warning_from_name(const char *s)
{
	return name_lookup(warning_names, WARN__N, s);
}

void
result_init(struct result *r)
{
	memset(r, 0, sizeof(*r));
	r->kind = RESULT_CHECK;
	r->outcome = OUTCOME_ERROR;
	r->score = -1;
	r->ready = -1;
	r->cert_days_left = 0;
	for (int i = 0; i < PHASE__N; i++)
		r->ms[i] = -1;
}

/* encoding */

/* Milliseconds to one decimal, so the JSON stays short and readable. */
static double
ms_round(double v)
{
	return round(v * 10.0) / 10.0;
}

static void
add_string(cJSON *o, const char *key, const char *s)
{
	if (s[0] != '\0')
		cJSON_AddStringToObject(o, key, s);
}

static void
traffic_to_json(const struct result *r, cJSON *root)
{
	const struct result_traffic *t = &r->traffic;
	cJSON			    *pk, *by, *ic;
	double ipbytes = (double)t->bytes[0] + (double)t->bytes[1];

	cJSON_AddStringToObject(root, "iface", t->iface);
	cJSON_AddNumberToObject(root, "interval_s", t->interval_s);
	pk = cJSON_AddObjectToObject(root, "packets");
	by = cJSON_AddObjectToObject(root, "bytes");
	for (int i = 0; i < 3; i++) {
		cJSON_AddNumberToObject(pk, traffic_fam[i],
		    (double)t->packets[i]);
		cJSON_AddNumberToObject(by, traffic_fam[i],
		    (double)t->bytes[i]);
	}
	cJSON_AddNumberToObject(root, "ipv6_share",
	    ipbytes > 0 ? round((double)t->bytes[0] / ipbytes * 1e4) / 1e4 : 0);
	ic = cJSON_AddObjectToObject(root, "icmpv6");
	cJSON_AddNumberToObject(ic, "packet_too_big", (double)t->ptb);
	cJSON_AddNumberToObject(ic, "dest_unreachable", (double)t->unreach);
	cJSON_AddNumberToObject(root, "drops", (double)t->drops);
}

cJSON *
result_to_json(const struct result *r)
{
	cJSON *root = cJSON_CreateObject(), *o, *a;

	if (r->kind == RESULT_TRAFFIC)
		cJSON_AddStringToObject(root, "kind", "traffic");
	cJSON_AddStringToObject(root, "probe", r->probe);
	if (r->kind == RESULT_TRAFFIC) {
		cJSON_AddNumberToObject(root, "ts", r->ts);
		if (r->seq != 0)
			cJSON_AddNumberToObject(root, "seq", (double)r->seq);
		traffic_to_json(r, root);
		return root;
	}
	cJSON_AddStringToObject(root, "target", r->target);
	add_string(root, "title", r->title);
	add_string(root, "group", r->group);
	cJSON_AddStringToObject(root, "url", r->url);
	cJSON_AddStringToObject(root, "family", family_name(r->family));
	cJSON_AddNumberToObject(root, "ts", r->ts);
	if (r->seq != 0)
		cJSON_AddNumberToObject(root, "seq", (double)r->seq);
	cJSON_AddStringToObject(root, "outcome", outcome_name(r->outcome));
	a = cJSON_AddArrayToObject(root, "warnings");
	for (int w = 0; w < WARN__N; w++)
		if (r->warnings & WARN_BIT(w))
			cJSON_AddItemToArray(a,
			    cJSON_CreateString(warning_name(w)));
	if (r->naddrs > 0) {
		a = cJSON_AddArrayToObject(root, "addresses");
		for (size_t i = 0; i < r->naddrs && i < RESULT_ADDR_MAX; i++) {
			const struct result_addr *ad = &r->addrs[i];

			o = cJSON_CreateObject();
			cJSON_AddItemToArray(a, o);
			cJSON_AddStringToObject(o, "ip", ad->ip);
			cJSON_AddStringToObject(o, "outcome",
			    outcome_name(ad->outcome));
			if (ad->connect_ms >= 0)
				cJSON_AddNumberToObject(o, "connect_ms",
				    ms_round(ad->connect_ms));
		}
	}
	add_string(root, "remote", r->remote);
	o = cJSON_AddObjectToObject(root, "ms");
	for (int p = 0; p < PHASE__N; p++)
		if (r->ms[p] >= 0)
			cJSON_AddNumberToObject(o, phase_name(p),
			    ms_round(r->ms[p]));
	if (r->has_http) {
		o = cJSON_AddObjectToObject(root, "http");
		cJSON_AddNumberToObject(o, "status", r->http_status);
		cJSON_AddNumberToObject(o, "bytes", (double)r->http_bytes);
		add_string(o, "sha256", r->sha256);
		add_string(o, "effective_url", r->effective_url);
	}
	if (r->has_tls) {
		o = cJSON_AddObjectToObject(root, "tls");
		add_string(o, "version", r->tls_version);
		if (r->has_cert)
			cJSON_AddNumberToObject(o, "cert_days_left",
			    r->cert_days_left);
		add_string(o, "issuer", r->issuer);
	}
	if (r->has_http80[FAMILY_IPV6] || r->has_http80[FAMILY_IPV4]) {
		o = cJSON_AddObjectToObject(root, "http80");
		for (int f = 0; f < FAMILY__N; f++)
			if (r->has_http80[f])
				cJSON_AddStringToObject(o, family_name(f),
				    outcome_name(r->http80[f]));
	}
	if (r->ready >= 0)
		cJSON_AddBoolToObject(root, "ready", r->ready);
	if (r->score >= 0)
		cJSON_AddNumberToObject(root, "score", r->score);
	if (r->outcome != OUTCOME_OK || r->error[0] != '\0')
		cJSON_AddStringToObject(root, "error",
		    r->error[0] != '\0' ? r->error : outcome_name(r->outcome));
	return root;
}

const char *
result_check_title(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	const char	    *ctrl = NULL;

	if (strlen(s) >= RESULT_TITLE_MAX)
		return "longer than 256 bytes";
	while (*p != '\0') {
		uint32_t cp, min;
		int	 n;

		if (*p < 0x80) {
			if (*p < 0x20 || *p == 0x7f)
				ctrl = "contains control characters";
			p++;
			continue;
		}
		if ((*p & 0xe0) == 0xc0) {
			n = 1;
			cp = *p & 0x1f;
			min = 0x80;
		} else if ((*p & 0xf0) == 0xe0) {
			n = 2;
			cp = *p & 0x0f;
			min = 0x800;
		} else if ((*p & 0xf8) == 0xf0) {
			n = 3;
			cp = *p & 0x07;
			min = 0x10000;
		} else
			return "not valid UTF-8";
		/* a NUL ends the loop at once: never read past it */
		for (int i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return "not valid UTF-8";
			cp = cp << 6 | (p[i] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return "not valid UTF-8";
		if (cp <= 0x9f) /* C1 controls, U+0080..U+009F */
			ctrl = "contains control characters";
		p += n + 1;
	}
	return ctrl;
}

/* decoding */

struct dec {
	char  *err;
	size_t errlen;
};

static int
dec_fail(struct dec *d, const char *prefix, const char *key, const char *msg)
{
	snprintf(d->err, d->errlen, "field '%s%s': %s", prefix, key, msg);
	return -1;
}

/*
 * Every key of o must be one of keys[] and appear once. Objects are small
 * and the check stops at the first stray key, so a hostile object with a
 * million keys costs one pass at most.
 */
static int
dec_keys(struct dec *d, const cJSON *o, const char *prefix,
    const char *const *keys, int nkeys)
{
	uint64_t seen = 0;

	if (!cJSON_IsObject(o)) {
		if (prefix[0] == '\0')
			snprintf(d->err, d->errlen,
			    "record must be a JSON object");
		else
			snprintf(d->err, d->errlen,
			    "field '%.*s': must be an object",
			    (int)strlen(prefix) - 1, prefix);
		return -1;
	}
	for (const cJSON *c = o->child; c != NULL; c = c->next) {
		int i;

		if (c->string == NULL)
			return dec_fail(d, prefix, "?", "key missing");
		for (i = 0; i < nkeys; i++)
			if (strcmp(keys[i], c->string) == 0)
				break;
		if (i == nkeys) {
			char k[48];

			snprintf(k, sizeof(k), "%.40s%s", c->string,
			    strlen(c->string) > 40 ? "..." : "");
			for (char *p = k; *p; p++)
				if ((unsigned char)*p < 0x20 || *p == 0x7f)
					*p = '?';
			return dec_fail(d, prefix, k, "unknown field");
		}
		if (seen & (1ULL << i))
			return dec_fail(d, prefix, keys[i], "duplicate field");
		seen |= 1ULL << i;
	}
	return 0;
}

/* String field: NULL item allowed unless required; length 1..size-1 unless
 * empty is allowed; no control characters. */
static int
dec_str(struct dec *d, const cJSON *o, const char *prefix, const char *key,
    char *dst, size_t size, int required)
{
	const char *s;
	char	    msg[64];

	dst[0] = '\0';
	switch (json_get_str(o, key, size, &s)) {
	case JSON_OK:
		break;
	case JSON_MISSING:
		return required ? dec_fail(d, prefix, key, "missing") : 0;
	case JSON_TOO_LONG:
		snprintf(msg, sizeof(msg), "longer than %zu bytes", size - 1);
		return dec_fail(d, prefix, key, msg);
	case JSON_CONTROL:
		return dec_fail(d, prefix, key, "contains control characters");
	default:
		return dec_fail(d, prefix, key, "must be a string");
	}
	if (s[0] == '\0' && required)
		return dec_fail(d, prefix, key, "must not be empty");
	memcpy(dst, s, strlen(s) + 1);
	return 0;
}

/* Number field in [min, max]; integral when integer is set. *present tells
 * whether it was there (NULL: required). */
static int
dec_num(struct dec *d, const cJSON *o, const char *prefix, const char *key,
    double min, double max, int integer, double *out, int *present)
{
	enum json_fault f = json_get_num(o, key, min, max, integer, out);
	char		msg[96];

	if (present != NULL)
		*present = f != JSON_MISSING;
	switch (f) {
	case JSON_OK:
		return 0;
	case JSON_MISSING:
		return present != NULL ? 0 :
					 dec_fail(d, prefix, key, "missing");
	case JSON_RANGE:
		snprintf(msg, sizeof(msg), "must be %s between %.17g and %.17g",
		    integer ? "an integer" : "a number", min, max);
		return dec_fail(d, prefix, key, msg);
	default:
		return dec_fail(d, prefix, key, "must be a number");
	}
}

static int
dec_enum(struct dec *d, const cJSON *o, const char *prefix, const char *key,
    int (*lookup)(const char *), int *out)
{
	char buf[40];
	int  v;

	if (dec_str(d, o, prefix, key, buf, sizeof(buf), 1) == -1)
		return -1;
	if ((v = lookup(buf)) == -1)
		return dec_fail(d, prefix, key, "unknown value");
	*out = v;
	return 0;
}

static int
dec_ip(struct dec *d, const char *key, const char *ip, enum family fam)
{
	unsigned char buf[16];
	int	      af = fam == FAMILY_IPV6 ? AF_INET6 : AF_INET;

	if (inet_pton(af, ip, buf) != 1)
		return dec_fail(d, "", key,
		    fam == FAMILY_IPV6 ? "not an IPv6 address" :
					 "not an IPv4 address");
	return 0;
}

static int
dec_warnings(struct dec *d, const cJSON *o, struct result *r)
{
	const cJSON *a = json_get(o, "warnings"), *w;

	if (a == NULL)
		return 0;
	if (!cJSON_IsArray(a))
		return dec_fail(d, "", "warnings", "must be an array");
	cJSON_ArrayForEach(w, a)
	{
		int v;

		if (!cJSON_IsString(w))
			return dec_fail(d, "", "warnings",
			    "entries must be strings");
		if ((v = warning_from_name(w->valuestring)) == -1)
			return dec_fail(d, "", "warnings", "unknown warning");
		if (r->warnings & WARN_BIT(v))
			return dec_fail(d, "", "warnings", "duplicate warning");
		r->warnings |= WARN_BIT(v);
	}
	return 0;
}

static int
dec_addresses(struct dec *d, const cJSON *o, struct result *r)
{
	static const char *const keys[] = {"ip", "outcome", "connect_ms"};
	const cJSON		*a = json_get(o, "addresses"), *e;
	char			 prefix[32];

	if (a == NULL)
		return 0;
	if (!cJSON_IsArray(a))
		return dec_fail(d, "", "addresses", "must be an array");
	cJSON_ArrayForEach(e, a)
	{
		struct result_addr *ad;
		int		    present, oc;

		if (r->naddrs == RESULT_ADDR_MAX)
			return dec_fail(d, "", "addresses",
			    "more than 16 entries");
		ad = &r->addrs[r->naddrs];
		snprintf(prefix, sizeof(prefix), "addresses[%zu].", r->naddrs);
		if (dec_keys(d, e, prefix, keys, NELEM(keys)) == -1 ||
		    dec_str(d, e, prefix, "ip", ad->ip, sizeof(ad->ip), 1) ||
		    dec_enum(d, e, prefix, "outcome", outcome_from_name, &oc) ==
			-1 ||
		    dec_num(d, e, prefix, "connect_ms", 0, RESULT_MS_MAX, 0,
			&ad->connect_ms, &present) == -1)
			return -1;
		snprintf(prefix, sizeof(prefix), "addresses[%zu].ip",
		    r->naddrs);
		if (dec_ip(d, prefix, ad->ip, r->family) == -1)
			return -1;
		ad->outcome = oc;
		if (!present)
			ad->connect_ms = -1;
		r->naddrs++;
	}
	return 0;
}

static int
dec_ms(struct dec *d, const cJSON *o, struct result *r)
{
	const cJSON *m = json_get(o, "ms");

	if (m == NULL)
		return 0;
	if (dec_keys(d, m, "ms.", phase_names, PHASE__N) == -1)
		return -1;
	for (int p = 0; p < PHASE__N; p++) {
		int present;

		if (dec_num(d, m, "ms.", phase_names[p], 0, RESULT_MS_MAX, 0,
			&r->ms[p], &present) == -1)
			return -1;
		if (!present)
			r->ms[p] = -1;
	}
	return 0;
}

static int
dec_http(struct dec *d, const cJSON *o, struct result *r)
{
	static const char *const keys[] = {"status", "bytes", "sha256",
	    "effective_url"};
	const cJSON		*h = json_get(o, "http");
	double			 v;

	if (h == NULL)
		return 0;
	if (dec_keys(d, h, "http.", keys, NELEM(keys)) == -1)
		return -1;
	r->has_http = 1;
	if (dec_num(d, h, "http.", "status", 100, 999, 1, &v, NULL) == -1)
		return -1;
	r->http_status = (int)v;
	if (dec_num(d, h, "http.", "bytes", 0, (double)RESULT_INT_MAX, 1, &v,
		NULL) == -1)
		return -1;
	r->http_bytes = (uint64_t)v;
	if (dec_str(d, h, "http.", "sha256", r->sha256, sizeof(r->sha256), 0) ==
	    -1)
		return -1;
	if (r->sha256[0] != '\0' &&
	    (strlen(r->sha256) != 64 ||
		strspn(r->sha256, "0123456789abcdef") != 64))
		return dec_fail(d, "http.", "sha256",
		    "must be 64 lower-case hex digits");
	return dec_str(d, h, "http.", "effective_url", r->effective_url,
	    sizeof(r->effective_url), 0);
}

static int
dec_tls(struct dec *d, const cJSON *o, struct result *r)
{
	static const char *const keys[] = {"version", "cert_days_left",
	    "issuer"};
	const cJSON		*t = json_get(o, "tls");
	double			 v;

	if (t == NULL)
		return 0;
	if (dec_keys(d, t, "tls.", keys, NELEM(keys)) == -1)
		return -1;
	r->has_tls = 1;
	if (dec_str(d, t, "tls.", "version", r->tls_version,
		sizeof(r->tls_version), 0) == -1 ||
	    dec_num(d, t, "tls.", "cert_days_left", -1000000, 1000000, 1, &v,
		&r->has_cert) == -1 ||
	    dec_str(d, t, "tls.", "issuer", r->issuer, sizeof(r->issuer), 0) ==
		-1)
		return -1;
	if (r->has_cert)
		r->cert_days_left = (int)v;
	return 0;
}

/* "http80": {"ipv6": OUTCOME, "ipv4": OUTCOME}, either key optional. */
static int
dec_http80(struct dec *d, const cJSON *o, struct result *r)
{
	const cJSON *h = json_get(o, "http80");

	if (h == NULL)
		return 0;
	if (dec_keys(d, h, "http80.", family_names, FAMILY__N) == -1)
		return -1;
	for (int f = 0; f < FAMILY__N; f++) {
		int oc;

		if (json_get(h, family_names[f]) == NULL)
			continue;
		if (dec_enum(d, h, "http80.", family_names[f],
			outcome_from_name, &oc) == -1)
			return -1;
		r->has_http80[f] = 1;
		r->http80[f] = oc;
	}
	return 0;
}

static int
dec_url(struct dec *d, const char *key, const char *url)
{
	if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)
		return dec_fail(d, "", key,
		    "must be an http:// or https:// URL");
	return 0;
}

/* "title": optional; "" is none. */
static int
dec_title(struct dec *d, const cJSON *o, struct result *r)
{
	const char *why;

	if (dec_str(d, o, "", "title", r->title, sizeof(r->title), 0) == -1)
		return -1;
	if ((why = result_check_title(r->title)) != NULL)
		return dec_fail(d, "", "title", why);
	return 0;
}

static int
dec_traffic(struct dec *d, const cJSON *o, struct result *r)
{
	static const char *const keys[] = {"kind", "probe", "ts", "seq",
	    "iface", "interval_s", "packets", "bytes", "ipv6_share", "icmpv6",
	    "drops"};
	static const char *const ickeys[] = {"packet_too_big",
	    "dest_unreachable"};
	struct result_traffic	*t = &r->traffic;
	const double		 cmax = (double)RESULT_INT_MAX;
	const cJSON		*sub;
	double			 v;
	int			 present;

	r->kind = RESULT_TRAFFIC;
	if (dec_keys(d, o, "", keys, NELEM(keys)) == -1 ||
	    dec_str(d, o, "", "iface", t->iface, sizeof(t->iface), 1) == -1 ||
	    dec_num(d, o, "", "interval_s", 0, 86400, 0, &t->interval_s,
		NULL) == -1 ||
	    dec_num(d, o, "", "ipv6_share", 0, 1, 0, &v, &present) == -1 ||
	    dec_num(d, o, "", "drops", 0, cmax, 1, &v, &present) == -1)
		return -1;
	t->drops = present ? (uint64_t)v : 0;
	for (int k = 0; k < 2; k++) {
		const char *name = k == 0 ? "packets" : "bytes";
		const char *prefix = k == 0 ? "packets." : "bytes.";
		uint64_t   *dst = k == 0 ? t->packets : t->bytes;

		sub = json_get(o, name);
		if (sub == NULL)
			return dec_fail(d, "", name, "missing");
		if (dec_keys(d, sub, prefix, traffic_fam, 3) == -1)
			return -1;
		for (int i = 0; i < 3; i++) {
			if (dec_num(d, sub, prefix, traffic_fam[i], 0, cmax, 1,
				&v, NULL) == -1)
				return -1;
			dst[i] = (uint64_t)v;
		}
	}
	sub = json_get(o, "icmpv6");
	if (sub == NULL)
		return dec_fail(d, "", "icmpv6", "missing");
	if (dec_keys(d, sub, "icmpv6.", ickeys, 2) == -1 ||
	    dec_num(d, sub, "icmpv6.", "packet_too_big", 0, cmax, 1, &v,
		NULL) == -1)
		return -1;
	t->ptb = (uint64_t)v;
	if (dec_num(d, sub, "icmpv6.", "dest_unreachable", 0, cmax, 1, &v,
		NULL) == -1)
		return -1;
	t->unreach = (uint64_t)v;
	return 0;
}

int
result_from_json(const cJSON *o, struct result *r, char *err, size_t errlen)
{
	static const char *const keys[] = {"kind", "probe", "target", "title",
	    "group", "url", "family", "ts", "seq", "outcome", "warnings",
	    "addresses", "remote", "ms", "http", "tls", "http80", "ready",
	    "score", "error"};
	struct dec		 d = {err, errlen};
	const cJSON		*it;
	char			 kind[16];
	double			 v;
	int			 present, e;

	result_init(r);
	if (!cJSON_IsObject(o)) {
		snprintf(err, errlen, "record must be a JSON object");
		return -1;
	}
	if (dec_str(&d, o, "", "kind", kind, sizeof(kind), 0) == -1)
		return -1;
	if (kind[0] != '\0' && strcmp(kind, "check") != 0 &&
	    strcmp(kind, "traffic") != 0)
		return dec_fail(&d, "", "kind",
		    "must be \"check\" or \"traffic\"");
	if (dec_str(&d, o, "", "probe", r->probe, sizeof(r->probe), 1) == -1 ||
	    dec_num(&d, o, "", "ts", RESULT_TS_MIN, RESULT_TS_MAX, 0, &r->ts,
		NULL) == -1 ||
	    dec_num(&d, o, "", "seq", 1, (double)RESULT_INT_MAX, 1, &v, NULL) ==
		-1)
		return -1;
	r->seq = (uint64_t)v;
	if (strcmp(kind, "traffic") == 0)
		return dec_traffic(&d, o, r);

	if (dec_keys(&d, o, "", keys, NELEM(keys)) == -1 ||
	    dec_str(&d, o, "", "target", r->target, sizeof(r->target), 1) ==
		-1 ||
	    dec_title(&d, o, r) == -1 ||
	    dec_str(&d, o, "", "group", r->group, sizeof(r->group), 0) == -1 ||
	    dec_str(&d, o, "", "url", r->url, sizeof(r->url), 1) == -1 ||
	    dec_url(&d, "url", r->url) == -1 ||
	    dec_enum(&d, o, "", "family", family_from_name, &e) == -1)
		return -1;
	r->family = e;
	if (dec_enum(&d, o, "", "outcome", outcome_from_name, &e) == -1)
		return -1;
	r->outcome = e;
	if (dec_warnings(&d, o, r) == -1 || dec_addresses(&d, o, r) == -1 ||
	    dec_str(&d, o, "", "remote", r->remote, sizeof(r->remote), 0) ==
		-1 ||
	    dec_ms(&d, o, r) == -1 || dec_http(&d, o, r) == -1 ||
	    dec_tls(&d, o, r) == -1 || dec_http80(&d, o, r) == -1 ||
	    dec_str(&d, o, "", "error", r->error, sizeof(r->error), 0) == -1)
		return -1;
	if (r->effective_url[0] != '\0' &&
	    dec_url(&d, "http.effective_url", r->effective_url) == -1)
		return -1;
	it = json_get(o, "ready");
	if (it != NULL) {
		if (!cJSON_IsBool(it))
			return dec_fail(&d, "", "ready",
			    "must be true or false");
		r->ready = cJSON_IsTrue(it);
	}
	if (dec_num(&d, o, "", "score", 0, 100, 1, &v, &present) == -1)
		return -1;
	r->score = present ? (int)v : -1;
	return 0;
}
