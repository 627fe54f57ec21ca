/*
 * upload: delivery of spooled records to the collector -- one POST at a
 * time in the event loop, batches of at most 1 MiB, a batch leaves the
 * spool only after the collector's 200; 413 halves the batch (a single
 * record that is still too large is dropped and logged); 401, 403, 5xx
 * and connection failures back off exponentially with jitter while checks
 * go on. The token is read from token_file and never logged.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <openssl/crypto.h>

#include "ev.h"
#include "httpc.h"
#include "log.h"
#include "result.h"
#include "spool.h"
#include "upload.h"
#include "util.h"

#define UPLOAD_MAX_BODY	   (1u << 20)
#define UPLOAD_MIN_BODY	   (16u << 10)
#define UPLOAD_MAX_ANSWER  (256u << 10)
#define UPLOAD_BACKOFF_MIN 1000
#define UPLOAD_BACKOFF_MAX 300000
#define UPLOAD_TIMEOUT_MS  30000
#define TOKEN_MAX	   256

/* Rejection reasons remembered, and how long one stays quiet. */
#define UPLOAD_REJECT_SLOTS    32
#define UPLOAD_REJECT_QUIET_MS (10 * 60 * 1000)

struct upload {
	struct ev_loop	   *loop;
	struct spool	   *spool;
	struct httpc	   *hc;
	struct httpc_xfer   x;
	char		   *url, *cacert, *probe;
	char		    token[TOKEN_MAX];
	struct curl_slist  *hdrs;
	char		   *body;
	size_t		    bodylen, batch_count;
	uint64_t	    batch_first, batch_last;
	size_t		    max_body;
	char		   *answer;
	size_t		    answerlen;
	int		    answer_over;
	char		    errbuf[CURL_ERROR_SIZE];
	struct ev_timer	    retry;
	uint64_t	    backoff_ms;
	int		    failing;
	upload_idle_cb	    idle;
	void		   *idle_arg;
	struct upload_stats st;
	/* Rejection reasons logged lately: each is logged once per
	 * UPLOAD_REJECT_QUIET_MS, the records it rejected meanwhile
	 * counted and told with the next line of it. */
	struct {
		uint64_t hash, logged_ms, quiet;
	} rej[UPLOAD_REJECT_SLOTS];
};

static void upload_done_cb(struct httpc_xfer *, CURLcode);

/* FNV-1a of s: one rejection reason. */
static uint64_t
reason_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/*
 * Whether a rejection for reason (target and error) is logged now: the
 * first time, and again once UPLOAD_REJECT_QUIET_MS passed; *quiet gets
 * how many were not logged since.
 */
static int
reject_loud(struct upload *u, const char *reason, uint64_t *quiet)
{
	uint64_t h = reason_hash(reason), now = now_mono_ms();
	size_t	 oldest = 0;

	*quiet = 0;
	for (size_t i = 0; i < UPLOAD_REJECT_SLOTS; i++) {
		if (u->rej[i].hash == h && u->rej[i].logged_ms != 0) {
			if (now - u->rej[i].logged_ms <
			    UPLOAD_REJECT_QUIET_MS) {
				u->rej[i].quiet++;
				return 0;
			}
			*quiet = u->rej[i].quiet;
			u->rej[i].quiet = 0;
			u->rej[i].logged_ms = now;
			return 1;
		}
		if (u->rej[i].logged_ms < u->rej[oldest].logged_ms)
			oldest = i;
	}
	u->rej[oldest].hash = h;
	u->rej[oldest].logged_ms = now;
	u->rej[oldest].quiet = 0;
	return 1;
}

static size_t
upload_write_cb(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct upload *u = arg;
	size_t	       n = size * nmemb;

	if (u->answerlen + n > UPLOAD_MAX_ANSWER) {
		u->answer_over = 1;
		return n; /* read on, keep nothing more */
	}
	u->answer = xreallocarray(u->answer, u->answerlen + n + 1, 1);
	memcpy(u->answer + u->answerlen, ptr, n);
	u->answerlen += n;
	u->answer[u->answerlen] = '\0';
	return n;
}

static void
retry_cb(struct ev_loop *loop, struct ev_timer *t)
{
	(void)loop;
	upload_kick(t->arg);
}

struct upload *
upload_new(struct ev_loop *loop, struct spool *spool)
{
	struct upload *u = xcalloc(1, sizeof(*u));

	u->loop = loop;
	u->spool = spool;
	u->max_body = UPLOAD_MAX_BODY;
	ev_timer_init(&u->retry, retry_cb, u);
	if ((u->hc = httpc_new(loop)) == NULL ||
	    (u->x.easy = curl_easy_init()) == NULL) {
		upload_free(u);
		return NULL;
	}
	u->x.done = upload_done_cb;
	u->x.arg = u;
	return u;
}

void
upload_free(struct upload *u)
{
	if (u == NULL)
		return;
	if (u->x.active)
		httpc_cancel(u->hc, &u->x);
	ev_timer_disarm(u->loop, &u->retry);
	if (u->x.easy != NULL)
		curl_easy_cleanup(u->x.easy);
	httpc_free(u->hc);
	curl_slist_free_all(u->hdrs);
	OPENSSL_cleanse(u->token, sizeof(u->token));
	free(u->url);
	free(u->cacert);
	free(u->probe);
	free(u->body);
	free(u->answer);
	free(u);
}

int
upload_configure(struct upload *u, const char *url, const char *token_file,
    const char *cacert, const char *probe, char *err, size_t errlen)
{
	char token[TOKEN_MAX], auth[TOKEN_MAX + 32];

	if (secret_read(token_file, token, sizeof(token), err, errlen) == -1)
		return -1;
	OPENSSL_cleanse(u->token, sizeof(u->token));
	memcpy(u->token, token, sizeof(token));
	OPENSSL_cleanse(token, sizeof(token));
	free(u->url);
	free(u->cacert);
	free(u->probe);
	u->url = xstrdup(url);
	u->cacert = cacert != NULL ? xstrdup(cacert) : NULL;
	u->probe = xstrdup(probe);
	curl_slist_free_all(u->hdrs);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", u->token);
	u->hdrs = curl_slist_append(NULL, auth);
	OPENSSL_cleanse(auth, sizeof(auth));
	u->hdrs = curl_slist_append(u->hdrs, "Content-Type: application/json");
	u->hdrs = curl_slist_append(u->hdrs, "Expect:");
	/* a new collector or token deserves a try now */
	u->backoff_ms = 0;
	if (ev_timer_armed(&u->retry)) {
		ev_timer_disarm(u->loop, &u->retry);
		upload_kick(u);
	}
	return 0;
}

void
upload_on_idle(struct upload *u, upload_idle_cb cb, void *arg)
{
	u->idle = cb;
	u->idle_arg = arg;
}

static void
upload_idle(struct upload *u)
{
	if (u->idle != NULL)
		u->idle(u, u->idle_arg);
}

static void upload_backoff(struct upload *u, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
upload_backoff(struct upload *u, const char *fmt, ...)
{
	va_list	 ap;
	uint64_t jitter;

	va_start(ap, fmt);
	vsnprintf(u->st.last_error, sizeof(u->st.last_error), fmt, ap);
	va_end(ap);
	u->st.failures++;
	u->backoff_ms = u->backoff_ms == 0	   ? UPLOAD_BACKOFF_MIN :
	    u->backoff_ms * 2 > UPLOAD_BACKOFF_MAX ? UPLOAD_BACKOFF_MAX :
						     u->backoff_ms * 2;
	/* +-20%, so probes that lost the collector together do not come
	 * back together */
	jitter = (uint64_t)random() % (u->backoff_ms * 2 / 5 + 1);
	u->st.backoff_ms = u->backoff_ms - u->backoff_ms / 5 + jitter;
	if (!u->failing)
		log_warnx(
		    "upload to %s failed: %s; retrying with backoff while checks go on",
		    u->url, u->st.last_error);
	else
		log_debug("upload: %s; next try in %" PRIu64 " ms",
		    u->st.last_error, u->st.backoff_ms);
	u->failing = 1;
	ev_timer_arm(u->loop, &u->retry, u->st.backoff_ms);
}

void
upload_set_spool(struct upload *u, struct spool *spool)
{
	u->spool = spool;
}

void
upload_kick(struct upload *u)
{
	char  *items;
	size_t len, count;
	size_t overhead;

	if (u->x.active || ev_timer_armed(&u->retry) || u->url == NULL ||
	    u->spool == NULL)
		return;
	overhead = strlen(u->probe) * 2 + 64 + SPOOL_ID_LEN;
	if (spool_peek(u->spool, u->max_body - overhead, &items, &len, &count,
		&u->batch_first, &u->batch_last) == -1) {
		upload_idle(u);
		return;
	}
	free(u->body);
	{
		cJSON *name = cJSON_CreateString(u->probe);
		char  *quoted = cJSON_PrintUnformatted(name);

		u->bodylen = (size_t)asprintf(&u->body,
		    "{\"probe\":%s,\"spool\":\"%s\",\"results\":[%s]}", quoted,
		    spool_id(u->spool), items);
		cJSON_free(quoted);
		cJSON_Delete(name);
	}
	free(items);
	u->batch_count = count;
	free(u->answer);
	u->answer = NULL;
	u->answerlen = 0;
	u->answer_over = 0;
	u->errbuf[0] = '\0';
	curl_easy_reset(u->x.easy);
	curl_easy_setopt(u->x.easy, CURLOPT_URL, u->url);
	curl_easy_setopt(u->x.easy, CURLOPT_HTTPHEADER, u->hdrs);
	curl_easy_setopt(u->x.easy, CURLOPT_POSTFIELDS, u->body);
	curl_easy_setopt(u->x.easy, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)u->bodylen);
	curl_easy_setopt(u->x.easy, CURLOPT_WRITEFUNCTION, upload_write_cb);
	curl_easy_setopt(u->x.easy, CURLOPT_WRITEDATA, u);
	curl_easy_setopt(u->x.easy, CURLOPT_ERRORBUFFER, u->errbuf);
	curl_easy_setopt(u->x.easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(u->x.easy, CURLOPT_TIMEOUT_MS,
	    (long)UPLOAD_TIMEOUT_MS);
	curl_easy_setopt(u->x.easy, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
	curl_easy_setopt(u->x.easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(u->x.easy, CURLOPT_USERAGENT,
	    "v6probe/" V6WATCH_VERSION);
	if (u->cacert != NULL)
		curl_easy_setopt(u->x.easy, CURLOPT_CAINFO, u->cacert);
	if (httpc_start(u->hc, &u->x) == -1)
		upload_backoff(u, "cannot start the transfer");
}

/* Log what the collector rejected, with the record's identity. */
static void
log_rejections(struct upload *u, const cJSON *rejected)
{
	const cJSON *r;
	cJSON	    *batch = NULL, *results = NULL;

	cJSON_ArrayForEach(r, rejected)
	{
		const cJSON *idx = cJSON_GetObjectItemCaseSensitive(r, "index");
		const cJSON *err = cJSON_GetObjectItemCaseSensitive(r, "error");
		const cJSON *rec = NULL;
		char	     what[200] = "?";

		if (batch == NULL) {
			batch = cJSON_Parse(u->body);
			results =
			    cJSON_GetObjectItemCaseSensitive(batch, "results");
		}
		if (cJSON_IsNumber(idx) && idx->valuedouble >= 0)
			rec =
			    cJSON_GetArrayItem(results, (int)idx->valuedouble);
		if (rec != NULL) {
			const cJSON *t = cJSON_GetObjectItem(rec, "target");
			const cJSON *f = cJSON_GetObjectItem(rec, "family");
			const cJSON *s = cJSON_GetObjectItem(rec, "seq");

			snprintf(what, sizeof(what), "seq %.0f (%.64s %.8s)",
			    cJSON_IsNumber(s) ? s->valuedouble : 0,
			    cJSON_IsString(t) ? t->valuestring : "traffic",
			    cJSON_IsString(f) ? f->valuestring : "");
		}
		u->st.rejected++;
		{
			const char  *why = cJSON_IsString(err) ?
			     err->valuestring :
			     "no reason given";
			const cJSON *t = rec != NULL ?
			    cJSON_GetObjectItem(rec, "target") :
			    NULL;
			char	     key[512];
			uint64_t     quiet;

			snprintf(key, sizeof(key), "%.64s\n%.400s",
			    cJSON_IsString(t) ? t->valuestring : "", why);
			if (!reject_loud(u, key, &quiet))
				continue;
			if (quiet > 0)
				log_warnx(
				    "collector rejected record %s: %.200s (and %" PRIu64
				    " more for this reason in the last %d minutes)",
				    what, why, quiet,
				    UPLOAD_REJECT_QUIET_MS / 60000);
			else
				log_warnx("collector rejected record %s: %.200s",
				    what, why);
		}
	}
	cJSON_Delete(batch);
}

static void
upload_ok(struct upload *u)
{
	cJSON	    *a = NULL;
	const cJSON *acc, *dup, *rej;
	char	     err[128];

	if (!u->answer_over && u->answer != NULL)
		a = json_parse_strict(u->answer, u->answerlen, err,
		    sizeof(err));
	acc = cJSON_GetObjectItemCaseSensitive(a, "accepted");
	dup = cJSON_GetObjectItemCaseSensitive(a, "duplicates");
	rej = cJSON_GetObjectItemCaseSensitive(a, "rejected");
	if (!cJSON_IsNumber(acc) || !cJSON_IsNumber(dup) ||
	    !cJSON_IsArray(rej)) {
		cJSON_Delete(a);
		upload_backoff(u, "HTTP 200 without the expected answer");
		return;
	}
	log_rejections(u, rej);
	u->st.accepted += (uint64_t)acc->valuedouble;
	u->st.duplicates += (uint64_t)dup->valuedouble;
	cJSON_Delete(a);
	if (spool_ack_peeked(u->spool) == -1) {
		upload_backoff(u, "cannot record the delivery in the spool");
		return;
	}
	u->st.batches++;
	u->st.delivered += u->batch_count;
	if (u->failing)
		log_info("upload to %s works again", u->url);
	u->failing = 0;
	u->backoff_ms = 0;
	u->st.last_error[0] = '\0';
	upload_kick(u);
}

static void
upload_done_cb(struct httpc_xfer *x, CURLcode rc)
{
	struct upload *u = x->arg;
	long	       status = 0;

	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
	if (rc != CURLE_OK) {
		upload_backoff(u, "%s",
		    u->errbuf[0] != '\0' ? u->errbuf : curl_easy_strerror(rc));
	} else if (status == 200) {
		upload_ok(u);
		return;
	} else if (status == 413) {
		if (u->batch_count == 1) {
			log_warnx("collector refused record seq %" PRIu64
				  " as too large (%zu bytes): dropped",
			    u->batch_first, u->bodylen);
			spool_skip_first(u->spool);
		} else if (u->max_body > UPLOAD_MIN_BODY) {
			u->max_body /= 2;
			log_info("collector says 413: batches of at most %zu bytes from now on",
			    u->max_body);
		}
		upload_kick(u);
		return;
	} else if (status == 401 || status == 403) {
		upload_backoff(u,
		    "HTTP %ld: the collector refused this probe's token (is %s in its probes list, with the same token?)",
		    status, u->probe);
	} else {
		upload_backoff(u, "HTTP %ld%s%.160s", status,
		    u->answer != NULL ? ": " : "",
		    u->answer != NULL ? u->answer : "");
	}
	upload_idle(u);
}

int
upload_busy(const struct upload *u)
{
	return u->x.active;
}

int
upload_failing(const struct upload *u)
{
	return u->failing;
}

void
upload_stats(const struct upload *u, struct upload_stats *st)
{
	*st = u->st;
}
