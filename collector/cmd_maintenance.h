/*
 * cmd_maintenance: `v6collector maintenance add | list | end`, which
 * keeps the windows it makes in DATA_DIR/maintenance.json (maint.h).
 */
#ifndef V6W_CMD_MAINTENANCE_H
#define V6W_CMD_MAINTENANCE_H

/* `v6collector maintenance ...` (argv[0] is "maintenance"): exit status. */
int maintenance_main(int argc, char **argv);

#endif
