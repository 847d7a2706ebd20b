/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef GW_CSUM_H
#define GW_CSUM_H

/*
 * Internet checksum (RFC 1071) helpers, DPDK-free.
 *
 * Convention: a checksum is handled as the host-order value of the 16-bit
 * big-endian field, i.e. it is stored with p[0] = c >> 8, p[1] = c & 0xff
 * and read with gw_be16(). The sums below read the data as big-endian 16-bit
 * words.
 */
#include <stddef.h>
#include <stdint.h>

#include "common/gw_addr.h"

/*
 * Adds data[0..len) to a running one's complement sum and returns the new
 * sum, folded to 16 bits so that calls can be chained without overflow. An
 * odd trailing byte is padded with zero, so only the last piece of a chain
 * may have an odd length.
 */
uint32_t gw_csum_partial(const void *data, size_t len, uint32_t sum);

/* Final step: the one's complement of a folded sum, ready to store. */
static inline uint16_t
gw_csum_finish(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/*
 * IPv4 header checksum over hdr[0..hlen). With the checksum field zeroed the
 * result is the value to store; over a header carrying a correct checksum it
 * is 0 (so the same call verifies).
 */
uint16_t gw_csum_ipv4_hdr(const uint8_t *hdr, size_t hlen);

/*
 * TCP/UDP/ICMPv6 checksum over the pseudo-header (RFC 793 / RFC 8200 8.1)
 * and l4[0..l4_len). af is GW_AF_INET (the addresses are taken from the
 * mapped form) or GW_AF_INET6. As for the IPv4 header, a zeroed checksum
 * field gives the value to store and a correct one gives 0. UDP senders must
 * store 0xffff when the result is 0 (0 means "no checksum" in UDP over IPv4
 * and is invalid over IPv6); this function does not, so that it can verify.
 */
uint16_t gw_csum_l4(uint8_t af, const struct gw_addr *src,
		    const struct gw_addr *dst, uint8_t proto,
		    const uint8_t *l4, size_t l4_len);

/*
 * Incremental update (RFC 1624, eqn. 3: HC' = ~(~HC + ~m + m')) of checksum
 * csum when a 16-bit word of the covered data changes from old_val to
 * new_val. One's complement arithmetic is byte-order independent (RFC 1071
 * 2.B): csum, old_val and new_val may equally all be raw network-order
 * loads, as long as they agree. Matches a full recomputation exactly unless
 * the covered data becomes all zeros (never the case with a pseudo-header).
 * A UDP checksum of 0 ("none") must not be updated, and a UDP result of 0
 * must be stored as 0xffff: both are the caller's business.
 */
static inline uint16_t
gw_csum_update16(uint16_t csum, uint16_t old_val, uint16_t new_val)
{
	uint32_t s = (uint32_t)(uint16_t)~csum + (uint16_t)~old_val + new_val;

	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* Same for a 32-bit value (an IPv4 address) at a 16-bit aligned offset. */
static inline uint16_t
gw_csum_update32(uint16_t csum, uint32_t old_val, uint32_t new_val)
{
	uint32_t s = (uint32_t)(uint16_t)~csum +
		     (uint16_t)~(old_val >> 16) + (uint16_t)~old_val +
		     (new_val >> 16) + (new_val & 0xffff);

	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

#endif /* GW_CSUM_H */
