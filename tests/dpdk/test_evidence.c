/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Evidence captures end to end inside one EAL process (no NIC: net_null0
 * only gives the pcapng files an interface): frames are built as mbufs,
 * tapped by the worker half (gw_evidence_tap_*), written by the control half
 * (gw_evidence_poll) and the files read back with libpcap (packets, bytes)
 * and a pcapng block walker (section comment, block sizes). Checks: window
 * end closes the file, a second trigger extends it, the size cap closes it
 * at the last packet that fits, the total cap deletes the oldest files,
 * ring/pool/host-slot exhaustion is counted, never waited on.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pcap/pcap.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "common/gw_addr.h"
#include "policy/gw_policy.h"

#include "gw_evidence.h"

#define NS 1000000000ULL

static int failures;
static int checks;

#define CHECK(cond, ...)                                                       \
	do {                                                                   \
		checks++;                                                      \
		if (!(cond)) {                                                 \
			failures++;                                            \
			printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
			printf(__VA_ARGS__);                                   \
			printf("\n");                                          \
		}                                                              \
	} while (0)

static struct rte_mempool *src_pool;
static char tmpdir[] = "/tmp/gw-evidence-test.XXXXXX";

static void
addr4(struct gw_addr *a, uint8_t x, uint8_t y, uint8_t z, uint8_t w)
{
	const uint8_t v4[4] = {x, y, z, w};

	gw_addr_from_v4(a, v4);
}

/* Ethernet + IPv4 + UDP frame of len bytes from src, payload byte = tag. */
static struct rte_mbuf *
frame(const struct gw_addr *src, uint16_t len, uint8_t tag)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(src_pool);
	uint8_t *p;

	if (m == NULL)
		return NULL;
	p = (uint8_t *)rte_pktmbuf_append(m, len);
	if (p == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	/* len >= 42: headers, then the payload filled with tag. */
	memset(p, 0, 42);
	memset(p + 42, tag, len - 42u);
	memcpy(p, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00", 14);
	p[14] = 0x45;
	p[16] = (uint8_t)((len - 14) >> 8);
	p[17] = (uint8_t)(len - 14);
	p[22] = 64;
	p[23] = 17;
	p[34] = 0x9c; /* UDP 40000 -> 9999 */
	p[35] = 0x40;
	p[36] = 0x27;
	p[37] = 0x0f;
	p[38] = (uint8_t)((len - 34) >> 8);
	p[39] = (uint8_t)(len - 34);
	memcpy(p + 26, &src->b[12], 4); /* v4-mapped: last 4 bytes */
	memcpy(p + 30, "\xc0\x00\x02\x01", 4);
	return m;
}

/* Taps n frames of len bytes (tag = first tag + i) for host on tap. */
static void
tap_frames(struct gw_evidence_tap *tap, const struct gw_addr *host,
	   unsigned int n, uint16_t len, uint8_t tag)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = frame(host, len, (uint8_t)(tag + i));

		if (m == NULL) {
			CHECK(0, "no source mbuf");
			return;
		}
		gw_evidence_tap_copy(tap, m, host, 0, RTE_PCAPNG_DIRECTION_IN);
		rte_pktmbuf_free(m);
	}
}

struct walk {
	int ok;
	unsigned int epb;
	uint64_t header_bytes; /* SHB + IDBs */
	uint64_t epb_bytes;
	uint64_t size;
	char comment[512];
};

static uint32_t
le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* Walks the pcapng blocks of path (little endian, as rte_pcapng writes). */
static void
walk_file(const char *path, struct walk *w)
{
	static uint8_t buf[1 << 20];
	size_t len, off = 0;
	FILE *f;

	memset(w, 0, sizeof(*w));
	f = fopen(path, "rb");
	if (f == NULL)
		return;
	len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	w->size = len;
	while (off + 12 <= len) {
		uint32_t type = le32(buf + off), blen = le32(buf + off + 4);

		if (blen < 12 || blen % 4 != 0 || off + blen > len)
			return;
		if (type == 0x0a0d0d0a && blen >= 28) {
			size_t o = off + 24;

			/* SHB options: code 1 is the comment. */
			while (o + 4 <= off + blen - 4) {
				uint16_t code = (uint16_t)(buf[o] | buf[o + 1] << 8);
				uint16_t olen = (uint16_t)(buf[o + 2] | buf[o + 3] << 8);

				if (code == 0 || o + 4 + olen > off + blen - 4)
					break;
				if (code == 1 && olen < sizeof(w->comment)) {
					memcpy(w->comment, buf + o + 4, olen);
					w->comment[olen] = '\0';
				}
				o += 4 + ((olen + 3u) & ~3u);
			}
		}
		if (type == 6) {
			w->epb++;
			w->epb_bytes += blen;
		} else if (w->epb == 0) {
			w->header_bytes += blen;
		}
		off += blen;
	}
	w->ok = off == len;
}

/* Reads the packets with libpcap; checks each has len bytes and its tag. */
static int
pcap_count(const char *path, uint16_t len, uint8_t tag0)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *p;
	int n = 0;

	p = pcap_open_offline(path, errbuf);
	if (p == NULL) {
		CHECK(0, "libpcap cannot read %s: %s", path, errbuf);
		return -1;
	}
	while (pcap_next_ex(p, &h, &data) == 1) {
		CHECK(h->caplen == len && h->len == len,
		      "packet %d: caplen %u len %u, want %u", n, h->caplen,
		      h->len, len);
		if (h->caplen == len)
			CHECK(data[len - 1] == (uint8_t)(tag0 + n) &&
			      data[12] == 0x08 && data[23] == 17,
			      "packet %d: content differs", n);
		CHECK(h->ts.tv_sec > 1700000000, "packet %d: timestamp %ld", n,
		      (long)h->ts.tv_sec);
		n++;
	}
	pcap_close(p);
	return n;
}

static unsigned int
count_files(void)
{
	struct dirent *de;
	unsigned int n = 0;
	DIR *d = opendir(tmpdir);

	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, "egressgw-", 9) == 0)
			n++;
	closedir(d);
	return n;
}

static bool
file_exists(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0;
}

static struct gw_evidence *
open_ev(uint64_t max_bytes, uint64_t total, unsigned int ring,
	unsigned int mbufs)
{
	struct gw_evidence_params cfg = {
		.dir = tmpdir,
		.window_s = 2,
		.max_bytes = max_bytes,
		.total_max_bytes = total,
		.snaplen = 0,
		.n_taps = 2,
		.ring_size = ring,
		.tap_mbufs = mbufs,
		.socket_id = (int)rte_socket_id(),
	};
	struct gw_evidence *ev = gw_evidence_open(&cfg);

	CHECK(ev != NULL, "gw_evidence_open: %s", strerror(errno));
	return ev;
}

static void
test_window_and_extend(void)
{
	struct gw_evidence *ev = open_ev(1 << 20, 0, 256, 512);
	struct gw_evidence_tap *tap;
	struct gw_evidence_stats st;
	struct gw_addr a, b;
	uint64_t until = 0, until2 = 0;
	char path[PATH_MAX];
	struct walk w;
	int rc;

	if (ev == NULL)
		return;
	tap = gw_evidence_tap(ev, 0);
	CHECK(gw_evidence_tap(ev, 2) == NULL, "tap beyond n_taps");
	addr4(&a, 10, 0, 0, 1);
	addr4(&b, 10, 0, 0, 2);
	CHECK(!gw_evidence_tap_want(tap, &a, 1 * NS), "idle tap wants nothing");

	rc = gw_evidence_trigger(ev, &a, "c2_alert:evil.test", 1 * NS, &until);
	CHECK(rc == 0, "trigger: %d", rc);
	CHECK(until == 3 * NS, "until %llu", (unsigned long long)until);
	snprintf(path, sizeof(path), "%s", gw_evidence_path(ev, &a));
	CHECK(strstr(path, "/egressgw-10.0.0.1-") != NULL &&
	      strstr(path, "Z-c2_alert_evil.test.pcapng") != NULL,
	      "file name %s", path);
	CHECK(file_exists(path), "%s exists while capturing", path);

	CHECK(gw_evidence_tap_set(tap, &a, until, 1 * NS) == 0, "tap set");
	CHECK(gw_evidence_tap_want(tap, &a, 1 * NS), "flagged host wanted");
	CHECK(!gw_evidence_tap_want(tap, &b, 1 * NS), "other host not wanted");
	tap_frames(tap, &a, 3, 100, 0x10);
	CHECK(tap->copied == 3, "copied %llu", (unsigned long long)tap->copied);
	CHECK(gw_evidence_poll(ev, 2 * NS) == 3, "3 written before window end");
	CHECK(gw_evidence_path(ev, &a)[0] != '\0', "still open at 2 s");

	/* Extend: same file, later end. */
	rc = gw_evidence_trigger(ev, &a, "quarantine", 2 * NS, &until2);
	CHECK(rc == 0 && until2 == 4 * NS, "extend: rc %d until %llu", rc,
	      (unsigned long long)until2);
	CHECK(strcmp(gw_evidence_path(ev, &a), path) == 0, "extend keeps file");
	CHECK(gw_evidence_tap_set(tap, &a, until2, 2 * NS) == 0 &&
	      tap->n_hosts == 1 && tap->hosts[0].until_ns == 4 * NS,
	      "tap extends in place");
	tap_frames(tap, &a, 2, 200, 0x20);
	CHECK(gw_evidence_poll(ev, 3 * NS) == 2, "2 more in the extension");
	CHECK(gw_evidence_path(ev, &a)[0] != '\0', "open at 3 s (extended)");

	/* Window end: file closed, the tap forgets the host by itself. */
	CHECK(gw_evidence_poll(ev, 4 * NS) == 0, "nothing more");
	CHECK(gw_evidence_path(ev, &a)[0] == '\0', "closed at window end");
	CHECK(!gw_evidence_tap_want(tap, &a, 4 * NS) && tap->n_hosts == 0,
	      "expired host dropped from the tap");
	/* A late copy for a closed capture is dropped and counted. */
	tap_frames(tap, &a, 1, 100, 0x30);
	gw_evidence_poll(ev, 5 * NS);
	gw_evidence_get_stats(ev, &st);
	CHECK(st.files == 1 && st.extended == 1 && st.packets == 5 &&
	      st.dropped == 1 && st.open == 0 && st.errors == 0,
	      "stats files %llu ext %llu pkts %llu dropped %llu open %u",
	      (unsigned long long)st.files, (unsigned long long)st.extended,
	      (unsigned long long)st.packets, (unsigned long long)st.dropped,
	      st.open);

	walk_file(path, &w);
	CHECK(w.ok && w.epb == 5, "walk: ok %d epb %u", w.ok, w.epb);
	CHECK(st.bytes == w.epb_bytes && w.size == w.header_bytes + w.epb_bytes,
	      "bytes %llu vs epb %llu", (unsigned long long)st.bytes,
	      (unsigned long long)w.epb_bytes);
	CHECK(strstr(w.comment, "host 10.0.0.1, why: c2_alert:evil.test") != NULL,
	      "comment '%s'", w.comment);
	/* libpcap reads pcapng: 3 x 100 then 2 x 200 bytes. */
	{
		char errbuf[PCAP_ERRBUF_SIZE];
		struct pcap_pkthdr *h;
		const u_char *d;
		unsigned int n = 0, lens[5] = {100, 100, 100, 200, 200};
		uint8_t tags[5] = {0x10, 0x11, 0x12, 0x20, 0x21};
		pcap_t *p = pcap_open_offline(path, errbuf);

		CHECK(p != NULL, "libpcap: %s", errbuf);
		while (p != NULL && pcap_next_ex(p, &h, &d) == 1) {
			CHECK(n < 5 && h->caplen == lens[n] &&
			      d[h->caplen - 1] == tags[n] &&
			      memcmp(d + 26, "\x0a\x00\x00\x01", 4) == 0,
			      "packet %u: len %u", n, h->caplen);
			n++;
		}
		CHECK(n == 5, "libpcap read %u packets", n);
		if (p != NULL)
			pcap_close(p);
	}

	/* A new trigger after the window: a new file. */
	rc = gw_evidence_trigger(ev, &a, "again", 10 * NS, &until);
	CHECK(rc == 0 && strcmp(gw_evidence_path(ev, &a), path) != 0 &&
	      strstr(gw_evidence_path(ev, &a), "-again.pcapng") != NULL,
	      "new file %s", gw_evidence_path(ev, &a));
	gw_evidence_close(ev);
	CHECK(count_files() == 2, "2 files, found %u", count_files());
}

static void
test_size_cap(void)
{
	struct gw_evidence *ev = open_ev(4096, 0, 256, 512);
	struct gw_evidence_tap *tap;
	struct gw_evidence_stats st;
	struct gw_addr h;
	uint64_t until;
	char path[PATH_MAX];
	struct walk w;
	unsigned int written, per;

	if (ev == NULL)
		return;
	tap = gw_evidence_tap(ev, 1);
	addr4(&h, 10, 0, 0, 3);
	CHECK(gw_evidence_trigger(ev, &h, "cap", 0, &until) == 0, "trigger");
	snprintf(path, sizeof(path), "%s", gw_evidence_path(ev, &h));
	gw_evidence_tap_set(tap, &h, until, 0);
	tap_frames(tap, &h, 10, 1000, 0x40);
	written = gw_evidence_poll(ev, 1 * NS);
	gw_evidence_get_stats(ev, &st);
	CHECK(gw_evidence_path(ev, &h)[0] == '\0', "capped file closed");
	CHECK(st.capped == 1 && st.open == 0, "capped %llu",
	      (unsigned long long)st.capped);
	CHECK(written >= 1 && st.packets == written && st.dropped == 10 - written,
	      "written %u dropped %llu", written, (unsigned long long)st.dropped);
	walk_file(path, &w);
	per = w.epb != 0 ? (unsigned int)(w.epb_bytes / w.epb) : 0;
	CHECK(w.ok && w.epb == written, "file has %u packets", w.epb);
	/* As many as fit: one more would have gone past the cap. */
	CHECK(w.size <= 4096 && w.size + per > 4096, "size %llu per %u",
	      (unsigned long long)w.size, per);
	CHECK(pcap_count(path, 1000, 0x40) == (int)written, "libpcap count");
	/* Still in the window after the cap: no reopen, copies dropped. */
	tap_frames(tap, &h, 1, 1000, 0x50);
	gw_evidence_poll(ev, 1 * NS);
	gw_evidence_get_stats(ev, &st);
	CHECK(st.dropped == 11 - written && st.files == 1, "after cap: dropped %llu",
	      (unsigned long long)st.dropped);
	gw_evidence_close(ev);
}

static void
test_total_cap(void)
{
	struct gw_evidence *ev;
	struct gw_evidence_stats st;
	char paths[4][PATH_MAX];
	struct walk w;
	uint64_t until, fsize, now = 0;
	unsigned int i, before = count_files();
	struct gw_addr h;

	/* Measure one file: header + 4 x 500-byte packets. */
	ev = open_ev(1 << 20, 0, 256, 512);
	if (ev == NULL)
		return;
	addr4(&h, 10, 0, 1, 0);
	gw_evidence_trigger(ev, &h, "size", now, &until);
	snprintf(paths[0], sizeof(paths[0]), "%s", gw_evidence_path(ev, &h));
	gw_evidence_tap_set(gw_evidence_tap(ev, 0), &h, until, now);
	tap_frames(gw_evidence_tap(ev, 0), &h, 4, 500, 1);
	gw_evidence_close(ev);
	walk_file(paths[0], &w);
	fsize = w.size;
	CHECK(w.ok && w.epb == 4, "probe file: %u packets", w.epb);
	unlink(paths[0]);
	/* Older unrelated evidence files count towards the cap too: remove
	 * them so the arithmetic below is exact. */
	{
		struct dirent *de;
		DIR *d = opendir(tmpdir);

		while (d != NULL && (de = readdir(d)) != NULL) {
			char p[PATH_MAX];

			if (strncmp(de->d_name, "egressgw-", 9) != 0)
				continue;
			snprintf(p, sizeof(p), "%s/%s", tmpdir, de->d_name);
			unlink(p);
		}
		if (d != NULL)
			closedir(d);
	}
	(void)before;

	/* Cap of two and a half files: the third close deletes the oldest. */
	ev = open_ev(1 << 20, fsize * 5 / 2, 256, 512);
	if (ev == NULL)
		return;
	for (i = 0; i < 4; i++) {
		addr4(&h, 10, 0, 1, (uint8_t)(i + 1));
		now += 10 * NS;
		CHECK(gw_evidence_trigger(ev, &h, "total", now, &until) == 0,
		      "trigger %u", i);
		snprintf(paths[i], sizeof(paths[i]), "%s", gw_evidence_path(ev, &h));
		gw_evidence_tap_set(gw_evidence_tap(ev, 0), &h, until, now);
		tap_frames(gw_evidence_tap(ev, 0), &h, 4, 500, 1);
		gw_evidence_poll(ev, until); /* write, then window end */
		usleep(2000); /* distinct mtimes */
	}
	gw_evidence_get_stats(ev, &st);
	CHECK(st.files == 4 && st.deleted == 2, "files %llu deleted %llu",
	      (unsigned long long)st.files, (unsigned long long)st.deleted);
	CHECK(!file_exists(paths[0]) && !file_exists(paths[1]) &&
	      file_exists(paths[2]) && file_exists(paths[3]),
	      "oldest two deleted, newest two kept");
	CHECK(count_files() == 2, "files left %u", count_files());
	gw_evidence_close(ev);
}

static void
test_exhaustion(void)
{
	struct gw_evidence *ev;
	struct gw_evidence_tap *tap;
	struct gw_evidence_stats st;
	struct gw_addr h[GW_EVIDENCE_TAP_HOSTS + 1];
	uint64_t until;
	unsigned int i;

	/* Ring of 64 holds 63; pool of 200 is enough: the ring is the limit. */
	ev = open_ev(1 << 20, 0, 64, 200);
	if (ev == NULL)
		return;
	tap = gw_evidence_tap(ev, 0);
	addr4(&h[0], 10, 0, 2, 1);
	gw_evidence_trigger(ev, &h[0], "ring", 0, &until);
	tap_frames(tap, &h[0], 100, 80, 0);
	CHECK(tap->copied == 63 && tap->ring_full == 37 && tap->pool_empty == 0,
	      "ring: copied %llu full %llu", (unsigned long long)tap->copied,
	      (unsigned long long)tap->ring_full);
	CHECK(gw_evidence_poll(ev, 1) == 63, "63 written");
	gw_evidence_get_stats(ev, &st);
	CHECK(st.dropped == 37, "dropped %llu", (unsigned long long)st.dropped);
	/* The ring's copies went back to the pool: the next burst fits again. */
	tap_frames(tap, &h[0], 10, 80, 0);
	CHECK(tap->copied == 73 && tap->ring_full == 37, "after drain");
	gw_evidence_close(ev);

	/* Pool of 16, ring of 64: the pool is the limit. */
	ev = open_ev(1 << 20, 0, 64, 16);
	if (ev == NULL)
		return;
	tap = gw_evidence_tap(ev, 1);
	gw_evidence_trigger(ev, &h[0], "pool", 0, &until);
	tap_frames(tap, &h[0], 20, 80, 0);
	CHECK(tap->copied == 16 && tap->pool_empty == 4 && tap->ring_full == 0,
	      "pool: copied %llu empty %llu", (unsigned long long)tap->copied,
	      (unsigned long long)tap->pool_empty);
	gw_evidence_close(ev);

	/* Host slots: 8 live hosts fill the tap; an expired one frees a slot. */
	{
		struct gw_evidence_tap t;

		memset(&t, 0, sizeof(t));
		for (i = 0; i <= GW_EVIDENCE_TAP_HOSTS; i++)
			addr4(&h[i], 10, 0, 3, (uint8_t)i);
		for (i = 0; i < GW_EVIDENCE_TAP_HOSTS; i++)
			CHECK(gw_evidence_tap_set(&t, &h[i], 100 + i, 0) == 0,
			      "set %u", i);
		CHECK(gw_evidence_tap_set(&t, &h[8], 200, 0) == -1 &&
		      t.hosts_full == 1, "ninth host refused");
		CHECK(gw_evidence_tap_set(&t, &h[8], 200, 100) == 0 &&
		      t.n_hosts == GW_EVIDENCE_TAP_HOSTS,
		      "expired slot reused");
		CHECK(!gw_evidence_tap_want(&t, &h[0], 100) &&
		      gw_evidence_tap_want(&t, &h[8], 150) &&
		      gw_evidence_tap_want(&t, &h[7], 106) &&
		      !gw_evidence_tap_want(&t, &h[7], 107),
		      "want honours until_ns");
		gw_evidence_tap_clear(&t, &h[8]);
		CHECK(!gw_evidence_tap_want(&t, &h[8], 150), "cleared");
	}
}

static void
test_ipv6_name_and_bad_cfg(void)
{
	struct gw_evidence_params bad = {.dir = "/nonexistent/dir", .window_s = 1,
				      .max_bytes = 1, .n_taps = 1,
				      .ring_size = 64, .tap_mbufs = 8};
	struct gw_evidence *ev;
	struct gw_addr h;
	uint64_t until;
	const uint8_t v6[16] = {0xfd, 0x99, [15] = 0x10};

	CHECK(gw_evidence_open(&bad) == NULL && errno == ENOENT, "missing dir");
	bad.dir = tmpdir;
	bad.ring_size = 100;
	CHECK(gw_evidence_open(&bad) == NULL && errno == EINVAL,
	      "ring size not a power of two");
	ev = open_ev(1 << 20, 0, 64, 64);
	if (ev == NULL)
		return;
	gw_addr_from_v6(&h, v6);
	CHECK(gw_evidence_trigger(ev, &h, "a/b c", 0, &until) == 0, "v6 trigger");
	CHECK(strstr(gw_evidence_path(ev, &h), "/egressgw-fd99__10-") != NULL &&
	      strstr(gw_evidence_path(ev, &h), "-a_b_c.pcapng") != NULL,
	      "v6 name %s", gw_evidence_path(ev, &h));
	gw_evidence_close(ev);
}

/* The policy's gateway.evidence drives the writer, also after a reload. */
static void
test_policy_cfg(void)
{
	struct gw_evidence_cfg pc;
	struct gw_evidence_params p;
	struct gw_evidence *ev;
	struct gw_addr h;
	char sub[sizeof(tmpdir) + 16];
	uint64_t until;

	memset(&pc, 0, sizeof(pc));
	snprintf(pc.dir, sizeof(pc.dir), "%s", tmpdir);
	pc.window_s = 7;
	pc.max_bytes = 65536;
	pc.total_max_bytes = 1 << 20;
	gw_evidence_params_from_cfg(&p, &pc, 3, (int)rte_socket_id());
	CHECK(p.dir == pc.dir && p.window_s == 7 && p.max_bytes == 65536 &&
	      p.total_max_bytes == 1 << 20 && p.n_taps == 3 && p.snaplen == 0 &&
	      p.ring_size == GW_EVIDENCE_RING_SIZE &&
	      p.tap_mbufs == GW_EVIDENCE_TAP_MBUFS, "params from cfg");
	ev = gw_evidence_open(&p);
	CHECK(ev != NULL && gw_evidence_tap(ev, 2) != NULL &&
	      gw_evidence_tap(ev, 3) == NULL, "3 taps");
	if (ev == NULL)
		return;
	addr4(&h, 10, 0, 4, 1);
	CHECK(gw_evidence_trigger(ev, &h, "cfg", 0, &until) == 0 &&
	      until == 7 * NS, "window_s 7: until %llu", (unsigned long long)until);

	/* Reload: new dir and window for the next trigger; bad dir refused. */
	snprintf(sub, sizeof(sub), "%s/reloaded", tmpdir);
	CHECK(mkdir(sub, 0700) == 0, "mkdir");
	snprintf(pc.dir, sizeof(pc.dir), "%s/missing", tmpdir);
	CHECK(gw_evidence_reconfigure(ev, &pc) == -ENOENT, "missing dir refused");
	snprintf(pc.dir, sizeof(pc.dir), "%s", sub);
	pc.window_s = 9;
	CHECK(gw_evidence_reconfigure(ev, &pc) == 0, "reconfigure");
	CHECK(strncmp(gw_evidence_path(ev, &h), tmpdir, strlen(tmpdir)) == 0 &&
	      strstr(gw_evidence_path(ev, &h), "/reloaded/") == NULL,
	      "open file keeps its path");
	addr4(&h, 10, 0, 4, 2);
	CHECK(gw_evidence_trigger(ev, &h, "cfg", NS, &until) == 0 &&
	      until == 10 * NS &&
	      strncmp(gw_evidence_path(ev, &h), sub, strlen(sub)) == 0,
	      "new trigger: new dir %s, until %llu", gw_evidence_path(ev, &h),
	      (unsigned long long)until);
	gw_evidence_close(ev);
}

int
main(int argc, char **argv)
{
	char prefix[64];
	char *eal[] = {argv[0], "-l", "0", "--no-huge", "-m", "256", "--no-pci",
		       "--no-shconf", "--no-telemetry", "--file-prefix", prefix,
		       "--vdev", "net_null0", "--log-level", "*:warning", NULL};
	char cmd[PATH_MAX + 64];

	(void)argc;
	/* Private: runs in parallel with any other EAL process. */
	snprintf(prefix, sizeof(prefix), "egw-evtest-%d", (int)getpid());
	if (rte_eal_init((int)(sizeof(eal) / sizeof(eal[0])) - 1, eal) < 0) {
		printf("FAIL EAL init\n");
		return 1;
	}
	src_pool = rte_pktmbuf_pool_create("src", 1024, 0, 0,
					   RTE_MBUF_DEFAULT_BUF_SIZE,
					   (int)rte_socket_id());
	if (src_pool == NULL || mkdtemp(tmpdir) == NULL ||
	    rte_eth_dev_count_avail() != 1) {
		printf("FAIL setup\n");
		return 1;
	}
	test_window_and_extend();
	test_size_cap();
	test_total_cap();
	test_exhaustion();
	test_ipv6_name_and_bad_cfg();
	test_policy_cfg();
	printf("%d checks, %d failed\n", checks, failures);
	if (getenv("GW_KEEP") == NULL) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
		if (system(cmd) != 0)
			printf("warning: cannot remove %s\n", tmpdir);
	}
	rte_mempool_free(src_pool);
	rte_eal_cleanup();
	snprintf(cmd, sizeof(cmd), "rm -rf '/var/run/dpdk/%s'", prefix);
	if (geteuid() == 0 && system(cmd) != 0)
		printf("warning: cannot remove /var/run/dpdk/%s\n", prefix);
	return failures == 0 ? 0 : 1;
}
