/*
 * cmd_check: the `v6probe check` subcommand.
 */
#ifndef V6W_CMD_CHECK_H
#define V6W_CMD_CHECK_H

/* argv[0] is "check"; returns the exit status (0/1/2 as Nagios, 3). */
int check_main(int argc, char **argv);

#endif
