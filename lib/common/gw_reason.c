/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include "common/gw_reason.h"
#include "common/gw_util.h"

static const char *const reason_names[GW_REASON_MAX] = {
#define GW_REASON_NAME(sym, name, desc) [GW_REASON_##sym] = name,
	GW_REASON_MAP(GW_REASON_NAME)
#undef GW_REASON_NAME
};

static const char *const reason_descs[GW_REASON_MAX] = {
#define GW_REASON_DESC(sym, name, desc) [GW_REASON_##sym] = desc,
	GW_REASON_MAP(GW_REASON_DESC)
#undef GW_REASON_DESC
};

const char *
gw_reason_name(unsigned int reason)
{
	if (reason >= GW_REASON_MAX)
		return "unknown";
	return reason_names[reason];
}

const char *
gw_reason_desc(unsigned int reason)
{
	if (reason >= GW_REASON_MAX)
		return "unknown reason";
	return reason_descs[reason];
}

/*
 * Control-plane only (config, gwctl filters): a linear scan over a few dozen
 * names is cheaper to keep correct than a hash.
 */
int
gw_reason_from_name(const char *name)
{
	unsigned int i;

	if (name == NULL)
		return -1;
	for (i = 0; i < GW_ARRAY_SIZE(reason_names); i++) {
		if (strcmp(reason_names[i], name) == 0)
			return (int)i;
	}
	return -1;
}
