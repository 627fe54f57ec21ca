/*
 * cmd_token: `v6collector token new PROBE` -- make a probe's bearer token
 * file (32 random bytes, hex) where collector.conf keeps the probes'
 * tokens, never over an existing one unless told, and say what to paste
 * into collector.conf and probe.conf. The token is printed only on request.
 */
#ifndef V6W_CMD_TOKEN_H
#define V6W_CMD_TOKEN_H

#include <stddef.h>
#include <sys/types.h>

/* Random bytes in a token; its text is twice as many hex digits. */
#define TOKEN_BYTES 32

/* Default config of `token new` without -c. */
#define TOKEN_CONF_DEFAULT "/etc/v6watch/collector.conf"

/*
 * Write a new token (TOKEN_BYTES from getrandom(), hex, one line) to path,
 * mode 0600, owned by uid:gid when own is set (root gives it to the
 * daemon's user, who reads it again on SIGHUP). The file is made with
 * O_CREAT|O_EXCL|O_NOFOLLOW: an existing file or link is never written
 * through. force: replace one that exists, through a new file renamed over
 * it (the link itself, if it is one, is replaced, never followed). The
 * token goes to tok (2 * TOKEN_BYTES + 1 bytes) for --show. 0, or -1 with
 * the message in err (errno EEXIST when path exists and force is not set).
 */
int token_write(const char *path, int force, int own, uid_t uid, gid_t gid,
    char *tok, char *err, size_t errlen);

/* `v6collector token ...` (argv[0] is "token"): an exit status. */
int token_main(int argc, char **argv);

#endif
