/*
 * retire: retiring and renaming targets in the running collector, from
 * the central list and from the requests of `v6collector target` (see
 * collector.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "alert.h"
#include "catalog.h"
#include "collector.h"
#include "conf.h"
#include "json.h"
#include "ledger.h"
#include "log.h"
#include "maint.h"
#include "store.h"
#include "targets.h"
#include "util.h"

#define REQUESTS_FILE_MAX (4 * 1024 * 1024)

int
retire_requests_path(const char *data_dir, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s/target-requests.json", data_dir);

	return n < 0 || (size_t)n >= size ? -1 : 0;
}

int
retire_lock_path(const char *data_dir, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s/target-requests.json.lock", data_dir);

	return n < 0 || (size_t)n >= size ? -1 : 0;
}

static const char *const fam_suffix[FAMILY__N] = {"ipv6", "ipv4"};

/* Whether any probe folder under DATA_DIR/root holds a file of id. */
static int
files_exist(const char *data_dir, const char *root, const char *id)
{
	char	       dir[PATH_MAX], path[PATH_MAX], enc[STORE_NAME_MAX + 1];
	DIR	      *d;
	struct dirent *de;
	struct stat    st;
	int	       found = 0;

	if (store_name_encode(id, enc, sizeof(enc)) == -1 ||
	    snprintf(dir, sizeof(dir), "%s/%s", data_dir, root) >=
		(int)sizeof(dir) ||
	    (d = opendir(dir)) == NULL)
		return 0;
	while (!found && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		for (int f = 0; f < FAMILY__N && !found; f++)
			if (snprintf(path, sizeof(path), "%s/%s/%s.%s.rrd", dir,
				de->d_name, enc,
				fam_suffix[f]) < (int)sizeof(path) &&
			    lstat(path, &st) == 0)
				found = 1;
	}
	closedir(d);
	return found;
}

/*
 * Move every DATA_DIR/sroot/PROBE/from.FAMILY.rrd to DATA_DIR/droot/
 * PROBE/to.FAMILY.rrd; a name taken there gets ".<unix time>" before
 * ".rrd" when keep_both, else is an error (checked by the caller first).
 * The count moved into *n. 0, or -1 with msg (files moved before the
 * failure stay moved).
 */
static int
move_files(struct collector *co, const char *sroot, const char *from,
    const char *droot, const char *to, int keep_both, size_t *n, char *msg,
    size_t msglen)
{
	char sdir[PATH_MAX], src[PATH_MAX], dst[PATH_MAX], ddir[PATH_MAX],
	    ef[STORE_NAME_MAX + 1], et[STORE_NAME_MAX + 1];
	DIR	      *d;
	struct dirent *de;
	struct stat    st;
	int	       rc = 0;

	*n = 0;
	if (store_name_encode(from, ef, sizeof(ef)) == -1 ||
	    store_name_encode(to, et, sizeof(et)) == -1) {
		snprintf(msg, msglen, "name too long");
		return -1;
	}
	snprintf(sdir, sizeof(sdir), "%s/%s", co->data_dir, sroot);
	if ((d = opendir(sdir)) == NULL)
		return errno == ENOENT ? 0 : -1;
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		for (int f = 0; f < FAMILY__N && rc == 0; f++) {
			if (snprintf(src, sizeof(src), "%s/%s/%s.%s.rrd", sdir,
				de->d_name, ef,
				fam_suffix[f]) >= (int)sizeof(src) ||
			    lstat(src, &st) == -1 || !S_ISREG(st.st_mode))
				continue;
			snprintf(ddir, sizeof(ddir), "%s/%s", co->data_dir,
			    droot);
			if (collector_mkdir(ddir, msg, msglen) == -1 ||
			    snprintf(ddir, sizeof(ddir), "%s/%s/%s",
				co->data_dir, droot,
				de->d_name) >= (int)sizeof(ddir) ||
			    collector_mkdir(ddir, msg, msglen) == -1) {
				rc = -1;
				break;
			}
			if (snprintf(dst, sizeof(dst), "%s/%s.%s.rrd", ddir, et,
				fam_suffix[f]) >= (int)sizeof(dst)) {
				snprintf(msg, msglen, "path too long");
				rc = -1;
				break;
			}
			if (lstat(dst, &st) == 0) {
				if (!keep_both) {
					snprintf(msg, msglen, "%s exists", dst);
					rc = -1;
					break;
				}
				if (snprintf(dst, sizeof(dst),
					"%s/%s.%s.%lld.rrd", ddir, et,
					fam_suffix[f], (long long)time(NULL)) >=
				    (int)sizeof(dst)) {
					snprintf(msg, msglen, "path too long");
					rc = -1;
					break;
				}
			}
			if (store_release(co->store, src, msg, msglen) == -1) {
				rc = -1;
				break;
			}
			if (rename(src, dst) == -1) {
				snprintf(msg, msglen, "rename %s to %s: %s",
				    src, dst, strerror(errno));
				rc = -1;
				break;
			}
			(*n)++;
		}
	}
	closedir(d);
	if (*n > 0)
		(void)dir_sync_of(dst);
	return rc;
}

/* Whether target id has a history: a series, an alert state, a file. */
static int
target_history(struct collector *co, const char *id)
{
	if (alert_target_get(co->alert, id) != NULL)
		return 1;
	for (size_t i = 0; i < co->nledgers; i++)
		for (int f = 0; f < FAMILY__N; f++)
			if (ledger_series(co->ledgers[i], RESULT_CHECK, id, f,
				0) != NULL)
				return 1;
	return files_exist(co->data_dir, "rrd", id);
}

/* Whether co knows target id: in the central list, or a history. */
static int
target_known(struct collector *co, const char *id)
{
	return (co->conf->targets != NULL &&
		   targets_find(co->conf->targets, id) != NULL) ||
	    target_history(co, id);
}

static void
save_all(struct collector *co)
{
	char err[PATH_MAX + 256];

	if (collector_flush(co) == -1)
		log_warnx("target: the ledgers or alert state were not saved");
	if (catalog_save(&co->catalog, err, sizeof(err)) == -1)
		log_warnx("target: cannot save the catalogue: %s", err);
}

/* Drop id's series and alert state and move its files to retired/. */
static int
retire_one(struct collector *co, const char *id, const char *reason, char *msg,
    size_t msglen)
{
	size_t nseries = 0, nfiles = 0;
	char   err[PATH_MAX * 2 + 64];

	for (size_t i = 0; i < co->nledgers; i++)
		nseries += ledger_drop_target(co->ledgers[i], id);
	(void)alert_drop_target(co->alert, id);
	catalog_retire(&co->catalog, id, now_wall(), reason, NULL);
	if (move_files(co, "rrd", id, "retired", id, 1, &nfiles, err,
		sizeof(err)) == -1) {
		snprintf(msg, msglen,
		    "target '%s' retired, but its files did not all move: %s",
		    id, err);
		log_warnx("%s", msg);
		return -1;
	}
	snprintf(msg, msglen,
	    "target '%s' retired (%s): %zu series dropped, %zu files moved to %s/retired",
	    id, reason, nseries, nfiles, co->data_dir);
	log_info("%s", msg);
	return 0;
}

int
collector_retire(struct collector *co, const char *id, const char *reason,
    char *msg, size_t msglen)
{
	const struct catalog_retired *r = catalog_retired(&co->catalog, id);
	const struct ctarget	     *t;
	int			      rc;

	if (r != NULL) {
		snprintf(msg, msglen, "target '%s' is retired already (%s)", id,
		    r->reason);
		return -1;
	}
	t = co->conf->targets != NULL ? targets_find(co->conf->targets, id) :
					NULL;
	if (t != NULL) {
		snprintf(msg, msglen,
		    "target '%s' is in %s (line %d): remove it there and reload the collector; that retires it",
		    id, co->conf->targets->path, t->line);
		return -1;
	}
	if (!target_known(co, id)) {
		snprintf(msg, msglen,
		    "no target '%s' is known: no record names it and no file has its name",
		    id);
		return -1;
	}
	rc = retire_one(co, id, reason, msg, msglen);
	save_all(co);
	return rc;
}

static const char *
id_problem(const char *id)
{
	size_t n = strlen(id);

	if (n == 0 || n > TARGET_ID_MAX)
		return "must be 1 to 64 bytes";
	if (!((id[0] >= 'a' && id[0] <= 'z') ||
		(id[0] >= 'A' && id[0] <= 'Z') ||
		(id[0] >= '0' && id[0] <= '9')))
		return "must begin with a letter or a digit";
	for (size_t i = 0; i < n; i++)
		if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			   "0123456789._-",
			id[i]) == NULL)
			return "may contain only letters, digits, '.', '_' and '-'";
	return NULL;
}

/* Move from's history to to; no checks. */
static int
rename_one(struct collector *co, const char *from, const char *to, char *msg,
    size_t msglen)
{
	size_t nseries = 0, nfiles = 0;
	char   err[PATH_MAX * 2 + 64], why[CATALOG_REASON_MAX];

	if (move_files(co, "rrd", from, "rrd", to, 0, &nfiles, err,
		sizeof(err)) == -1) {
		snprintf(msg, msglen, "renaming '%s' to '%s': %s", from, to,
		    err);
		log_warnx("%s", msg);
		return -1;
	}
	for (size_t i = 0; i < co->nledgers; i++)
		nseries += ledger_rename_target(co->ledgers[i], from, to);
	(void)alert_rename_target(co->alert, from, to);
	snprintf(why, sizeof(why), "renamed to %s", to);
	catalog_retire(&co->catalog, from, now_wall(), why, to);
	(void)catalog_unretire(&co->catalog, to);
	snprintf(msg, msglen,
	    "target '%s' is now '%s': %zu series and %zu files renamed; records still sent as '%s' are rejected",
	    from, to, nseries, nfiles, from);
	log_info("%s", msg);
	return 0;
}

int
collector_rename(struct collector *co, const char *from, const char *to,
    char *msg, size_t msglen)
{
	const struct catalog_retired *r;
	const struct ctarget	     *t;
	const char		     *why;
	int			      rc;

	if ((why = id_problem(to)) != NULL) {
		snprintf(msg, msglen, "new id '%s': %s", to, why);
		return -1;
	}
	if (strcmp(from, to) == 0) {
		snprintf(msg, msglen, "'%s' is its name already", from);
		return -1;
	}
	if ((r = catalog_retired(&co->catalog, from)) != NULL) {
		snprintf(msg, msglen, "target '%s' is retired (%s)", from,
		    r->reason);
		return -1;
	}
	if (!target_known(co, from)) {
		snprintf(msg, msglen,
		    "no target '%s' is known: no record names it and no file has its name",
		    from);
		return -1;
	}
	if ((r = catalog_retired(&co->catalog, to)) != NULL &&
	    r->renamed_to == NULL) {
		snprintf(msg, msglen,
		    "'%s' is a retired target's id (%s); its files are kept under that name: choose another",
		    to, r->reason);
		return -1;
	}
	if (target_history(co, to)) {
		snprintf(msg, msglen,
		    "'%s' has a history of its own already (records or files)",
		    to);
		return -1;
	}
	if (co->conf->targets != NULL &&
	    targets_find(co->conf->targets, to) != NULL) {
		snprintf(msg, msglen, "'%s' is another target of %s", to,
		    co->conf->targets->path);
		return -1;
	}
	if (co->conf->targets != NULL &&
	    (t = targets_find(co->conf->targets, from)) != NULL &&
	    t->id_given) {
		snprintf(msg, msglen,
		    "%s:%d gives the id '%s': change it to '%s' there and reload the collector (the history follows the URL)",
		    co->conf->targets->path, t->line, from, to);
		return -1;
	}
	rc = rename_one(co, from, to, msg, msglen);
	if (rc == 0)
		collector_targets_renamed(co, from, to);
	save_all(co);
	return rc;
}

/* The id the list tl gives url; NULL when none. */
static const char *
list_id_of_url(const struct target_list *tl, const char *url)
{
	for (size_t i = 0; tl != NULL && i < tl->n; i++)
		if (strcmp(tl->v[i].url, url) == 0)
			return tl->v[i].id;
	return NULL;
}

void
collector_sync_list(struct collector *co)
{
	struct catalog		 *cat = &co->catalog;
	const struct target_list *tl = co->conf->targets;
	char   msg[PATH_MAX * 2 + 256], why[CATALOG_REASON_MAX];
	size_t nretired = 0, nrenamed = 0, nback = 0;

	if (tl == NULL) {
		if (cat->has_list && cat->nlist > 0)
			log_warnx(
			    "collector.targets_file is not set: the %zu targets of the last list stay; retire those that are gone with 'v6collector target retire'",
			    cat->nlist);
		return;
	}
	snprintf(why, sizeof(why), "removed from %s", tl->path);
	for (size_t i = 0; cat->has_list && i < cat->nlist; i++) {
		const struct catalog_entry *e = &cat->list[i];
		const char		   *to;

		if (targets_find(tl, e->id) != NULL)
			continue;
		/* The same URL under a new id: the id changed in the file. */
		to = list_id_of_url(tl, e->url);
		if (to != NULL && catalog_entry(cat, to) == NULL &&
		    !target_history(co, to) && target_history(co, e->id)) {
			if (rename_one(co, e->id, to, msg, sizeof(msg)) == 0)
				nrenamed++;
			continue;
		}
		if (catalog_retired(cat, e->id) != NULL)
			continue;
		(void)retire_one(co, e->id, why, msg, sizeof(msg));
		nretired++;
	}
	for (size_t i = 0; i < tl->n; i++) {
		const char *id = tl->v[i].id;
		size_t	    n = 0;

		if (catalog_retired(cat, id) == NULL)
			continue;
		(void)catalog_unretire(cat, id);
		nback++;
		if (!target_history(co, id) &&
		    move_files(co, "retired", id, "rrd", id, 0, &n, msg,
			sizeof(msg)) == -1)
			log_warnx("target '%s': its retired files stay: %s", id,
			    msg);
		log_info("target '%s' is in %s again: taken back into service (%zu files back in place)",
		    id, tl->path, n);
	}
	catalog_set_list(cat, tl);
	if (nretired + nrenamed + nback > 0)
		log_info("targets: %s: %zu targets; %zu retired, %zu renamed, %zu back",
		    tl->path, tl->n, nretired, nrenamed, nback);
	save_all(co);
}

/* The requests file: {"version":1,"next":N,"pending":[..],"done":[..]}. */

static int
requests_load(const char *path, cJSON **root, char *err, size_t errlen)
{
	if (json_load_file(path, REQUESTS_FILE_MAX, root, err, errlen) == -1)
		return -1;
	if (*root == NULL)
		*root = cJSON_CreateObject();
	if (!cJSON_IsObject(*root)) {
		cJSON_Delete(*root);
		*root = cJSON_CreateObject();
	}
	return 0;
}

/* One request's answer. */
static int
request_apply(struct collector *co, const cJSON *q, char *msg, size_t msglen)
{
	int	    ok = 1;
	const char *op = json_str(q, "op", 16, &ok);

	if (!ok) {
		snprintf(msg, msglen, "not a request");
		return -1;
	}
	if (strcmp(op, "retire") == 0) {
		const char *id = json_str(q, "id", RESULT_NAME_MAX, &ok);
		const char *why =
		    json_str(q, "reason", CATALOG_REASON_MAX, &ok);

		if (!ok) {
			snprintf(msg, msglen,
			    "a retire request needs id and reason");
			return -1;
		}
		return collector_retire(co, id, why, msg, msglen);
	}
	if (strcmp(op, "rename") == 0) {
		const char *from = json_str(q, "from", RESULT_NAME_MAX, &ok);
		const char *to = json_str(q, "to", RESULT_NAME_MAX, &ok);

		if (!ok) {
			snprintf(msg, msglen,
			    "a rename request needs from and to");
			return -1;
		}
		return collector_rename(co, from, to, msg, msglen);
	}
	snprintf(msg, msglen, "unknown request '%.16s'", op);
	return -1;
}

int
collector_requests(struct collector *co)
{
	char path[PATH_MAX], lock[PATH_MAX], err[PATH_MAX + 256],
	    msg[PATH_MAX * 2 + 512];
	cJSON *root = NULL, *pending, *done, *q;
	char  *text;
	int    fd, rc = 0;

	if (retire_requests_path(co->data_dir, path, sizeof(path)) == -1 ||
	    retire_lock_path(co->data_dir, lock, sizeof(lock)) == -1)
		return -1;
	fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (fd == -1 || flock(fd, LOCK_EX) == -1) {
		log_warn("target requests: %s", lock);
		if (fd != -1)
			close(fd);
		return -1;
	}
	if (requests_load(path, &root, err, sizeof(err)) == -1) {
		log_warnx("target requests: %s", err);
		close(fd);
		return -1;
	}
	pending = cJSON_DetachItemFromObject(root, "pending");
	if (pending == NULL || cJSON_GetArraySize(pending) == 0) {
		cJSON_Delete(pending);
		cJSON_Delete(root);
		close(fd);
		return 0;
	}
	done = cJSON_GetObjectItem(root, "done");
	if (!cJSON_IsArray(done)) {
		cJSON_DeleteItemFromObject(root, "done");
		done = cJSON_AddArrayToObject(root, "done");
	}
	while ((q = cJSON_DetachItemFromArray(pending, 0)) != NULL) {
		int r = request_apply(co, q, msg, sizeof(msg));

		cJSON_DeleteItemFromObject(q, "ok");
		cJSON_DeleteItemFromObject(q, "result");
		cJSON_AddBoolToObject(q, "ok", r == 0);
		cJSON_AddStringToObject(q, "result", msg);
		json_add_fixed(q, "done_at", now_wall(), 0);
		cJSON_AddItemToArray(done, q);
		if (r == -1)
			log_warnx("target request: %s", msg);
	}
	cJSON_Delete(pending);
	while (cJSON_GetArraySize(done) > RETIRE_DONE_KEEP)
		cJSON_DeleteItemFromArray(done, 0);
	cJSON_AddArrayToObject(root, "pending");
	text = json_text(root);
	if (file_replace(path, text, strlen(text), 0640, -1, FILE_DURABLE, err,
		sizeof(err)) == -1) {
		log_warnx("target requests: %s", err);
		rc = -1;
	}
	cJSON_free(text);
	close(fd);
	return rc;
}
