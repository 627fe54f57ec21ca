/*
 * priv: drop root to a named user (setgroups, setresgid, setresuid) and
 * verify that it cannot be taken back.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
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
priv_check_user(const char *user, const char *where, uid_t *uid, gid_t *gid,
    char *err, size_t errlen)
{
	struct passwd pw, *res = NULL;
	char	      buf[4096];
	int	      rc;

	rc = getpwnam_r(user, &pw, buf, sizeof(buf), &res);
	if (rc != 0) {
		snprintf(err, errlen,
		    "user '%s': cannot look it up (%s); check /etc/nsswitch.conf and the user databases, or set user = \"...\" %s",
		    user, strerror(rc), where);
		return -1;
	}
	if (res == NULL) {
		snprintf(err, errlen,
		    "user '%s' does not exist: create it with systemd-sysusers (the package does) or set user = \"...\" %s",
		    user, where);
		return -1;
	}
	if (pw.pw_uid == 0) {
		snprintf(err, errlen,
		    "user '%s' is root: the daemon gives root up after start; set user = \"...\" %s to an unprivileged user",
		    user, where);
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

/* A folder on the way to a daemon's data: root's, or the user's own. */
static int
dir_trusted(int fd, const char *shown, uid_t uid, char *err, size_t errlen)
{
	struct stat st;

	if (fstat(fd, &st) == -1) {
		snprintf(err, errlen, "%s: %s", shown, strerror(errno));
		return -1;
	}
	if (st.st_uid != 0 && st.st_uid != uid) {
		snprintf(err, errlen,
		    "%s is owned by uid %u: the folders above a daemon's data must belong to root or to the daemon's user, or that owner could steer root",
		    shown, (unsigned)st.st_uid);
		return -1;
	}
	if (st.st_uid == 0 && (st.st_mode & 022) != 0 &&
	    (st.st_mode & S_ISVTX) == 0) {
		snprintf(err, errlen,
		    "%s is writable by group or others (mode %04o): make it 0755, or sticky as /tmp is",
		    shown, (unsigned)(st.st_mode & 07777));
		return -1;
	}
	return 0;
}

/* Root's regular files in dfd become uid:gid; nothing else is touched. */
static int
dir_give_files(int dfd, const char *shown, uid_t uid, gid_t gid, char *err,
    size_t errlen)
{
	struct dirent *de;
	struct stat    st;
	DIR	      *d;
	int	       fd, rc = 0;

	if ((fd = dup(dfd)) == -1 || (d = fdopendir(fd)) == NULL) {
		if (fd != -1)
			close(fd);
		snprintf(err, errlen, "%s: %s", shown, strerror(errno));
		return -1;
	}
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		fd = openat(dfd, de->d_name,
		    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
		if (fd == -1)
			continue; /* a link, a socket: not ours to give */
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
		    st.st_uid == 0 && fchown(fd, uid, gid) == -1) {
			snprintf(err, errlen, "%s/%s: %s", shown, de->d_name,
			    strerror(errno));
			rc = -1;
		}
		close(fd);
	}
	closedir(d);
	return rc;
}

/* Open name in the trusted folder dfd; a link only if root made it there. */
static int
dir_step(int dfd, const char *name)
{
	struct stat st, dst;
	int	    fd;

	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd != -1 || (errno != ELOOP && errno != ENOTDIR))
		return fd;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1 ||
	    !S_ISLNK(st.st_mode) || st.st_uid != 0 || fstat(dfd, &dst) == -1 ||
	    dst.st_uid != 0 ||
	    ((dst.st_mode & 022) != 0 && (dst.st_mode & S_ISVTX) == 0)) {
		errno = ELOOP;
		return -1;
	}
	return openat(dfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/*
 * priv_own_dir()'s walk. make: create what is missing and give the folder
 * to uid:gid; else only look, and stop (0, *fdp -1) at the first folder
 * missing. 0 with *fdp on path, or -1 with the message in err.
 */
static int
dir_walk(const char *path, mode_t mode, uid_t uid, gid_t gid, int make,
    int *fdp, char *err, size_t errlen)
{
	char	    buf[PATH_MAX], shown[PATH_MAX];
	char	   *comp, *next;
	struct stat st;
	int	    fd, nfd, last;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf) ||
	    buf[0] == '\0') {
		snprintf(err, errlen, "%.64s...: path empty or too long", path);
		return -1;
	}
	fd =
	    open(buf[0] == '/' ? "/" : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1 ||
	    dir_trusted(fd, buf[0] == '/' ? "/" : ".", uid, err, errlen) ==
		-1) {
		if (fd == -1)
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	shown[0] = '\0';
	for (comp = buf + strspn(buf, "/"); *comp != '\0'; comp = next) {
		next = comp + strcspn(comp, "/");
		if (*next != '\0') {
			*next++ = '\0';
			next += strspn(next, "/");
		}
		last = *next == '\0';
		snprintf(shown + strlen(shown), sizeof(shown) - strlen(shown),
		    "%s%s", buf[0] == '/' || shown[0] != '\0' ? "/" : "", comp);
		if (strcmp(comp, ".") == 0)
			continue;
		if (strcmp(comp, "..") == 0) {
			snprintf(err, errlen, "%s: may not contain '..'", path);
			goto fail;
		}
		nfd = dir_step(fd, comp);
		if (nfd == -1 && errno == ENOENT && !make) {
			close(fd); /* root would make it and the rest: theirs */
			*fdp = -1;
			return 0;
		}
		if (nfd == -1 && errno == ENOENT) {
			if (mkdirat(fd, comp, last ? mode : 0755) == -1 &&
			    errno != EEXIST) {
				snprintf(err, errlen, "mkdir %s: %s", shown,
				    strerror(errno));
				goto fail;
			}
			nfd = dir_step(fd, comp);
		}
		if (nfd == -1) {
			if (errno == ELOOP)
				snprintf(err, errlen,
				    "%s is a symbolic link in a folder others than root can write: root does not follow it (name the real folder in the configuration)",
				    shown);
			else
				snprintf(err, errlen, "%s: %s", shown,
				    strerror(errno));
			goto fail;
		}
		close(fd);
		fd = nfd;
		if (!last && dir_trusted(fd, shown, uid, err, errlen) == -1)
			goto fail;
	}
	if (fstat(fd, &st) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (st.st_uid == uid)
		goto done;
	if (st.st_uid != 0) {
		snprintf(err, errlen,
		    "%s is owned by uid %u, not by root or by uid %u that the daemon runs as: give it to the daemon's user (chown) or name another folder",
		    path, (unsigned)st.st_uid, (unsigned)uid);
		goto fail;
	}
	if ((st.st_mode & 022) != 0) {
		snprintf(err, errlen,
		    "%s is root's and writable by group or others (mode %04o): make it 0750",
		    path, (unsigned)(st.st_mode & 07777));
		goto fail;
	}
	if (!make)
		goto done;
	if (fchown(fd, uid, gid) == -1) {
		snprintf(err, errlen, "chown %s: %s", path, strerror(errno));
		goto fail;
	}
	if (dir_give_files(fd, path, uid, gid, err, errlen) == -1)
		goto fail;
done:
	*fdp = fd;
	return 0;
fail:
	if (fd != -1)
		close(fd);
	*fdp = -1;
	return -1;
}

int
priv_own_dir(const char *path, mode_t mode, uid_t uid, gid_t gid, char *err,
    size_t errlen)
{
	int fd;

	if (dir_walk(path, mode, uid, gid, 1, &fd, err, errlen) == -1)
		return -1;
	return fd;
}

int
priv_check_dir(const char *path, uid_t uid, char *err, size_t errlen)
{
	int fd;

	if (dir_walk(path, 0, uid, (gid_t)-1, 0, &fd, err, errlen) == -1)
		return -1;
	if (fd != -1)
		close(fd);
	return 0;
}
