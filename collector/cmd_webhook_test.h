/*
 * cmd_webhook_test: `v6collector webhook-test -c FILE [NAME]` -- POST one
 * signed test event to every configured webhook, or to the one called
 * NAME, at once and without the queues (a running daemon owns them), and
 * say for each what came back.
 */
#ifndef V6W_CMD_WEBHOOK_TEST_H
#define V6W_CMD_WEBHOOK_TEST_H

/*
 * 0 when every webhook answered 2xx; 1 when one did not (the reason is
 * printed); 3 when the config is broken or NAME is not a webhook.
 */
int webhook_test_run(const char *conf_path, const char *name);

#endif
