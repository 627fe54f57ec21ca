/*
 * traffic: the `v6probe traffic` subcommand.
 */
#include <stdio.h>

#include "traffic.h"

int
traffic_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "v6probe traffic: passive capture is not built yet\n");
	return 3;
}
