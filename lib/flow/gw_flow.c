/* SPDX-License-Identifier: BSD-3-Clause */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "common/gw_reason.h"
#include "common/gw_util.h"
#include "flow/gw_flow.h"
#include "pkt/gw_pkt.h"

#if defined(__x86_64__)
#define FLOW_CRC_X86 1
#elif defined(__ARM_FEATURE_CRC32)
#include <arm_acle.h>
#endif

/*
 * Layout
 * ------
 * Flows live in a fixed array of `capacity` slots; a flow never moves, so
 * the app may keep pointers to it (pending lists, the burst being
 * processed) until it is removed. Slots are handed out from a LIFO free
 * list first and otherwise from a high-water mark, which keeps the used
 * part of the array dense: the expiry sweep and walks only cover
 * [0, hwm). For a slot in use `client_idx` is 0 or 1 (entries do not keep
 * their hash: removal, which needs it to find the index bucket, recomputes
 * it from the key); for a free slot, `client_idx` is FLOW_FREE and `rule`
 * links the free list.
 *
 * The index is open addressing with linear probing over an array of at
 * least 2 * capacity buckets (a power of two) of (hash, slot) pairs, 8
 * bytes each; the home bucket of a hash is (hash * nb) >> 32 (Lemire's
 * multiply-shift range reduction: the high bits of the hash, which also
 * works for sizes that are not powers of two). Why this over cuckoo or
 * chaining:
 *  - the table never holds more than `capacity` flows, so the load factor
 *    is bounded by 0.5 by construction: expected probes are ~1.5 for a hit
 *    and ~2.5 for a miss, and a probe sequence always meets an empty bucket;
 *  - eight buckets share a cache line, so those probes usually cost one
 *    line for the index plus one for the flow whose stored 32-bit hash
 *    matched (the 40-byte key is only compared after the hash matches);
 *  - deletion by backward shift (Knuth 6.4, algorithm R) leaves no
 *    tombstones, so probe lengths do not degrade under churn and no
 *    rehash is ever needed;
 *  - insertion cannot fail while there is a free slot (cuckoo can), and
 *    everything is allocated once, at create.
 * Memory per flow: sizeof(struct gw_flow) (128) + 16..32 bytes of index.
 *
 * Closed flows
 * ------------
 * CLOSED flows all share one timeout (tcp_closed), so a FIFO of them in
 * the order they closed is also the order they expire: gw_flow_expire
 * pops expired ones off its head in O(1) each, where the sweep would need
 * to pass over the whole table (at 1024 slots per millisecond that caps a
 * 262 144-flow table at ~25 000 new connections/s with the 10 s default).
 * The FIFO is singly linked through `closed_next` (4 bytes per flow):
 *  - a flow joins it (at the tail) when it is touched in CLOSING or
 *    CLOSED, or noted after the segment that closed it (gw_flow_tcp_note);
 *  - a queued flow that is touched again gets the CQ_TOUCHED flag; at the
 *    head it then goes back to the tail instead of stopping the pop, so
 *    the head is never a flow whose last_ns moved after it joined. With
 *    entries in join order, an untouched, unexpired head means nothing
 *    behind it has expired either (a re-queued flow may wait up to one
 *    more tcp_closed behind it: bounded, and the sweep still runs);
 *  - a removed flow stays linked (singly linked: no O(1) unlink) and is
 *    dropped when it reaches the head; if its slot is reused meanwhile,
 *    the new flow inherits the link with CQ_TOUCHED set, which the head
 *    handles like any touched entry. A slot is therefore in the FIFO at
 *    most once and the FIFO never holds more than `capacity` entries.
 */

#define FLOW_NIL GW_FLOW_NIL
#define FLOW_FREE 0xff             /* client_idx of a free slot */
#define CQ_TOUCHED GW_FLOW_CQ_TOUCHED
#define CQ_LINK UINT32_C(0x7fffffff)
#define CQ_NONE GW_FLOW_CQ_NONE    /* not in the FIFO */
#define CQ_END UINT32_C(0x7ffffffe)  /* in the FIFO, last */
#define FLOW_CAPACITY_MAX (UINT32_C(1) << 30)
#define FLOW_ID_MASK ((UINT64_C(1) << 56) - 1) /* the app ORs the worker in bits 56..63 */

_Static_assert(sizeof(struct gw_flow_key) == 40, "flow key layout: five words");
_Static_assert(sizeof(struct gw_flow) == 128, "struct gw_flow: two cache lines");
_Static_assert(offsetof(struct gw_flow, id) == 64, "struct gw_flow: second line");
_Static_assert(FLOW_CAPACITY_MAX <= CQ_END, "slot indices fit the FIFO link");

/*
 * Hash: CRC32C of the 40 key bytes (5 x 64-bit words),
 * then the murmur3 finaliser. CRC32C is one instruction per 8 bytes on
 * x86 (SSE4.2) and arm64 (CRC extension), but it is linear over GF(2):
 * keys that differ only in a few structured bits (a port range) can
 * cluster in the low bits that pick the bucket. The finaliser is a few
 * cycles and removes that risk for linear probing. All variants compute
 * the same value, so hashes do not depend on the build flags.
 */
static inline void
flow_key_words(const struct gw_flow_key *key, uint64_t w[5])
{
	memcpy(w, key, 40);
}

/* Byte-at-a-time CRC32C (Castagnoli, reflected 0x82f63b78). */
static const uint32_t flow_crc32c_table[256] = {
	0x00000000, 0xf26b8303, 0xe13b70f7, 0x1350f3f4,
	0xc79a971f, 0x35f1141c, 0x26a1e7e8, 0xd4ca64eb,
	0x8ad958cf, 0x78b2dbcc, 0x6be22838, 0x9989ab3b,
	0x4d43cfd0, 0xbf284cd3, 0xac78bf27, 0x5e133c24,
	0x105ec76f, 0xe235446c, 0xf165b798, 0x030e349b,
	0xd7c45070, 0x25afd373, 0x36ff2087, 0xc494a384,
	0x9a879fa0, 0x68ec1ca3, 0x7bbcef57, 0x89d76c54,
	0x5d1d08bf, 0xaf768bbc, 0xbc267848, 0x4e4dfb4b,
	0x20bd8ede, 0xd2d60ddd, 0xc186fe29, 0x33ed7d2a,
	0xe72719c1, 0x154c9ac2, 0x061c6936, 0xf477ea35,
	0xaa64d611, 0x580f5512, 0x4b5fa6e6, 0xb93425e5,
	0x6dfe410e, 0x9f95c20d, 0x8cc531f9, 0x7eaeb2fa,
	0x30e349b1, 0xc288cab2, 0xd1d83946, 0x23b3ba45,
	0xf779deae, 0x05125dad, 0x1642ae59, 0xe4292d5a,
	0xba3a117e, 0x4851927d, 0x5b016189, 0xa96ae28a,
	0x7da08661, 0x8fcb0562, 0x9c9bf696, 0x6ef07595,
	0x417b1dbc, 0xb3109ebf, 0xa0406d4b, 0x522bee48,
	0x86e18aa3, 0x748a09a0, 0x67dafa54, 0x95b17957,
	0xcba24573, 0x39c9c670, 0x2a993584, 0xd8f2b687,
	0x0c38d26c, 0xfe53516f, 0xed03a29b, 0x1f682198,
	0x5125dad3, 0xa34e59d0, 0xb01eaa24, 0x42752927,
	0x96bf4dcc, 0x64d4cecf, 0x77843d3b, 0x85efbe38,
	0xdbfc821c, 0x2997011f, 0x3ac7f2eb, 0xc8ac71e8,
	0x1c661503, 0xee0d9600, 0xfd5d65f4, 0x0f36e6f7,
	0x61c69362, 0x93ad1061, 0x80fde395, 0x72966096,
	0xa65c047d, 0x5437877e, 0x4767748a, 0xb50cf789,
	0xeb1fcbad, 0x197448ae, 0x0a24bb5a, 0xf84f3859,
	0x2c855cb2, 0xdeeedfb1, 0xcdbe2c45, 0x3fd5af46,
	0x7198540d, 0x83f3d70e, 0x90a324fa, 0x62c8a7f9,
	0xb602c312, 0x44694011, 0x5739b3e5, 0xa55230e6,
	0xfb410cc2, 0x092a8fc1, 0x1a7a7c35, 0xe811ff36,
	0x3cdb9bdd, 0xceb018de, 0xdde0eb2a, 0x2f8b6829,
	0x82f63b78, 0x709db87b, 0x63cd4b8f, 0x91a6c88c,
	0x456cac67, 0xb7072f64, 0xa457dc90, 0x563c5f93,
	0x082f63b7, 0xfa44e0b4, 0xe9141340, 0x1b7f9043,
	0xcfb5f4a8, 0x3dde77ab, 0x2e8e845f, 0xdce5075c,
	0x92a8fc17, 0x60c37f14, 0x73938ce0, 0x81f80fe3,
	0x55326b08, 0xa759e80b, 0xb4091bff, 0x466298fc,
	0x1871a4d8, 0xea1a27db, 0xf94ad42f, 0x0b21572c,
	0xdfeb33c7, 0x2d80b0c4, 0x3ed04330, 0xccbbc033,
	0xa24bb5a6, 0x502036a5, 0x4370c551, 0xb11b4652,
	0x65d122b9, 0x97baa1ba, 0x84ea524e, 0x7681d14d,
	0x2892ed69, 0xdaf96e6a, 0xc9a99d9e, 0x3bc21e9d,
	0xef087a76, 0x1d63f975, 0x0e330a81, 0xfc588982,
	0xb21572c9, 0x407ef1ca, 0x532e023e, 0xa145813d,
	0x758fe5d6, 0x87e466d5, 0x94b49521, 0x66df1622,
	0x38cc2a06, 0xcaa7a905, 0xd9f75af1, 0x2b9cd9f2,
	0xff56bd19, 0x0d3d3e1a, 0x1e6dcdee, 0xec064eed,
	0xc38d26c4, 0x31e6a5c7, 0x22b65633, 0xd0ddd530,
	0x0417b1db, 0xf67c32d8, 0xe52cc12c, 0x1747422f,
	0x49547e0b, 0xbb3ffd08, 0xa86f0efc, 0x5a048dff,
	0x8ecee914, 0x7ca56a17, 0x6ff599e3, 0x9d9e1ae0,
	0xd3d3e1ab, 0x21b862a8, 0x32e8915c, 0xc083125f,
	0x144976b4, 0xe622f5b7, 0xf5720643, 0x07198540,
	0x590ab964, 0xab613a67, 0xb831c993, 0x4a5a4a90,
	0x9e902e7b, 0x6cfbad78, 0x7fab5e8c, 0x8dc0dd8f,
	0xe330a81a, 0x115b2b19, 0x020bd8ed, 0xf0605bee,
	0x24aa3f05, 0xd6c1bc06, 0xc5914ff2, 0x37faccf1,
	0x69e9f0d5, 0x9b8273d6, 0x88d28022, 0x7ab90321,
	0xae7367ca, 0x5c18e4c9, 0x4f48173d, 0xbd23943e,
	0xf36e6f75, 0x0105ec76, 0x12551f82, 0xe03e9c81,
	0x34f4f86a, 0xc69f7b69, 0xd5cf889d, 0x27a40b9e,
	0x79b737ba, 0x8bdcb4b9, 0x988c474d, 0x6ae7c44e,
	0xbe2da0a5, 0x4c4623a6, 0x5f16d052, 0xad7d5351,
};

uint32_t
gw_flow_key_crc_table(const struct gw_flow_key *key)
{
	const uint8_t *p = (const uint8_t *)key;
	uint32_t crc = UINT32_MAX;
	size_t i;

	for (i = 0; i < sizeof(*key); i++)
		crc = flow_crc32c_table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
	return crc;
}

#if defined(FLOW_CRC_X86)
/* Built for baseline x86-64: use SSE4.2 when the CPU has it (all since 2008). */
__attribute__((target("sse4.2"))) static uint32_t
flow_hash_hw(const struct gw_flow_key *key)
{
	uint64_t w[5];
	uint64_t crc = UINT32_MAX;
	int i;

	flow_key_words(key, w);
	for (i = 0; i < 5; i++)
		crc = __builtin_ia32_crc32di(crc, w[i]);
	return (uint32_t)crc;
}
#endif

/* The CRC where the inline gw_flow_key_hash does not use the instruction. */
uint32_t
gw_flow_key_crc_sw(const struct gw_flow_key *key)
{
#if defined(FLOW_CRC_X86)
	/* A load and a bit test of libgcc's cpu model: cheap and well predicted. */
	if (__builtin_cpu_supports("sse4.2"))
		return flow_hash_hw(key);
#elif defined(__ARM_FEATURE_CRC32)
	uint64_t w[5];
	uint32_t crc = UINT32_MAX;
	int i;

	flow_key_words(key, w);
	for (i = 0; i < 5; i++)
		crc = __crc32cd(crc, w[i]);
	return crc;
#endif
	return gw_flow_key_crc_table(key);
}

void
gw_flow_timeouts_default(struct gw_flow_timeouts *to)
{
	const uint64_t s = UINT64_C(1000000000);

	to->tcp_syn = 30 * s;
	to->tcp_established = 7440 * s;
	to->tcp_fin = 120 * s;
	to->tcp_closed = 10 * s;
	to->udp = 300 * s;
	to->icmp = 60 * s;
	to->other = 600 * s;
}

struct gw_flow_table *
gw_flow_table_create(uint32_t capacity, const struct gw_flow_timeouts *to)
{
	struct gw_flow_table *t = NULL;
	size_t flows_size, buckets_size;
	uint64_t nb;
	uint32_t i;

	if (capacity == 0 || capacity > FLOW_CAPACITY_MAX)
		return NULL;
	/*
	 * Load <= 1/2. 1.5 x capacity (load 2/3, 4 bytes less per flow) was
	 * measured: 12 -> 8.5 Mpps at 1M established flows, since a flow is
	 * then less often in its home bucket and gw_flow_prefetch_entry,
	 * which only looks there, misses it.
	 */
	nb = 4;
	while (nb < 2 * (uint64_t)capacity)
		nb <<= 1;
	if (__builtin_mul_overflow((size_t)capacity, sizeof(struct gw_flow),
				   &flows_size) ||
	    __builtin_mul_overflow((size_t)nb, sizeof(struct gw_flow_bucket),
				   &buckets_size))
		return NULL;

	t = calloc(1, sizeof(*t));
	if (t == NULL)
		goto fail;
	/*
	 * Entries start on a 128-byte boundary, so that the two lines of one
	 * are the pair the L2's adjacent-line prefetcher fetches together.
	 * (A 2 MiB alignment, for THP, measured no faster and costs up to
	 * 2 MiB of address space per array.)
	 */
	if (posix_memalign((void **)&t->flows, 128, flows_size) != 0) {
		t->flows = NULL;
		goto fail;
	}
	if (posix_memalign((void **)&t->buckets, 64, buckets_size) != 0) {
		t->buckets = NULL;
		goto fail;
	}
	/*
	 * 2 MiB pages where the kernel offers them (THP in "madvise" mode):
	 * a random lookup in a 1M-flow table otherwise pays a TLB miss too.
	 * madvise wants a page-aligned start; the hint is best effort.
	 */
	{
		uintptr_t a = (uintptr_t)t->flows & ~(uintptr_t)4095;
		uintptr_t b = (uintptr_t)t->buckets & ~(uintptr_t)4095;

		(void)madvise((void *)a, flows_size + ((uintptr_t)t->flows - a),
			      MADV_HUGEPAGE);
		(void)madvise((void *)b, buckets_size + ((uintptr_t)t->buckets - b),
			      MADV_HUGEPAGE);
	}
	/* Writing everything now also faults the pages in, off the data path. */
	memset(t->flows, 0, flows_size);
	for (i = 0; i < capacity; i++) {
		t->flows[i].client_idx = FLOW_FREE;
		t->flows[i].closed_next = CQ_NONE;
	}
	memset(t->buckets, 0xff, buckets_size);

	t->nb = (uint32_t)nb;
	t->capacity = capacity;
	t->free_head = FLOW_NIL;
	t->closed_head = FLOW_NIL;
	t->closed_tail = FLOW_NIL;
	t->next_id = 1;
	t->hash_fn = gw_flow_key_hash;
	if (to != NULL)
		t->to = *to;
	else
		gw_flow_timeouts_default(&t->to);
	return t;

fail:
	gw_flow_table_free(t);
	return NULL;
}

void
gw_flow_table_set_hash(struct gw_flow_table *t, gw_flow_hash_fn fn)
{
	t->hash_fn = fn != NULL ? fn : gw_flow_key_hash;
}

void
gw_flow_table_free(struct gw_flow_table *t)
{
	if (t == NULL)
		return;
	free(t->flows);
	free(t->buckets);
	free(t);
}

/* Probe distance from bucket a forward to bucket b. */
static inline uint32_t
flow_dist(const struct gw_flow_table *t, uint32_t a, uint32_t b)
{
	return b >= a ? b - a : b + t->nb - a;
}

struct gw_flow *
gw_flow_insert(struct gw_flow_table *t, const struct gw_flow_key *key,
	       uint32_t hash, uint8_t client_idx, uint64_t now_ns)
{
	struct gw_flow *f;
	uint32_t idx, i, cq;

	if (t->count >= t->capacity)
		return NULL;
	if (t->free_head != FLOW_NIL) {
		idx = t->free_head;
		t->free_head = t->flows[idx].rule;
	} else {
		idx = t->hwm++;
	}

	f = &t->flows[idx];
	/* A removed flow may still be linked in the closed FIFO: keep the link. */
	cq = f->closed_next;
	memset(f, 0, sizeof(*f));
	f->closed_next = (cq & CQ_LINK) == CQ_NONE ? CQ_NONE : cq | CQ_TOUCHED;
	f->key = *key;
	f->client_idx = client_idx != 0;
	f->tcp_state = GW_TCP_NONE;
	f->verdict = GW_VERDICT_PENDING;
	f->reason = GW_REASON_UNCLASSIFIED;
	f->flags = 0;
	f->id = t->next_id;
	t->next_id = (t->next_id + 1) & FLOW_ID_MASK;
	if (t->next_id == 0)
		t->next_id = 1;
	f->first_ns = now_ns;
	f->last_ns = now_ns;

	i = gw_flow_home(t, hash);
	while (t->buckets[i].slot != FLOW_NIL)
		i = gw_flow_next(t, i);
	t->buckets[i].hash = hash;
	t->buckets[i].slot = idx;
	t->count++;
	return f;
}

/* Index of f if it is a flow of t in use, FLOW_NIL otherwise. */
static uint32_t
flow_index(const struct gw_flow_table *t, const struct gw_flow *f)
{
	uintptr_t d;
	uint32_t idx;

	if (f == NULL || (uintptr_t)f < (uintptr_t)t->flows)
		return FLOW_NIL;
	d = (uintptr_t)f - (uintptr_t)t->flows;
	if (d % sizeof(struct gw_flow) != 0 ||
	    d / sizeof(struct gw_flow) >= t->hwm)
		return FLOW_NIL;
	idx = (uint32_t)(d / sizeof(struct gw_flow));
	return t->flows[idx].client_idx != FLOW_FREE ? idx : FLOW_NIL;
}

void
gw_flow_remove(struct gw_flow_table *t, struct gw_flow *f)
{
	uint32_t idx = flow_index(t, f);
	uint32_t i, j;

	if (idx == FLOW_NIL)
		return; /* not ours, or already removed */

	/* The entry does not keep its hash (128 bytes): removal recomputes it. */
	i = gw_flow_home(t, t->hash_fn(&f->key));
	while (t->buckets[i].slot != idx)
		i = gw_flow_next(t, i);

	/*
	 * Backward shift: move later members of the probe run into the hole
	 * when the hole lies between their home bucket and where they sit.
	 */
	j = i;
	for (;;) {
		uint32_t home;

		j = gw_flow_next(t, j);
		if (t->buckets[j].slot == FLOW_NIL)
			break;
		home = gw_flow_home(t, t->buckets[j].hash);
		if (flow_dist(t, home, j) >= flow_dist(t, i, j)) {
			t->buckets[i] = t->buckets[j];
			i = j;
		}
	}
	t->buckets[i].slot = FLOW_NIL;

	/* Still linked in the closed FIFO if queued: dropped when it reaches the head. */
	f->client_idx = FLOW_FREE;
	f->rule = t->free_head;
	t->free_head = idx;
	t->count--;
}

uint64_t
gw_flow_timeout(const struct gw_flow_table *t, const struct gw_flow *f)
{
	switch (f->key.proto) {
	case GW_PROTO_TCP:
		switch (f->tcp_state) {
		case GW_TCP_ESTABLISHED:
			return t->to.tcp_established;
		case GW_TCP_FIN_WAIT:
		case GW_TCP_CLOSING:
			return t->to.tcp_fin;
		case GW_TCP_CLOSED:
			return t->to.tcp_closed;
		default:
			/* NONE (no valid segment yet), SYN_SENT, SYN_RCVD: embryonic. */
			return t->to.tcp_syn;
		}
	case GW_PROTO_UDP:
		return t->to.udp;
	case GW_PROTO_ICMP:
	case GW_PROTO_ICMPV6:
		return t->to.icmp;
	default:
		return t->to.other;
	}
}

static void
closed_push(struct gw_flow_table *t, uint32_t idx)
{
	t->flows[idx].closed_next = CQ_END;
	if (t->closed_tail == FLOW_NIL) {
		t->closed_head = idx;
	} else {
		struct gw_flow *g = &t->flows[t->closed_tail];

		g->closed_next = (g->closed_next & CQ_TOUCHED) | idx;
	}
	t->closed_tail = idx;
	t->closed_len++;
}

static void
closed_pop(struct gw_flow_table *t)
{
	struct gw_flow *f = &t->flows[t->closed_head];
	uint32_t next = f->closed_next & CQ_LINK;

	f->closed_next = CQ_NONE;
	if (next == CQ_END) {
		t->closed_head = FLOW_NIL;
		t->closed_tail = FLOW_NIL;
	} else {
		t->closed_head = next;
	}
	t->closed_len--;
}

static inline bool
flow_closing(const struct gw_flow *f)
{
	return f->key.proto == GW_PROTO_TCP &&
	       (f->tcp_state == GW_TCP_CLOSED || f->tcp_state == GW_TCP_CLOSING);
}

void
gw_flow_touch_closing(struct gw_flow_table *t, struct gw_flow *f)
{
	if (flow_closing(f))
		closed_push(t, (uint32_t)(f - t->flows));
}

void
gw_flow_tcp_note(struct gw_flow_table *t, struct gw_flow *f)
{
	uint32_t idx = flow_index(t, f);

	if (idx == FLOW_NIL || f->closed_next != CQ_NONE ||
	    f->key.proto != GW_PROTO_TCP || f->tcp_state != GW_TCP_CLOSED)
		return;
	closed_push(t, idx);
}

uint32_t
gw_flow_closed_queued(const struct gw_flow_table *t)
{
	return t->closed_len;
}

static inline bool
flow_idle(const struct gw_flow_table *t, const struct gw_flow *f,
	  uint64_t now_ns)
{
	/* A clock behind last_ns means "just seen", not "idle for ages". */
	return now_ns > f->last_ns && now_ns - f->last_ns > gw_flow_timeout(t, f);
}

/* Pops the closed FIFO (see the top of this file); at most budget entries. */
static unsigned int
closed_expire(struct gw_flow_table *t, uint64_t now_ns, unsigned int budget,
	      gw_flow_expire_cb cb, void *arg)
{
	unsigned int expired = 0, n;

	for (n = 0; n < budget && t->closed_head != FLOW_NIL; n++) {
		uint32_t idx = t->closed_head;
		struct gw_flow *f = &t->flows[idx];
		bool touched = (f->closed_next & CQ_TOUCHED) != 0;

		if (f->client_idx == FLOW_FREE || !flow_closing(f)) {
			/* Removed, or reopened: not ours any more. */
			closed_pop(t);
			continue;
		}
		if (flow_idle(t, f, now_ns)) {
			closed_pop(t);
			if (cb != NULL)
				cb(f, arg);
			gw_flow_remove(t, f);
			expired++;
			continue;
		}
		if (touched) {
			closed_pop(t);
			closed_push(t, idx);
			continue;
		}
		if (f->tcp_state == GW_TCP_CLOSING) {
			/* Last ACK never came: left to the sweep (tcp_fin). */
			closed_pop(t);
			continue;
		}
		break; /* the oldest CLOSED flow has not expired: none has */
	}
	return expired;
}

unsigned int
gw_flow_expire(struct gw_flow_table *t, uint64_t now_ns, unsigned int budget,
	       gw_flow_expire_cb cb, void *arg)
{
	unsigned int expired = closed_expire(t, now_ns, budget, cb, arg);
	unsigned int n;

	/* Each slot is examined at most once per call. */
	if (budget > t->hwm)
		budget = t->hwm;
	for (n = 0; n < budget; n++) {
		struct gw_flow *f;

		if (t->cursor >= t->hwm)
			t->cursor = 0;
		f = &t->flows[t->cursor++];
		if (f->client_idx == FLOW_FREE || !flow_idle(t, f, now_ns))
			continue;
		/* Pending flows with held packets included: cb frees them. */
		if (cb != NULL)
			cb(f, arg);
		gw_flow_remove(t, f);
		expired++;
	}
	return expired;
}

uint32_t
gw_flow_count(const struct gw_flow_table *t)
{
	return t->count;
}

uint32_t
gw_flow_capacity(const struct gw_flow_table *t)
{
	return t->capacity;
}

void
gw_flow_walk(struct gw_flow_table *t, gw_flow_walk_cb cb, void *arg)
{
	uint32_t i;

	/* Slot order; cb may remove the flow it is given (slots never move). */
	for (i = 0; i < t->hwm; i++) {
		struct gw_flow *f = &t->flows[i];

		if (f->client_idx == FLOW_FREE)
			continue;
		if (cb(f, arg) != 0)
			break;
	}
}
