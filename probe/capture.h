/*
 * capture: libpcap glue. A live capture plugged into the event loop
 * (non-blocking handle, its selectable fd as a watcher, pcap_dispatch with
 * a budget per wakeup), and the reader of capture files (pcap, pcapng).
 * Both feed every packet to pkt_count() through one callback.
 */
#ifndef V6W_CAPTURE_H
#define V6W_CAPTURE_H

#include <stddef.h>
#include <stdio.h>

#include "pkt.h"

struct capture;
struct ev_loop;

#define CAPTURE_SNAPLEN	   256	     /* headers only: enough for ICMPv6 */
#define CAPTURE_BUFFER	   (4 << 20) /* kernel ring, bytes */
#define CAPTURE_TIMEOUT_MS 100	     /* packets wait at most this long */
#define CAPTURE_BUDGET	   1024	     /* packets per wakeup */
#define CAPTURE_DRAIN_MAX  64	     /* budgets drained by capture_take */
#define CAPTURE_FILTER_MAX 4096	     /* bytes of a BPF expression */

/*
 * Open iface for a live capture (not promiscuous) with an optional BPF
 * filter (NULL: everything), and start counting through loop. Needs the
 * privileges to open a packet socket (root or CAP_NET_RAW) only here: the
 * capture keeps working after the process drops them. On error returns
 * NULL with a message naming iface in err.
 */
struct capture *capture_open(struct ev_loop *, const char *iface,
    const char *filter, char *err, size_t errlen);

/*
 * Counts since the previous take (or the open) into out, kernel drops
 * included; then start again from zero. Reads what the kernel has ready
 * first, so packets older than CAPTURE_TIMEOUT_MS are in.
 */
void capture_take(struct capture *, struct pkt_counts *out);

/*
 * NULL while the capture works; once reading failed (say the interface
 * went away), why, and the capture stays stopped. Counts up to the
 * failure are still taken by capture_take().
 */
const char *capture_error(const struct capture *);

/* Stop watching, close the handle, free. NULL-safe. */
void capture_close(struct capture *);

/*
 * Count every packet of a capture file (pcap or pcapng; "-" is stdin)
 * that passes filter (NULL: all) into out, adding to what is there. On
 * error returns -1 with a message naming path in err; out then holds the
 * packets read before the error.
 */
int capture_read_file(const char *path, const char *filter,
    struct pkt_counts *out, char *err, size_t errlen);

/* The same from an open stream; takes ownership of fp. name is for errors. */
int capture_read_stream(FILE *fp, const char *name, const char *filter,
    struct pkt_counts *out, char *err, size_t errlen);

#endif
