/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <stdlib.h>

#include "ctl/gw_ctl.h"
#include "gwctl.h"

int
main(int argc, char **argv)
{
	return gwctl_main(argc, argv, getenv(GW_CTL_SOCKET_ENV), stdout, stderr);
}
