/* SPDX-License-Identifier: BSD-3-Clause */
#include "common/gw_error.h"

/*
 * Both tables are generated from GW_ERRNO_MAP so that adding an error in the
 * header is the only step needed; a switch lets the compiler build a jump
 * table and rejects duplicate values at compile time.
 */
const char *
gw_strerror(int err)
{
	switch (err) {
	case GW_OK:
		return "success";
#define GW_ERRNO_STR(name, val, str)                                           \
	case GW_##name:                                                        \
		return str;
		GW_ERRNO_MAP(GW_ERRNO_STR)
#undef GW_ERRNO_STR
	default:
		return "unknown error";
	}
}

const char *
gw_errname(int err)
{
	switch (err) {
	case GW_OK:
		return "OK";
#define GW_ERRNO_NAME(name, val, str)                                          \
	case GW_##name:                                                        \
		return #name;
		GW_ERRNO_MAP(GW_ERRNO_NAME)
#undef GW_ERRNO_NAME
	default:
		return "UNKNOWN";
	}
}
