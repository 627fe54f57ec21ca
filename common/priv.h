/*
 * priv: give up root for good. A daemon started as root opens what needs
 * root (listening sockets, capture handles, secrets), then calls
 * priv_drop() to become an unprivileged user.
 */
#ifndef V6W_PRIV_H
#define V6W_PRIV_H

#include <stddef.h>
#include <sys/types.h>

/* Look up user: its uid and primary gid. 0, or -1 with a message in err. */
int
priv_lookup(const char *user, uid_t *uid, gid_t *gid, char *err, size_t errlen);

/*
 * The check a daemon started as root makes before it creates or changes
 * anything: user exists and is not root. where says where to change it,
 * completing "set user = "..." WHERE" ("here", "in FILE"). 0 with uid and
 * gid, or -1 with the message, what to do included, in err: "user
 * 'v6watch' does not exist: create it with systemd-sysusers (the package
 * does) or set user = "..." here".
 */
int priv_check_user(const char *user, const char *where, uid_t *uid, gid_t *gid,
    char *err, size_t errlen);

/*
 * Become user (supplementary groups: its primary group only; real,
 * effective and saved ids all set), then check that root cannot be
 * regained. Must run as root. 0, or -1 with a message in err.
 */
int priv_drop(const char *user, char *err, size_t errlen);

/*
 * As root, make or adopt the directory path (mode for a new one) for the
 * user uid:gid without following a link that anybody but root could have
 * planted. Every folder above it must be owned by root or by uid; the
 * walk opens each with O_NOFOLLOW, so a link the user made is refused,
 * not followed. path itself must be a real directory owned by root (then
 * it is given to uid:gid through its descriptor, with the regular files
 * root left in it) or by uid already; anything else is refused with a
 * message saying why and what to do. Returns a descriptor on the
 * directory (O_CLOEXEC), or -1 with the message in err.
 */
int priv_own_dir(const char *path, mode_t mode, uid_t uid, gid_t gid, char *err,
    size_t errlen);

/*
 * What priv_own_dir() would say about path for uid, found without making,
 * changing or opening for writing anything: the same walk, stopping at the
 * first folder that does not exist yet (root would make it). 0 when
 * priv_own_dir() would take path, else -1 with its message in err. For
 * --check-config and the checks a daemon makes before it starts.
 */
int priv_check_dir(const char *path, uid_t uid, char *err, size_t errlen);

#endif
