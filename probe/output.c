/*
 * output: a checked target as a readable table block, as the DESIGN.md JSON
 * object, or as Nagios plugin text with perfdata.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_dns.h"
#include "output.h"
#include "util.h"

/* A growing string; out of memory is fatal (xreallocarray). */
struct buf {
	char  *s;
	size_t len, cap;
};

static void __attribute__((format(printf, 2, 3)))
bprintf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int	n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if (b->len + (size_t)n < b->cap) {
			b->len += (size_t)n;
			return;
		}
		b->cap = b->cap * 2 + (size_t)n + 64;
		b->s = xreallocarray(b->s, b->cap, 1);
	}
}

enum colour { C_NONE, C_GREEN, C_RED, C_YELLOW, C_BOLD, C_DIM };

static const char *
col(int on, enum colour c)
{
	static const char *codes[] = {"\033[0m", "\033[32m", "\033[31m",
	    "\033[33m", "\033[1m", "\033[2m"};

	return on ? codes[c] : "";
}

int
output_status(const struct check_report *rep)
{
	if (!rep->cmp.ready)
		return 2;
	return rep->cmp.target_warn != 0 ? 1 : 0;
}

static void
phases(struct buf *b, const struct result *r)
{
	int any = 0;

	for (int p = 0; p < PHASE__N; p++) {
		if (r->ms[p] < 0)
			continue;
		bprintf(b, "%s%s %.1f", any ? " " : "", phase_name(p),
		    r->ms[p]);
		any = 1;
	}
	if (any)
		bprintf(b, " ms");
}

static void
family_line(struct buf *b, const struct check_report *rep, enum family f, int c)
{
	const struct result *r = &rep->r[f];
	int		     ok = r->outcome == OUTCOME_OK;

	bprintf(b, "  %-5s %s%-18s%s ", f == FAMILY_IPV6 ? "IPv6" : "IPv4",
	    col(c, ok ? C_GREEN : C_RED), outcome_name(r->outcome),
	    col(c, C_NONE));
	if (!ok) {
		bprintf(b, "%s\n", r->error);
		if (r->remote[0] == '\0' && r->ms[PHASE_DNS] < 0)
			return;
		bprintf(b, "        %s", col(c, C_DIM));
	}
	if (r->remote[0] != '\0')
		bprintf(b, "%s  ", r->remote);
	phases(b, r);
	if (r->has_http)
		bprintf(b, "  HTTP %d, %llu bytes", r->http_status,
		    (unsigned long long)r->http_bytes);
	if (r->has_tls && r->tls_version[0] != '\0')
		bprintf(b, "  %s", r->tls_version);
	if (r->has_cert)
		bprintf(b, "  cert %d days", r->cert_days_left);
	bprintf(b, "%s\n", col(c, C_NONE));
}

static void
warning_lines(struct buf *b, const struct check_report *rep, int c)
{
	const struct result *v6 = &rep->r[FAMILY_IPV6];
	const struct result *v4 = &rep->r[FAMILY_IPV4];
	uint32_t	     w = rep->cmp.target_warn;

	for (int i = 0; i < WARN__N; i++) {
		if (!(w & WARN_BIT(i)))
			continue;
		bprintf(b, "  %swarning%s %s: ", col(c, C_YELLOW),
		    col(c, C_NONE), warning_name(i));
		switch (i) {
		case WARN_CERT_EXPIRING: {
			const struct result *r = v6->has_cert ? v6 : v4;

			bprintf(b, "the certificate expires in %d days\n",
			    r->cert_days_left);
			break;
		}
		case WARN_SLOW:
			bprintf(b, "IPv6 took %.0f ms, IPv4 %.0f ms\n",
			    v6->ms[PHASE_TOTAL], v4->ms[PHASE_TOTAL]);
			break;
		case WARN_CONTENT_MISMATCH:
			if (v6->http_status != v4->http_status)
				bprintf(b,
				    "HTTP %d over IPv6, HTTP %d over IPv4\n",
				    v6->http_status, v4->http_status);
			else
				bprintf(b,
				    "IPv6 and IPv4 serve different pages (%.0f%% alike)\n",
				    rep->cmp.similarity * 100);
			break;
		case WARN_PARTIAL_REACHABILITY:
			for (int f = 0; f < FAMILY__N; f++) {
				const struct result *r = &rep->r[f];

				if (!rep->checked[f] ||
				    !(rep->cmp.warn[f] & WARN_BIT(i)))
					continue;
				for (size_t a = 0; a < r->naddrs; a++)
					if (r->addrs[a].outcome != OUTCOME_OK)
						bprintf(b, "%s (%s) ",
						    r->addrs[a].ip,
						    outcome_name(
							r->addrs[a].outcome));
			}
			bprintf(b, "does not answer; the other addresses do\n");
			break;
		case WARN_NS_NO_IPV6: {
			int total = 0, aaaa = 0, ok = 0, all = 0;

			if (rep->dns != NULL)
				dns_zone_counts(rep->dns, &total, &aaaa, &ok,
				    &all);
			bprintf(b,
			    "%d of %d name servers of %s answer over IPv6 (2 are needed)\n",
			    ok, total,
			    rep->dns != NULL && rep->dns->zone != NULL ?
				rep->dns->zone :
				"the zone");
			break;
		}
		case WARN_HTTP_NO_IPV6:
			bprintf(b,
			    "port 80 (http://) answers over IPv4 but not over IPv6 (%s): who types the bare name gets IPv4\n",
			    outcome_name(v6->http80[FAMILY_IPV6]));
			break;
		default:
			bprintf(b, "\n");
		}
	}
}

/* What http://HOST/ on port 80 did, beside an https:// target. */
static void
http80_line(struct buf *b, const struct check_report *rep)
{
	const struct result *r =
	    &rep->r[rep->checked[FAMILY_IPV6] ? FAMILY_IPV6 : FAMILY_IPV4];
	const char *sep = "";

	if (!r->has_http80[FAMILY_IPV6] && !r->has_http80[FAMILY_IPV4])
		return;
	bprintf(b, "  %-5s http:// (port 80):", ":80");
	for (int f = 0; f < FAMILY__N; f++)
		if (r->has_http80[f]) {
			bprintf(b, "%s %s %s", sep,
			    f == FAMILY_IPV6 ? "IPv6" : "IPv4",
			    r->http80[f] == OUTCOME_OK ?
				"answers" :
				outcome_name(r->http80[f]));
			sep = ",";
		}
	bprintf(b, "\n");
}

char *
output_table(const struct check_report *rep, const char *shown, int c)
{
	struct buf b = {NULL, 0, 0};
	int	   ready = rep->cmp.ready;

	bprintf(&b, "%s%s%s  %s%s%s  score %d\n", col(c, C_BOLD),
	    shown != NULL ? shown : rep->t->url, col(c, C_NONE),
	    col(c, ready ? C_GREEN : C_RED), ready ? "READY" : "NOT READY",
	    col(c, C_NONE), rep->cmp.score);
	for (int f = 0; f < FAMILY__N; f++)
		if (rep->checked[f])
			family_line(&b, rep, f, c);
	if (rep->dns != NULL) {
		int total, aaaa, ok, all;

		dns_zone_counts(rep->dns, &total, &aaaa, &ok, &all);
		if (rep->dns->zone != NULL)
			bprintf(&b,
			    "  %-5s zone %s: %d name servers, %d with IPv6, %d answer over IPv6%s%s\n",
			    "DNS", rep->dns->zone, total, aaaa, ok,
			    rep->dns->error[0] ? "; " : "", rep->dns->error);
		else
			bprintf(&b, "  %-5s %s\n", "DNS", rep->dns->error);
	}
	http80_line(&b, rep);
	warning_lines(&b, rep, c);
	return b.s;
}

cJSON *
output_json(const struct check_report *rep, const char *unicode_url)
{
	cJSON *o = cJSON_CreateObject(), *a;

	cJSON_AddStringToObject(o, "url", rep->t->url);
	if (unicode_url != NULL)
		cJSON_AddStringToObject(o, "url_unicode", unicode_url);
	cJSON_AddBoolToObject(o, "ready", rep->cmp.ready);
	cJSON_AddNumberToObject(o, "score", rep->cmp.score);
	a = cJSON_AddArrayToObject(o, "warnings");
	for (int w = 0; w < WARN__N; w++)
		if (rep->cmp.target_warn & WARN_BIT(w))
			cJSON_AddItemToArray(a,
			    cJSON_CreateString(warning_name(w)));
	if (rep->dns != NULL)
		cJSON_AddItemToObject(o, "dns", dns_zone_json(rep->dns));
	else
		cJSON_AddNullToObject(o, "dns");
	for (int f = 0; f < FAMILY__N; f++)
		if (rep->checked[f])
			cJSON_AddItemToObject(o, family_name(f),
			    result_to_json(&rep->r[f]));
	return o;
}

/* Nagios */

static int
range_number(const char *s, size_t n, double *v)
{
	char   buf[32], *end;
	double d;

	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	errno = 0;
	d = strtod(buf, &end);
	if (errno != 0 || *end != '\0' || !isfinite(d) ||
	    isspace((unsigned char)buf[0]))
		return -1;
	*v = d;
	return 0;
}

int
output_range_parse(const char *s, struct nagios_range *r, char *err,
    size_t errlen)
{
	const char *p = s, *colon;

	memset(r, 0, sizeof(*r));
	if (strlen(s) >= sizeof(r->text) || s[0] == '\0')
		goto bad;
	snprintf(r->text, sizeof(r->text), "%s", s);
	if (*p == '@') {
		r->inside = 1;
		p++;
	}
	if ((colon = strchr(p, ':')) == NULL) {
		/* "10": 0..10 */
		r->has_lo = r->has_hi = 1;
		r->lo = 0;
		if (range_number(p, strlen(p), &r->hi) == -1)
			goto bad;
	} else {
		if (colon - p == 1 && p[0] == '~')
			r->has_lo = 0;
		else if (colon == p)
			r->has_lo = 1, r->lo = 0;
		else if (range_number(p, (size_t)(colon - p), &r->lo) == -1)
			goto bad;
		else
			r->has_lo = 1;
		if (colon[1] != '\0') {
			if (range_number(colon + 1, strlen(colon + 1),
				&r->hi) == -1)
				goto bad;
			r->has_hi = 1;
		}
	}
	if (r->has_lo && r->has_hi && r->lo > r->hi) {
		snprintf(err, errlen,
		    "range '%.64s': the start is above the end", s);
		return -1;
	}
	r->set = 1;
	return 0;
bad:
	snprintf(err, errlen,
	    "range '%.64s': want seconds as monitoring plugins take them: N (0..N), N: (at least N), ~:N (at most N), N:M, @N:M (alert inside)",
	    s);
	memset(r, 0, sizeof(*r));
	return -1;
}

int
output_range_alert(const struct nagios_range *r, double v)
{
	int outside;

	if (!r->set)
		return 0;
	outside = (r->has_lo && v < r->lo) || (r->has_hi && v > r->hi);
	return r->inside ? !outside : outside;
}

void
output_nagios_add(struct nagios *n, const struct check_report *rep,
    const char *label, const char *shown)
{
	static const char *const pfx[FAMILY__N] = {"v6_", "v4_"};
	int			 st = output_status(rep);
	struct buf		 pd = {n->perf, n->perflen, n->perfcap};
	struct buf		 tx = {n->text, n->textlen, n->textcap};
	char			 lp[80];
	int			 tst[FAMILY__N] = {0}, any;

	/* -w / -c on each family's total time */
	for (int f = 0; f < FAMILY__N; f++) {
		double t = rep->r[f].ms[PHASE_TOTAL] / 1000;

		if (!rep->checked[f] || rep->r[f].ms[PHASE_TOTAL] < 0)
			continue;
		if (output_range_alert(&n->crit, t))
			tst[f] = 2;
		else if (output_range_alert(&n->warn, t))
			tst[f] = 1;
		st = tst[f] > st ? tst[f] : st;
	}
	n->count++;
	n->worst = st > n->worst ? st : n->worst;
	n->nstatus[st]++;
	snprintf(lp, sizeof(lp), "%s%s", label != NULL ? label : "",
	    label != NULL ? "_" : "");
	for (int f = 0; f < FAMILY__N; f++) {
		const struct result *r = &rep->r[f];

		if (!rep->checked[f])
			continue;
		if (r->ms[PHASE_TOTAL] >= 0)
			bprintf(&pd, "%s%stime=%.6fs;%s;%s;0; ", lp, pfx[f],
			    r->ms[PHASE_TOTAL] / 1000, n->warn.text,
			    n->crit.text);
		if (r->ms[PHASE_CONNECT] >= 0)
			bprintf(&pd, "%s%stime_connect=%.6fs;;;0 ", lp, pfx[f],
			    r->ms[PHASE_CONNECT] / 1000);
		if (r->ms[PHASE_TLS] >= 0)
			bprintf(&pd, "%s%stime_ssl=%.6fs;;;0 ", lp, pfx[f],
			    r->ms[PHASE_TLS] / 1000);
		if (r->ms[PHASE_TTFB] >= 0)
			bprintf(&pd, "%s%stime_firstbyte=%.6fs;;;0 ", lp,
			    pfx[f], r->ms[PHASE_TTFB] / 1000);
		if (r->has_http)
			bprintf(&pd, "%s%ssize=%lluB;;;0 ", lp, pfx[f],
			    (unsigned long long)r->http_bytes);
	}
	bprintf(&pd, "%sscore=%d;;;0;100 ", lp, rep->cmp.score);
	/* Text: what is wrong, worst news first. */
	if (st > 0) {
		const struct result *v6 = &rep->r[FAMILY_IPV6];

		bprintf(&tx, "%s%s: ", tx.len > 0 ? "; " : "",
		    shown != NULL ? shown : rep->t->url);
		any = 0;
		if (rep->checked[FAMILY_IPV6] && v6->outcome != OUTCOME_OK)
			bprintf(&tx, "IPv6 %s (%.120s)",
			    outcome_name(v6->outcome), v6->error),
			    any = 1;
		else if (!rep->cmp.ready)
			bprintf(&tx, "not ready"), any = 1;
		for (int f = 0; f < FAMILY__N; f++)
			if (tst[f] > 0) {
				bprintf(&tx, "%s%s took %.3f s (%s %s)",
				    any ? ", " : "",
				    f == FAMILY_IPV6 ? "IPv6" : "IPv4",
				    rep->r[f].ms[PHASE_TOTAL] / 1000,
				    tst[f] == 2 ? "critical" : "warning",
				    tst[f] == 2 ? n->crit.text : n->warn.text);
				any = 1;
			}
		for (int w = 0, first = 1; w < WARN__N; w++)
			if (rep->cmp.target_warn & WARN_BIT(w)) {
				bprintf(&tx, "%s%s",
				    first && !any ?
					"" :
					(first ? ", warnings: " : ", "),
				    warning_name(w));
				first = 0;
			}
	}
	/* '|' starts the perfdata: none may appear in the text. */
	for (size_t i = 0; i < tx.len; i++)
		if (tx.s[i] == '|')
			tx.s[i] = '/';
	n->perf = pd.s;
	n->perflen = pd.len;
	n->perfcap = pd.cap;
	n->text = tx.s;
	n->textlen = tx.len;
	n->textcap = tx.cap;
}

char *
output_nagios_line(const struct nagios *n, const char *single_shown)
{
	static const char *const word[] = {"OK", "WARNING", "CRITICAL",
	    "UNKNOWN"};
	struct buf		 b = {NULL, 0, 0};

	bprintf(&b, "V6WATCH %s - ", word[n->worst]);
	if (n->worst == 0 && n->count == 1)
		bprintf(&b, "%s is ready for IPv6", single_shown);
	else if (n->worst == 0)
		bprintf(&b, "all %d targets are ready for IPv6", n->count);
	else {
		if (n->count > 1 && (n->warn.set || n->crit.set))
			bprintf(&b,
			    "%d of %d critical, %d warning: ", n->nstatus[2],
			    n->count, n->nstatus[1]);
		else if (n->count > 1)
			bprintf(&b, "%d of %d not ready, %d with warnings: ",
			    n->nstatus[2], n->count, n->nstatus[1]);
		bprintf(&b, "%s", n->text != NULL ? n->text : "");
	}
	if (n->perflen > 0) {
		bprintf(&b, " | %s", n->perf);
		if (b.len > 0 && b.s[b.len - 1] == ' ')
			b.s[--b.len] = '\0';
	}
	bprintf(&b, "\n");
	return b.s;
}

void
output_nagios_free(struct nagios *n)
{
	free(n->perf);
	free(n->text);
	n->perf = n->text = NULL;
	n->perflen = n->perfcap = n->textlen = n->textcap = 0;
}
