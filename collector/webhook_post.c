/*
 * webhook_post: build, run and judge one signed webhook POST.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "log.h"
#include "util.h"
#include "webhook_post.h"

void
webhook_sign(const char *secret, const void *body, size_t len,
    char out[WEBHOOK_SIG_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int  mdlen = 0;

	memcpy(out, "sha256=", 7);
	if (HMAC(EVP_sha256(), secret, (int)strlen(secret), body, len, md,
		&mdlen) == NULL ||
	    mdlen != 32)
		fatalx("webhook: HMAC-SHA256 failed");
	hex_encode(md, mdlen, out + 7);
}

/* Quote s with control and non-ASCII bytes as '?'. */
static void
quote(const char *s, char *out, size_t size)
{
	size_t n = 0;

	for (; *s != '\0' && n + 1 < size; s++)
		out[n++] =
		    (unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e ? '?' :
									   *s;
	out[n] = '\0';
}

int
webhook_post_verdict(CURLcode rc, long status, int resp_over, const char *resp,
    const char *curl_err, int timeout_s, char *why, size_t whylen)
{
	char q[WEBHOOK_RESP_QUOTE + 1];

	/* A 2xx whose body we stopped reading was still received. */
	if (rc == CURLE_OK || (rc == CURLE_WRITE_ERROR && resp_over)) {
		quote(resp, q, sizeof(q));
		if (status >= 200 && status <= 299) {
			snprintf(why, whylen, "HTTP %ld", status);
			return 1;
		}
		if (status >= 300 && status <= 399)
			snprintf(why, whylen,
			    "HTTP %ld: redirects are not followed", status);
		else
			snprintf(why, whylen, "HTTP %ld%s%s", status,
			    q[0] != '\0' ? ": " : "", q);
		return 0;
	}
	if (rc == CURLE_OPERATION_TIMEDOUT) {
		snprintf(why, whylen, "no answer within %d s", timeout_s);
		return 0;
	}
	quote(curl_err != NULL && curl_err[0] != '\0' ? curl_err :
							curl_easy_strerror(rc),
	    q, sizeof(q));
	snprintf(why, whylen, "%s", q);
	return 0;
}

static size_t
webhook_write_cb(char *data, size_t size, size_t n, void *arg)
{
	struct webhook_post *p = arg;
	size_t		     len = size * n, keep;

	if (p->resp_total + len > WEBHOOK_RESP_MAX) {
		p->resp_over = 1;
		return 0; /* aborts: CURLE_WRITE_ERROR */
	}
	p->resp_total += len;
	keep = WEBHOOK_RESP_QUOTE - p->resp_len;
	if (keep > len)
		keep = len;
	memcpy(p->resp + p->resp_len, data, keep);
	p->resp_len += keep;
	p->resp[p->resp_len] = '\0';
	return len;
}

static void
webhook_post_clear(struct webhook_post *p)
{
	if (p->x.easy != NULL) {
		if (p->x.active)
			httpc_cancel(p->hc, &p->x);
		curl_easy_cleanup(p->x.easy);
		p->x.easy = NULL;
	}
	curl_slist_free_all(p->headers);
	p->headers = NULL;
	free(p->body);
	p->body = NULL;
	free(p->safe_url_part);
	p->safe_url_part = NULL;
}

static void
webhook_post_done_cb(struct httpc_xfer *x, CURLcode rc)
{
	struct webhook_post *p = x->arg;
	const char	    *err = p->errbuf;
	int		     ok;

	p->status = 0;
	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &p->status);
	/* curl's text could quote the URL: then say only what failed. */
	if (p->safe_url_part != NULL && p->safe_url_part[0] != '\0' &&
	    strstr(err, p->safe_url_part) != NULL)
		err = curl_easy_strerror(rc);
	ok = webhook_post_verdict(rc, p->status, p->resp_over, p->resp, err,
	    p->timeout_s, p->why, sizeof(p->why));
	webhook_post_clear(p);
	p->done(p, ok, p->why, p->arg);
}

/* Path and query of url (everything from the first '/' after host). */
static char *
url_private_part(const char *url)
{
	const char *s = strstr(url, "://"), *slash;

	s = s != NULL ? s + 3 : url;
	slash = strchr(s, '/');
	if (slash == NULL)
		slash = strchr(s, '?');
	return xstrdup(slash != NULL && slash[1] != '\0' ? slash : "");
}

static int
add_header(struct curl_slist **l, const char *name, const char *value)
{
	char		   buf[512];
	struct curl_slist *n;

	if (snprintf(buf, sizeof(buf), "%s: %s", name, value) >=
	    (int)sizeof(buf))
		return -1;
	if ((n = curl_slist_append(*l, buf)) == NULL)
		return -1;
	*l = n;
	return 0;
}

int
webhook_post_start(struct webhook_post *p, struct httpc *hc,
    const struct webhook_req *req, webhook_post_done_fn done, void *arg)
{
	char  sig[WEBHOOK_SIG_LEN + 1];
	CURL *e;
	long  ms = (long)req->timeout_s * 1000;

	memset(p, 0, sizeof(*p));
	p->hc = hc;
	p->done = done;
	p->arg = arg;
	p->timeout_s = req->timeout_s;
	p->started_ms = now_mono_ms();
	p->body = xmalloc(req->body_len + 1);
	memcpy(p->body, req->body, req->body_len);
	p->body[req->body_len] = '\0';
	p->safe_url_part = url_private_part(req->url);
	/* No secret (alertmanager, teams without secret_file; telegram):
	 * no signature. */
	if (req->secret != NULL && req->secret[0] != '\0')
		webhook_sign(req->secret, p->body, req->body_len, sig);
	else
		sig[0] = '\0';
	if (add_header(&p->headers, "Content-Type", "application/json") == -1 ||
	    add_header(&p->headers, "User-Agent", "v6watch/" V6WATCH_VERSION) ==
		-1 ||
	    add_header(&p->headers, "X-V6watch-Event", req->event) == -1 ||
	    add_header(&p->headers, "X-V6watch-Delivery", req->id) == -1 ||
	    (sig[0] != '\0' &&
		add_header(&p->headers, "X-V6watch-Signature", sig) == -1) ||
	    (p->headers = curl_slist_append(p->headers, "Expect:")) == NULL) {
		snprintf(p->why, sizeof(p->why), "cannot build the headers");
		goto fail;
	}
	if ((e = p->x.easy = curl_easy_init()) == NULL) {
		snprintf(p->why, sizeof(p->why), "curl_easy_init failed");
		goto fail;
	}
	p->x.done = webhook_post_done_cb;
	p->x.arg = p;
	if (curl_easy_setopt(e, CURLOPT_URL, req->url) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") !=
		CURLE_OK) {
		snprintf(p->why, sizeof(p->why), "the URL is not usable");
		goto fail;
	}
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_POST, 1L);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, p->body);
	curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)req->body_len);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, p->headers);
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, ms);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, ms < 10000 ? ms : 10000);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, webhook_write_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, p);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, p->errbuf);
	curl_easy_setopt(e, CURLOPT_MAXREDIRS, 0L);
	if (req->cacert != NULL)
		curl_easy_setopt(e, CURLOPT_CAINFO, req->cacert);
	if (httpc_start(hc, &p->x) == -1) {
		snprintf(p->why, sizeof(p->why), "cannot start the transfer");
		goto fail;
	}
	return 0;
fail:
	webhook_post_clear(p);
	return -1;
}

void
webhook_post_cancel(struct webhook_post *p)
{
	webhook_post_clear(p);
}

int
webhook_post_active(const struct webhook_post *p)
{
	return p->x.easy != NULL;
}
