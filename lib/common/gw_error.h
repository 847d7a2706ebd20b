/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef GW_ERROR_H
#define GW_ERROR_H

/*
 * Errors as values, from one table (libuv's UV_ERRNO_MAP pattern).
 * Every function of lib/ that can fail returns >= 0 on success or one of
 * these negative codes. Parsers return bytes consumed, GW_INCOMPLETE or
 * GW_EMALFORMED.
 */
#define GW_ERRNO_MAP(X)                                                        \
	X(INCOMPLETE, -1, "incomplete: more bytes needed")                     \
	X(EMALFORMED, -2, "malformed input")                                   \
	X(ENOMEM, -3, "out of memory")                                         \
	X(EINVAL, -4, "invalid argument")                                      \
	X(ENOSPC, -5, "no space left (capacity reached)")                      \
	X(ENOENT, -6, "not found")                                             \
	X(EEXIST, -7, "already exists")                                        \
	X(EIO, -8, "input/output error")                                       \
	X(ELIMIT, -9, "limit exceeded")                                        \
	X(ENOTSUP, -10, "not supported")                                       \
	X(ECONFIG, -11, "invalid configuration")

enum gw_errno {
	GW_OK = 0,
#define GW_ERRNO_ENUM(name, val, str) GW_##name = (val),
	GW_ERRNO_MAP(GW_ERRNO_ENUM)
#undef GW_ERRNO_ENUM
};

/* Human-readable text of an error code (never NULL). */
const char *gw_strerror(int err);
/* Short symbolic name of an error code, e.g. "EMALFORMED" (never NULL). */
const char *gw_errname(int err);

#endif /* GW_ERROR_H */
