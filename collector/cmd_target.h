/*
 * cmd_target: the `v6collector target` command -- list the targets the
 * collector knows, retire one, rename one (retire.c does the work, in the
 * running collector).
 */
#ifndef V6W_CMD_TARGET_H
#define V6W_CMD_TARGET_H

/* `v6collector target ...` (argv[0] is "target"): exit status. */
int target_main(int argc, char **argv);

#endif
