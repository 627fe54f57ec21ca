/*
 * cmd_run: the `v6probe run` subcommand (the daemon).
 */
#ifndef V6W_CMD_RUN_H
#define V6W_CMD_RUN_H

/* argv[0] is "run"; returns the exit status. */
int run_main(int argc, char **argv);

#endif
