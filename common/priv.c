/*
 * priv: drop root to a named user (setgroups, setresgid, setresuid) and
 * verify that it cannot be taken back.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "priv.h"

int
priv_lookup(const char *user, uid_t *uid, gid_t *gid, char *err, size_t errlen)
{
	struct passwd pw, *res = NULL;
	char	      buf[4096];
	int	      rc;

	rc = getpwnam_r(user, &pw, buf, sizeof(buf), &res);
	if (rc != 0) {
		snprintf(err, errlen, "user '%s': %s", user, strerror(rc));
		return -1;
	}
	if (res == NULL) {
		snprintf(err, errlen, "user '%s' does not exist", user);
		return -1;
	}
	*uid = pw.pw_uid;
	*gid = pw.pw_gid;
	return 0;
}

int
priv_drop(const char *user, char *err, size_t errlen)
{
	uid_t uid, ruid, euid, suid;
	gid_t gid, rgid, egid, sgid;

	if (geteuid() != 0) {
		snprintf(err, errlen, "cannot become user '%s': not root",
		    user);
		return -1;
	}
	if (priv_lookup(user, &uid, &gid, err, errlen) == -1)
		return -1;
	if (uid == 0) {
		snprintf(err, errlen, "user '%s' is root", user);
		return -1;
	}
	if (setgroups(1, &gid) == -1 || setresgid(gid, gid, gid) == -1 ||
	    setresuid(uid, uid, uid) == -1) {
		snprintf(err, errlen, "cannot become user '%s': %s", user,
		    strerror(errno));
		return -1;
	}
	if (getresuid(&ruid, &euid, &suid) == -1 ||
	    getresgid(&rgid, &egid, &sgid) == -1 || ruid != uid ||
	    euid != uid || suid != uid || rgid != gid || egid != gid ||
	    sgid != gid) {
		snprintf(err, errlen, "user '%s': ids did not change", user);
		return -1;
	}
	/* Both must fail now; success means root can come back. */
	if (setuid(0) != -1 || seteuid(0) != -1 || setgid(0) != -1) {
		snprintf(err, errlen, "user '%s': root could be regained",
		    user);
		return -1;
	}
	return 0;
}
