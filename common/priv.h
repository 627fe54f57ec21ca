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
 * Become user (supplementary groups: its primary group only; real,
 * effective and saved ids all set), then check that root cannot be
 * regained. Must run as root. 0, or -1 with a message in err.
 */
int priv_drop(const char *user, char *err, size_t errlen);

#endif
