/*
 * fetch: GET /api/v1/targets in the event loop, its schedule and what
 * each answer does to the list held (see fetch.h).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "conf.h"
#include "ev.h"
#include "fetch.h"
#include "httpc.h"
#include "log.h"
#include "tcache.h"
#include "tlist.h"
#include "util.h"

#define FETCH_RETRY_MIN_MS 10000
#define FETCH_CONNECT_MS   10000
#define FETCH_TIMEOUT_MS   600000 /* 64 MiB at ~110 KB/s */
#define FETCH_STALL_S	   60	  /* less than a byte a second this long */
#define FETCH_ERRBODY_MAX  4096	  /* kept of an answer that is not 200 */

struct fetch {
	struct ev_loop	  *loop;
	struct httpc	  *hc;
	struct httpc_xfer  x;
	struct curl_slist *hdrs;
	char		  *url, *cacert, *probe;
	char		   token[PROBE_TOKEN_MAX];
	int		   refresh_s;
	struct ev_timer	   timer;
	int		   again;
	/* the answer */
	char  *body;
	size_t len, cap;
	int    over;
	char   etag[TLIST_ETAG_MAX + 1];
	char   errbuf[CURL_ERROR_SIZE];
	/* the list held and its cache */
	struct tlist *list;
	int	      dirfd;
	char	     *dir;
	int	      cache_tried;
	/* the current failure episode */
	int		   failing;
	char		   fail_key[64];
	uint64_t	   backoff_ms;
	fetch_cb	   cb;
	void		  *arg;
	struct fetch_stats st;
};

static void fetch_done_cb(struct httpc_xfer *, CURLcode);
static void fetch_start(struct fetch *);

static void
timer_cb(struct ev_loop *loop, struct ev_timer *t)
{
	(void)loop;
	fetch_start(t->arg);
}

struct fetch *
fetch_new(struct ev_loop *loop, fetch_cb cb, void *arg)
{
	struct fetch *f = xcalloc(1, sizeof(*f));

	f->loop = loop;
	f->cb = cb;
	f->arg = arg;
	f->dirfd = -1;
	ev_timer_init(&f->timer, timer_cb, f);
	if ((f->hc = httpc_new(loop)) == NULL ||
	    (f->x.easy = curl_easy_init()) == NULL) {
		fetch_free(f);
		return NULL;
	}
	f->x.done = fetch_done_cb;
	f->x.arg = f;
	return f;
}

static void
answer_reset(struct fetch *f)
{
	free(f->body);
	f->body = NULL;
	f->len = f->cap = 0;
	f->over = 0;
	f->etag[0] = '\0';
	f->errbuf[0] = '\0';
}

void
fetch_free(struct fetch *f)
{
	if (f == NULL)
		return;
	if (f->x.active)
		httpc_cancel(f->hc, &f->x);
	ev_timer_disarm(f->loop, &f->timer);
	if (f->x.easy != NULL)
		curl_easy_cleanup(f->x.easy);
	httpc_free(f->hc);
	curl_slist_free_all(f->hdrs);
	OPENSSL_cleanse(f->token, sizeof(f->token));
	answer_reset(f);
	free(f->url);
	free(f->cacert);
	free(f->probe);
	free(f->dir);
	if (f->dirfd != -1)
		close(f->dirfd);
	tlist_free(f->list);
	free(f);
}

int
fetch_configure(struct fetch *f, const char *url, const char *token_file,
    const char *cacert, const char *probe, int refresh_s, char *err,
    size_t errlen)
{
	char token[PROBE_TOKEN_MAX];

	if (url != NULL &&
	    secret_read(token_file, token, sizeof(token), err, errlen) == -1)
		return -1;
	if (f->x.active)
		httpc_cancel(f->hc, &f->x);
	ev_timer_disarm(f->loop, &f->timer);
	f->again = 0;
	answer_reset(f);
	OPENSSL_cleanse(f->token, sizeof(f->token));
	/* an episode of failures is the same collector's */
	if (url == NULL || f->url == NULL || strcmp(url, f->url) != 0)
		f->failing = 0;
	free(f->url);
	free(f->cacert);
	free(f->probe);
	f->url = f->cacert = f->probe = NULL;
	if (url == NULL) {
		/* no longer fetched: neither is the list checked */
		tlist_free(f->list);
		f->list = NULL;
		f->cache_tried = 0;
		return 0;
	}
	memcpy(f->token, token, sizeof(token));
	OPENSSL_cleanse(token, sizeof(token));
	f->url = xstrdup(url);
	f->cacert = cacert != NULL ? xstrdup(cacert) : NULL;
	f->probe = xstrdup(probe);
	f->refresh_s = refresh_s;
	f->backoff_ms = 0; /* a new collector or token deserves a try now */
	return 0;
}

void
fetch_set_cache_dir(struct fetch *f, int dirfd, const char *dir)
{
	if (f->dirfd != -1)
		close(f->dirfd);
	free(f->dir);
	f->dirfd = dirfd;
	f->dir = xstrdup(dir);
}

/* The entries l left out, as warnings naming them (from: where l came
 * from, for the reader). */
static void
log_skips(const struct tlist *l, const char *from)
{
	for (size_t i = 0; i < l->nskipped && i < TLIST_SKIPS_SHOWN; i++)
		log_warnx("targets from %s: %s", from, l->skips[i]);
	if (l->nskipped > TLIST_SKIPS_SHOWN)
		log_warnx("targets from %s: %zu more entries left out", from,
		    l->nskipped - TLIST_SKIPS_SHOWN);
}

int
fetch_load_cache(struct fetch *f)
{
	struct tlist *l;
	char	      err[1024], from[4200];

	if (f->url == NULL || f->list != NULL || f->dirfd == -1 ||
	    f->cache_tried)
		return 0;
	f->cache_tried = 1;
	if (tcache_load(f->dirfd, f->dir, f->probe, &l, err, sizeof(err)) ==
	    -1) {
		log_warnx(
		    "targets: the last good list cannot be used: %s; until the collector answers, only the local targets are checked",
		    err);
		return 0;
	}
	if (l == NULL)
		return 0;
	snprintf(from, sizeof(from), "%s/%s", f->dir, TCACHE_FILE);
	log_skips(l, from);
	log_info("targets: %zu from the last good list (%s), until %s answers",
	    l->n, from, f->url);
	f->list = l;
	return 1;
}

struct tlist *
fetch_list(const struct fetch *f)
{
	return f->list;
}

int
fetch_busy(const struct fetch *f)
{
	return f->x.active || f->again;
}

void
fetch_stats(const struct fetch *f, struct fetch_stats *st)
{
	*st = f->st;
}

/* Arm the next attempt: the refresh interval +-10%, or after a failure
 * the backoff +-20%. */
static void
schedule(struct fetch *f, int failed)
{
	uint64_t ms, cap = (uint64_t)f->refresh_s * 1000;

	if (failed) {
		f->backoff_ms =
		    f->backoff_ms == 0 ? FETCH_RETRY_MIN_MS : f->backoff_ms * 2;
		if (f->backoff_ms > cap)
			f->backoff_ms = cap;
		ms = f->backoff_ms - f->backoff_ms / 5 +
		    (uint64_t)random() % (f->backoff_ms * 2 / 5 + 1);
	} else {
		f->backoff_ms = 0;
		ms = cap - cap / 10 + (uint64_t)random() % (cap / 5 + 1);
	}
	ev_timer_arm(f->loop, &f->timer, ms);
}

/* The attempt ended: what next, and tell the caller. */
static void
finish(struct fetch *f, int failed, int changed)
{
	answer_reset(f);
	curl_slist_free_all(f->hdrs);
	f->hdrs = NULL;
	if (f->again) {
		f->again = 0;
		ev_timer_arm(f->loop, &f->timer, 0);
	} else
		schedule(f, failed);
	if (f->cb != NULL)
		f->cb(f, changed, f->arg);
}

static void fetch_fail(struct fetch *, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A failed or refused attempt: logged when an episode starts, and when
 * its reason (key) changes; the list held stays. */
static void
fetch_fail(struct fetch *f, const char *key, const char *fmt, ...)
{
	char	msg[512], keep[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	f->st.failures++;
	if (f->list != NULL)
		snprintf(keep, sizeof(keep),
		    "the last good list (%zu targets) stays", f->list->n);
	else
		snprintf(keep, sizeof(keep),
		    "only the local targets are checked");
	if (!f->failing || strcmp(f->fail_key, key) != 0)
		log_warnx("targets from %s: %s; %s, tried again later", f->url,
		    msg, keep);
	else
		log_debug("targets from %s: %s (again)", f->url, msg);
	f->failing = 1;
	snprintf(f->fail_key, sizeof(f->fail_key), "%s", key);
	finish(f, 1, 0);
}

static void
fetch_ok(struct fetch *f)
{
	if (f->failing)
		log_info("targets from %s: the collector answers again",
		    f->url);
	f->failing = 0;
	f->fail_key[0] = '\0';
}

static size_t
write_cb(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct fetch *f = arg;
	size_t	      n = size * nmemb;
	long	      code = 0;

	curl_easy_getinfo(f->x.easy, CURLINFO_RESPONSE_CODE, &code);
	if (code != 200 && f->len + n > FETCH_ERRBODY_MAX)
		return n; /* enough to quote from an error page */
	if (n > TLIST_BODY_MAX - f->len) {
		f->over = 1;
		return 0; /* aborts: CURLE_WRITE_ERROR */
	}
	if (f->len + n + 1 > f->cap) {
		curl_off_t cl = -1;
		size_t	   want = f->cap == 0 ? 65536 : f->cap * 2;

		/* the announced size at once: no copy on every doubling */
		curl_easy_getinfo(f->x.easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T,
		    &cl);
		if (cl > 0 && (uint64_t)cl <= TLIST_BODY_MAX &&
		    (size_t)cl + 1 > want)
			want = (size_t)cl + 1;
		while (want < f->len + n + 1)
			want *= 2;
		f->body = xreallocarray(f->body, want, 1);
		f->cap = want;
	}
	memcpy(f->body + f->len, ptr, n);
	f->len += n;
	f->body[f->len] = '\0';
	return n;
}

/* ETag: "..." of the answer (the last one, should there be several). */
static size_t
header_cb(char *buf, size_t size, size_t nitems, void *arg)
{
	struct fetch *f = arg;
	size_t	      n = size * nitems, v;

	if (n >= 5 && strncmp(buf, "HTTP/", 5) == 0)
		f->etag[0] = '\0'; /* a new answer's headers */
	if (n < 5 || strncasecmp(buf, "ETag:", 5) != 0)
		return n;
	for (v = 5; v < n && (buf[v] == ' ' || buf[v] == '\t'); v++)
		;
	while (n > v &&
	    (buf[n - 1] == '\r' || buf[n - 1] == '\n' || buf[n - 1] == ' ' ||
		buf[n - 1] == '\t'))
		n--;
	if (n - v > TLIST_ETAG_MAX)
		f->etag[0] = '\0';
	else {
		memcpy(f->etag, buf + v, n - v);
		f->etag[n - v] = '\0';
		if (!tlist_etag_ok(f->etag))
			f->etag[0] = '\0';
	}
	return size * nitems;
}

static void
fetch_start(struct fetch *f)
{
	char auth[PROBE_TOKEN_MAX + 32], inm[TLIST_ETAG_MAX + 32];

	if (f->url == NULL)
		return;
	if (f->x.active) {
		f->again = 1;
		return;
	}
	ev_timer_disarm(f->loop, &f->timer);
	answer_reset(f);
	f->st.attempts++;
	curl_slist_free_all(f->hdrs);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", f->token);
	f->hdrs = curl_slist_append(NULL, auth);
	OPENSSL_cleanse(auth, sizeof(auth));
	f->hdrs = curl_slist_append(f->hdrs, "Accept: application/json");
	if (f->list != NULL && f->list->etag[0] != '\0') {
		snprintf(inm, sizeof(inm), "If-None-Match: %s", f->list->etag);
		f->hdrs = curl_slist_append(f->hdrs, inm);
	}
	curl_easy_reset(f->x.easy);
	curl_easy_setopt(f->x.easy, CURLOPT_URL, f->url);
	curl_easy_setopt(f->x.easy, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(f->x.easy, CURLOPT_HTTPHEADER, f->hdrs);
	curl_easy_setopt(f->x.easy, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(f->x.easy, CURLOPT_WRITEDATA, f);
	curl_easy_setopt(f->x.easy, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(f->x.easy, CURLOPT_HEADERDATA, f);
	curl_easy_setopt(f->x.easy, CURLOPT_MAXFILESIZE_LARGE,
	    (curl_off_t)TLIST_BODY_MAX);
	curl_easy_setopt(f->x.easy, CURLOPT_ERRORBUFFER, f->errbuf);
	curl_easy_setopt(f->x.easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(f->x.easy, CURLOPT_TIMEOUT_MS, (long)FETCH_TIMEOUT_MS);
	curl_easy_setopt(f->x.easy, CURLOPT_CONNECTTIMEOUT_MS,
	    (long)FETCH_CONNECT_MS);
	curl_easy_setopt(f->x.easy, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(f->x.easy, CURLOPT_LOW_SPEED_TIME,
	    (long)FETCH_STALL_S);
	curl_easy_setopt(f->x.easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(f->x.easy, CURLOPT_USERAGENT,
	    "v6probe/" V6WATCH_VERSION);
	if (f->cacert != NULL)
		curl_easy_setopt(f->x.easy, CURLOPT_CAINFO, f->cacert);
	log_debug("targets: GET %s%s", f->url,
	    f->list != NULL && f->list->etag[0] != '\0' ?
		" (If-None-Match: the list held)" :
		"");
	if (httpc_start(f->hc, &f->x) == -1)
		fetch_fail(f, "start", "cannot start the transfer");
}

void
fetch_now(struct fetch *f)
{
	fetch_start(f);
}

/* 200: the list, unless it is the one held or is refused. */
static void
fetch_200(struct fetch *f)
{
	struct tlist *l;
	char	      err[512], key[64], sha[65], size[32];
	curl_off_t    xfer_us = 0;
	uint64_t      t0 = now_mono_us();

	curl_easy_getinfo(f->x.easy, CURLINFO_TOTAL_TIME_T, &xfer_us);
	tlist_hash(f->body != NULL ? f->body : "", f->len, sha);
	if (f->list != NULL && strcmp(sha, f->list->sha256) == 0) {
		/* a collector that sent no ETag, or another one */
		snprintf(f->list->etag, sizeof(f->list->etag), "%s", f->etag);
		f->st.unchanged++;
		fetch_ok(f);
		log_debug("targets from %s: the same list again (%zu targets)",
		    f->url, f->list->n);
		finish(f, 0, 0);
		return;
	}
	if ((l = tlist_parse(f->body != NULL ? f->body : "", f->len, f->probe,
		 err, sizeof(err))) == NULL) {
		snprintf(key, sizeof(key), "refused:%.50s", err);
		fetch_fail(f, key, "the list is refused: %s", err);
		return;
	}
	snprintf(l->etag, sizeof(l->etag), "%s", f->etag);
	fetch_ok(f);
	log_skips(l, f->url);
	if (f->dirfd != -1 &&
	    tcache_save(f->dirfd, f->dir, f->body, f->len, l->etag, l->sha256,
		err, sizeof(err)) == -1)
		log_warnx("targets: the list is not kept for the next start: %s",
		    err);
	size_text(size, sizeof(size), f->len);
	log_info("targets: %zu from %s%s (%s, fetched in %" PRIu64
		 " ms, read and kept in %" PRIu64 " ms)",
	    l->n, f->url, f->list != NULL ? " (a new list)" : "", size,
	    (uint64_t)xfer_us / 1000, (now_mono_us() - t0) / 1000);
	tlist_free(f->list);
	f->list = l;
	f->st.replaced++;
	finish(f, 0, 1);
}

static void
fetch_done_cb(struct httpc_xfer *x, CURLcode rc)
{
	struct fetch *f = x->arg;
	long	      status = 0;
	char	      key[64], quote[161];

	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
	if (rc == CURLE_FILESIZE_EXCEEDED || f->over) {
		fetch_fail(f, "size", "the answer is larger than 64 MiB");
		return;
	}
	if (rc != CURLE_OK) {
		snprintf(key, sizeof(key), "curl:%d", (int)rc);
		fetch_fail(f, key, "%s",
		    f->errbuf[0] != '\0' ? f->errbuf : curl_easy_strerror(rc));
		return;
	}
	snprintf(key, sizeof(key), "http:%ld", status);
	switch (status) {
	case 200:
		fetch_200(f);
		return;
	case 304:
		if (f->list == NULL) {
			fetch_fail(f, key,
			    "HTTP 304 (not modified), but this probe holds no list");
			return;
		}
		f->st.not_modified++;
		fetch_ok(f);
		log_debug(
		    "targets from %s: 304 not modified: the list of %zu targets stays",
		    f->url, f->list->n);
		finish(f, 0, 0);
		return;
	case 401:
	case 403:
		fetch_fail(f, key,
		    "HTTP %ld: the collector refused this probe's token (is %s in its probes list, with the same token?)",
		    status, f->probe);
		return;
	case 404:
		fetch_fail(f, key,
		    "HTTP 404: the collector has no target list there (an older v6collector? collector.fetch_targets = false stops asking)");
		return;
	}
	/* quote the start of an error page, control bytes made '?' */
	snprintf(quote, sizeof(quote), "%.*s",
	    (int)(f->len < 160 ? f->len : 160), f->body != NULL ? f->body : "");
	for (char *p = quote; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	fetch_fail(f, key, "HTTP %ld%s%s", status, quote[0] != '\0' ? ": " : "",
	    quote);
}
