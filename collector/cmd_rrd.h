/*
 * cmd_rrd: `v6collector rrd convert` -- convert the RRD files of data_dir
 * made in an older layout (rrdconv.h), as the collector does when it
 * starts, and say what it did.
 */
#ifndef V6W_CMD_RRD_H
#define V6W_CMD_RRD_H

/* Default config without -c. */
#define RRD_CONF_DEFAULT "/etc/v6watch/collector.conf"

/* `v6collector rrd ...` (argv[0] is "rrd"): an exit status. */
int cmd_rrd_main(int argc, char **argv);

#endif
