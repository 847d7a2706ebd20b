/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef GWCTL_H
#define GWCTL_H

#include <stdio.h>

/* Exit statuses (docs/gwctl.md, EXIT STATUS). */
#define GWCTL_EXIT_OK 0
#define GWCTL_EXIT_FAIL 1  /* the daemon could not be reached or refused */
#define GWCTL_EXIT_USAGE 2 /* bad command line */

/*
 * The whole of gwctl with its streams passed in, so that tests run it
 * in-process against a test server. env_socket is $EGRESSGW_SOCKET (NULL
 * when unset). Returns the exit status.
 */
int gwctl_main(int argc, char **argv, const char *env_socket, FILE *out,
	       FILE *err);

#endif /* GWCTL_H */
