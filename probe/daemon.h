/*
 * daemon: the `v6probe run` subcommand.
 */
#ifndef V6W_DAEMON_H
#define V6W_DAEMON_H

/* argv[0] is "run"; returns the exit status. */
int run_main(int argc, char **argv);

#endif
