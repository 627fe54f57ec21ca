/*
 * cmd_traffic: the `v6probe traffic` subcommand.
 */
#ifndef V6W_CMD_TRAFFIC_H
#define V6W_CMD_TRAFFIC_H

/* argv[0] is "traffic"; returns the process exit status. */
int traffic_main(int argc, char **argv);

#endif
