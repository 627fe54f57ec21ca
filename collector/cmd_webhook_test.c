/*
 * cmd_webhook_test: the webhook-test command (see cmd_webhook_test.h).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <openssl/crypto.h>

#include "alert.h"
#include "alert_event.h"
#include "cfg.h"
#include "conf.h"
#include "ev.h"
#include "httpc.h"
#include "i18n.h"
#include "log.h"
#include "util.h"
#include "webhook.h"
#include "webhook_post.h"
#include "cmd_webhook_test.h"
#include "wqueue.h"

struct wt_one {
	const struct webhook_conf *wc;
	struct webhook_post	   post;
	struct ev_loop		  *loop;
	size_t			  *pending;
	char			   id[WQUEUE_ID_LEN + 1];
	int			   done, ok;
	char			   why[256];
	uint64_t		   ms;
};

static void
wt_done_cb(struct webhook_post *p, int ok, const char *why, void *arg)
{
	struct wt_one *one = arg;

	one->done = 1;
	one->ok = ok;
	one->ms = now_mono_ms() - p->started_ms;
	snprintf(one->why, sizeof(one->why), "%s", why);
	if (--*one->pending == 0)
		ev_break(one->loop);
}

static int
wt_send(struct wt_one *one, struct httpc *hc, const char *collector)
{
	struct alert_event ev;
	struct alert_msg   m;
	struct webhook_req req;
	char		  *body, *url;
	int		   rc;

	memset(&ev, 0, sizeof(ev));
	ev.kind = ALERT_TEST;
	ev.ts = now_wall();
	/* TRANSLATORS: %s is the webhook's name. */
	snprintf(ev.detail, sizeof(ev.detail),
	    _("test event from v6collector webhook-test for webhook %s"),
	    one->wc->name);
	memset(&m, 0, sizeof(m));
	m.ev = &ev;
	m.collector = collector;
	switch (one->wc->format) {
	case WEBHOOK_SLACK:
		body = alert_msg_slack(&m);
		break;
	case WEBHOOK_TELEGRAM:
		body = alert_msg_telegram(&m, one->wc->chat_id);
		break;
	case WEBHOOK_TEAMS:
		body = alert_msg_teams(&m);
		break;
	case WEBHOOK_ALERTMANAGER:
		body = alert_msg_alertmanager(&m, 1);
		break;
	default:
		body = alert_msg_json(&m);
		break;
	}
	url = webhook_conf_url(one->wc);
	wqueue_new_id(one->id);
	memset(&req, 0, sizeof(req));
	req.url = url;
	req.secret =
	    one->wc->format == WEBHOOK_TELEGRAM ? NULL : one->wc->secret;
	req.event = alert_kind_name(ALERT_TEST);
	req.id = one->id;
	req.body = body;
	req.body_len = strlen(body);
	req.timeout_s = one->wc->timeout_s;
	req.cacert = one->wc->cacert;
	rc = webhook_post_start(&one->post, hc, &req, wt_done_cb, one);
	if (rc == -1) {
		one->done = 1;
		snprintf(one->why, sizeof(one->why), "%s", one->post.why);
	}
	cJSON_free(body);
	OPENSSL_cleanse(url, strlen(url));
	free(url);
	return rc;
}

int
webhook_test_run(const char *conf_path, const char *name)
{
	struct collector_conf *cc;
	struct ev_loop	      *loop = NULL;
	struct httpc	      *hc = NULL;
	struct wt_one	      *ones = NULL;
	struct cfg	       c;
	size_t		       n = 0, pending = 0;
	int		       rc = 0;

	cc = collector_conf_load(conf_path, NULL, &c);
	if (cc == NULL) {
		cfg_report(&c);
		cfg_close(&c);
		return 3;
	}
	cfg_close(&c);
	ones = xcalloc(cc->nwebhooks + 1, sizeof(*ones));
	for (size_t i = 0; i < cc->nwebhooks; i++)
		if (name == NULL || strcmp(cc->webhooks[i].name, name) == 0)
			ones[n++].wc = &cc->webhooks[i];
	if (n == 0) {
		if (name != NULL)
			fprintf(stderr,
			    "v6collector: no webhook named '%s' in %s\n", name,
			    conf_path);
		else
			fprintf(stderr, "v6collector: no webhooks in %s\n",
			    conf_path);
		rc = 3;
		goto done;
	}
	signal(SIGPIPE, SIG_IGN);
	if ((loop = ev_loop_new()) == NULL || (hc = httpc_new(loop)) == NULL)
		fatalx("webhook-test: cannot set up the event loop");
	for (size_t i = 0; i < n; i++) {
		ones[i].loop = loop;
		ones[i].pending = &pending;
		pending++;
		if (wt_send(&ones[i], hc, cc->name) == -1)
			pending--;
	}
	if (pending > 0 && ev_run(loop) == -1)
		fatal("webhook-test: event loop");
	for (size_t i = 0; i < n; i++) {
		if (ones[i].ok)
			printf("webhook %s: delivered: %s in %llu ms (delivery %s)\n",
			    ones[i].wc->name, ones[i].why,
			    (unsigned long long)ones[i].ms, ones[i].id);
		else {
			fprintf(stderr,
			    "webhook %s: not delivered: %s (delivery %s)\n",
			    ones[i].wc->name, ones[i].why, ones[i].id);
			rc = 1;
		}
	}
done:
	for (size_t i = 0; i < n; i++)
		webhook_post_cancel(&ones[i].post);
	free(ones);
	httpc_free(hc);
	ev_loop_free(loop);
	collector_conf_free(cc);
	return rc;
}
