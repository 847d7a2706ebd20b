/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Evidence captures, control side: drains the workers' taps and writes one
 * pcapng file per flagged host and trigger, bounded in time (window), in
 * size (per file) and in total (oldest closed files deleted first). Runs on
 * the control lcore only; the worker half is inline in gw_evidence.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_pcapng.h>
#include <rte_pdump.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "common/gw_addr.h"
#include "policy/gw_policy.h"

#include "gw_evidence.h"

/* Files capturing at once (distinct hosts); more triggers are refused. */
#define EV_CAPTURES 16
#define EV_BURST 64
/* Files of the directory considered for the total cap. */
#define EV_SCAN_MAX 4096
#define EV_PREFIX "egressgw-"
#define EV_SUFFIX ".pcapng"
#define EV_WHY_MAX 32

struct ev_capture {
	bool used;               /* window running (file open or capped) */
	bool open;               /* file open: packets are written */
	struct gw_addr host;
	uint64_t until_ns;
	rte_pcapng_t *pc;
	uint64_t bytes;          /* file size so far */
	char path[PATH_MAX];
};

struct gw_evidence {
	struct gw_evidence_params cfg;
	char dir[PATH_MAX];
	unsigned int n_taps;
	struct gw_evidence_tap *taps;
	struct ev_capture cap[EV_CAPTURES];
	struct gw_evidence_stats st;
};

static struct ev_capture *
find_capture(struct gw_evidence *ev, const struct gw_addr *host)
{
	unsigned int i;

	for (i = 0; i < EV_CAPTURES; i++)
		if (ev->cap[i].used &&
		    memcmp(&ev->cap[i].host, host, sizeof(*host)) == 0)
			return &ev->cap[i];
	return NULL;
}

static void
close_file(struct ev_capture *c)
{
	if (c->open) {
		/* rte_pcapng_close closes the descriptor too. */
		rte_pcapng_close(c->pc);
		c->pc = NULL;
		c->open = false;
	}
}

struct ev_file {
	char name[NAME_MAX + 1];
	off_t size;
	struct timespec mtime;
};

static int
ev_file_older(const void *a, const void *b)
{
	const struct ev_file *x = a, *y = b;

	if (x->mtime.tv_sec != y->mtime.tv_sec)
		return x->mtime.tv_sec < y->mtime.tv_sec ? -1 : 1;
	if (x->mtime.tv_nsec != y->mtime.tv_nsec)
		return x->mtime.tv_nsec < y->mtime.tv_nsec ? -1 : 1;
	return strcmp(x->name, y->name);
}

static bool
is_open_file(const struct gw_evidence *ev, const char *name)
{
	size_t dl = strlen(ev->dir);
	unsigned int i;

	for (i = 0; i < EV_CAPTURES; i++) {
		const struct ev_capture *c = &ev->cap[i];

		if (c->open && strncmp(c->path, ev->dir, dl) == 0 &&
		    c->path[dl] == '/' && strcmp(c->path + dl + 1, name) == 0)
			return true;
	}
	return false;
}

/* Deletes the oldest closed evidence files until all of them (open ones
 * included) fit in total_max_bytes. */
static void
enforce_total(struct gw_evidence *ev)
{
	struct ev_file *files;
	struct dirent *de;
	uint64_t total = 0;
	size_t n = 0, i;
	DIR *d;

	if (ev->cfg.total_max_bytes == 0)
		return;
	d = opendir(ev->dir);
	if (d == NULL) {
		ev->st.errors++;
		return;
	}
	files = calloc(EV_SCAN_MAX, sizeof(*files));
	if (files == NULL) {
		closedir(d);
		ev->st.errors++;
		return;
	}
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		struct stat sb;

		if (strncmp(de->d_name, EV_PREFIX, strlen(EV_PREFIX)) != 0 ||
		    len < strlen(EV_SUFFIX) ||
		    strcmp(de->d_name + len - strlen(EV_SUFFIX), EV_SUFFIX) != 0)
			continue;
		if (fstatat(dirfd(d), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) != 0 ||
		    !S_ISREG(sb.st_mode))
			continue;
		total += (uint64_t)sb.st_size;
		if (is_open_file(ev, de->d_name) || n == EV_SCAN_MAX)
			continue;
		snprintf(files[n].name, sizeof(files[n].name), "%s", de->d_name);
		files[n].size = sb.st_size;
		files[n].mtime = sb.st_mtim;
		n++;
	}
	qsort(files, n, sizeof(*files), ev_file_older);
	for (i = 0; i < n && total > ev->cfg.total_max_bytes; i++) {
		if (unlinkat(dirfd(d), files[i].name, 0) == 0) {
			total -= (uint64_t)files[i].size;
			ev->st.deleted++;
		} else {
			ev->st.errors++;
		}
	}
	free(files);
	closedir(d);
}

/* Keeps [A-Za-z0-9._-] of why, the rest becomes '_'; never empty. */
static void
sanitize_why(const char *why, char *out, size_t size)
{
	size_t i;

	if (why == NULL || why[0] == '\0')
		why = "trigger";
	for (i = 0; why[i] != '\0' && i + 1 < size; i++) {
		char ch = why[i];

		out[i] = ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			  (ch >= '0' && ch <= '9') || ch == '.' || ch == '-' ||
			  ch == '_') ? ch : '_';
	}
	out[i] = '\0';
}

static int
open_capture(struct gw_evidence *ev, struct ev_capture *c,
	     const struct gw_addr *host, const char *why)
{
	char hs[GW_ADDR_STRLEN], ws[EV_WHY_MAX + 1], ts[32], comment[256];
	struct timespec rt;
	struct tm tm;
	unsigned int k;
	off_t pos;
	int fd = -1;
	size_t i;

	gw_addr_to_str(host, hs, sizeof(hs));
	/* IPv6 colons would make the name awkward in shells and on Windows. */
	for (i = 0; hs[i] != '\0'; i++)
		if (hs[i] == ':')
			hs[i] = '_';
	sanitize_why(why, ws, sizeof(ws));
	clock_gettime(CLOCK_REALTIME, &rt);
	gmtime_r(&rt.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y%m%dT%H%M%SZ", &tm);
	/* Two triggers of one host within a second get distinct files. */
	for (k = 1; k < 100 && fd < 0; k++) {
		int n;

		if (k == 1)
			n = snprintf(c->path, sizeof(c->path), "%s/" EV_PREFIX
				     "%s-%s-%s" EV_SUFFIX, ev->dir, hs, ts, ws);
		else
			n = snprintf(c->path, sizeof(c->path), "%s/" EV_PREFIX
				     "%s-%s-%s-%u" EV_SUFFIX, ev->dir, hs, ts,
				     ws, k);
		if (n < 0 || (size_t)n >= sizeof(c->path))
			return -ENAMETOOLONG;
		fd = open(c->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
		if (fd < 0 && errno != EEXIST)
			return -errno;
	}
	if (fd < 0)
		return -EEXIST;
	gw_addr_to_str(host, hs, sizeof(hs));
	snprintf(comment, sizeof(comment),
		 "egressgw evidence: host %s, why: %s, window %u s, max %llu bytes",
		 hs, why != NULL && why[0] != '\0' ? why : "trigger",
		 ev->cfg.window_s, (unsigned long long)ev->cfg.max_bytes);
	c->pc = rte_pcapng_fdopen(fd, NULL, NULL, "egressgw", comment);
	if (c->pc == NULL) {
		int err = rte_errno != 0 ? rte_errno : EIO;

		close(fd);
		unlink(c->path);
		return -err;
	}
	pos = lseek(fd, 0, SEEK_CUR);
	c->bytes = pos > 0 ? (uint64_t)pos : 0;
	c->host = *host;
	c->open = true;
	c->used = true;
	return 0;
}

int
gw_evidence_trigger(struct gw_evidence *ev, const struct gw_addr *host,
		    const char *why, uint64_t now_ns, uint64_t *until_ns)
{
	uint64_t until;
	struct ev_capture *c;
	unsigned int i;
	int rc;

	if (ev == NULL || host == NULL)
		return -EINVAL;
	until = now_ns + (uint64_t)ev->cfg.window_s * 1000000000ULL;
	c = find_capture(ev, host);
	if (c != NULL && c->open) {
		if (until > c->until_ns)
			c->until_ns = until;
		ev->st.extended++;
		if (until_ns != NULL)
			*until_ns = c->until_ns;
		return 0;
	}
	if (c != NULL) {
		/* Capped and still in its window: a new trigger, a new file. */
		c->used = false;
	}
	for (i = 0; i < EV_CAPTURES && ev->cap[i].used; i++)
		;
	if (i == EV_CAPTURES)
		return -ENOSPC;
	c = &ev->cap[i];
	memset(c, 0, sizeof(*c));
	rc = open_capture(ev, c, host, why);
	if (rc != 0) {
		memset(c, 0, sizeof(*c));
		ev->st.errors++;
		return rc;
	}
	c->until_ns = until;
	ev->st.files++;
	ev->st.open++;
	if (until_ns != NULL)
		*until_ns = until;
	enforce_total(ev);
	return 0;
}

/* Writes one copy to its host's file (or drops it); frees it. */
static bool
write_pkt(struct gw_evidence *ev, struct gw_evidence_pkt *p, bool *closed)
{
	struct ev_capture *c = find_capture(ev, &p->host);
	uint64_t len = rte_pktmbuf_pkt_len(p->m);
	ssize_t w;

	if (c == NULL || !c->open) {
		ev->st.dropped++;
		rte_pktmbuf_free(p->m);
		return false;
	}
	if (c->bytes + len > ev->cfg.max_bytes) {
		close_file(c);
		ev->st.capped++;
		ev->st.open--;
		ev->st.dropped++;
		*closed = true;
		rte_pktmbuf_free(p->m);
		return false;
	}
	w = rte_pcapng_write_packets(c->pc, &p->m, 1);
	rte_pktmbuf_free(p->m);
	if (w < 0) {
		ev->st.errors++;
		ev->st.dropped++;
		return false;
	}
	c->bytes += (uint64_t)w;
	ev->st.packets++;
	ev->st.bytes += (uint64_t)w;
	return true;
}

unsigned int
gw_evidence_poll(struct gw_evidence *ev, uint64_t now_ns)
{
	struct gw_evidence_pkt pkts[EV_BURST];
	unsigned int t, i, n, written = 0;
	bool closed = false;

	if (ev == NULL)
		return 0;
	for (t = 0; t < ev->n_taps; t++) {
		do {
			n = rte_ring_sc_dequeue_burst_elem(ev->taps[t].ring,
							   pkts, sizeof(pkts[0]),
							   EV_BURST, NULL);
			for (i = 0; i < n; i++)
				written += write_pkt(ev, &pkts[i], &closed);
		} while (n == EV_BURST);
	}
	for (i = 0; i < EV_CAPTURES; i++) {
		struct ev_capture *c = &ev->cap[i];

		if (!c->used || c->until_ns > now_ns)
			continue;
		if (c->open) {
			close_file(c);
			ev->st.open--;
			closed = true;
		}
		c->used = false;
	}
	if (closed)
		enforce_total(ev);
	return written;
}

void
gw_evidence_get_stats(const struct gw_evidence *ev,
		      struct gw_evidence_stats *out)
{
	unsigned int t;

	memset(out, 0, sizeof(*out));
	if (ev == NULL)
		return;
	*out = ev->st;
	for (t = 0; t < ev->n_taps; t++)
		out->dropped += ev->taps[t].ring_full + ev->taps[t].pool_empty;
}

const char *
gw_evidence_path(const struct gw_evidence *ev, const struct gw_addr *host)
{
	unsigned int i;

	if (ev == NULL || host == NULL)
		return "";
	for (i = 0; i < EV_CAPTURES; i++)
		if (ev->cap[i].used && ev->cap[i].open &&
		    memcmp(&ev->cap[i].host, host, sizeof(*host)) == 0)
			return ev->cap[i].path;
	return "";
}

void
gw_evidence_params_from_cfg(struct gw_evidence_params *p,
			    const struct gw_evidence_cfg *cfg,
			    unsigned int n_workers, int socket_id)
{
	memset(p, 0, sizeof(*p));
	p->dir = cfg->dir;
	p->window_s = cfg->window_s;
	p->max_bytes = cfg->max_bytes;
	p->total_max_bytes = cfg->total_max_bytes;
	p->snaplen = 0;
	p->n_taps = n_workers;
	p->ring_size = GW_EVIDENCE_RING_SIZE;
	p->tap_mbufs = GW_EVIDENCE_TAP_MBUFS;
	p->socket_id = socket_id;
}

int
gw_evidence_reconfigure(struct gw_evidence *ev,
			const struct gw_evidence_cfg *cfg)
{
	struct stat sb;
	int n;

	if (ev == NULL || cfg == NULL || cfg->window_s == 0 ||
	    cfg->max_bytes == 0)
		return -EINVAL;
	if (stat(cfg->dir, &sb) != 0)
		return -errno;
	if (!S_ISDIR(sb.st_mode))
		return -ENOTDIR;
	n = (int)strnlen(cfg->dir, sizeof(cfg->dir));
	if ((size_t)n >= sizeof(cfg->dir) || (size_t)n >= sizeof(ev->dir))
		return -ENAMETOOLONG;
	/* Open files keep their path: c->path is a copy, not a view of dir. */
	memcpy(ev->dir, cfg->dir, (size_t)n + 1);
	ev->cfg.window_s = cfg->window_s;
	ev->cfg.max_bytes = cfg->max_bytes;
	ev->cfg.total_max_bytes = cfg->total_max_bytes;
	return 0;
}

struct gw_evidence_tap *
gw_evidence_tap(struct gw_evidence *ev, unsigned int i)
{
	if (ev == NULL || i >= ev->n_taps)
		return NULL;
	return &ev->taps[i];
}

struct gw_evidence *
gw_evidence_open(const struct gw_evidence_params *cfg)
{
	struct gw_evidence *ev;
	struct stat sb;
	unsigned int i;
	int n;

	if (cfg == NULL || cfg->dir == NULL || cfg->window_s == 0 ||
	    cfg->max_bytes == 0 || cfg->n_taps == 0 || cfg->tap_mbufs == 0 ||
	    !rte_is_power_of_2(cfg->ring_size)) {
		errno = EINVAL;
		return NULL;
	}
	if (stat(cfg->dir, &sb) != 0)
		return NULL;
	if (!S_ISDIR(sb.st_mode)) {
		errno = ENOTDIR;
		return NULL;
	}
	ev = calloc(1, sizeof(*ev));
	if (ev == NULL)
		return NULL;
	ev->cfg = *cfg;
	n = snprintf(ev->dir, sizeof(ev->dir), "%s", cfg->dir);
	if (n < 0 || (size_t)n >= sizeof(ev->dir)) {
		free(ev);
		errno = ENAMETOOLONG;
		return NULL;
	}
	ev->cfg.dir = ev->dir;
	ev->taps = rte_zmalloc("gw_evidence_taps",
			       cfg->n_taps * sizeof(*ev->taps),
			       RTE_CACHE_LINE_SIZE);
	if (ev->taps == NULL) {
		free(ev);
		errno = ENOMEM;
		return NULL;
	}
	ev->n_taps = cfg->n_taps;
	for (i = 0; i < cfg->n_taps; i++) {
		struct gw_evidence_tap *tap = &ev->taps[i];
		uint32_t room = cfg->snaplen != 0 ? cfg->snaplen :
						    RTE_MBUF_DEFAULT_DATAROOM;
		char name[RTE_RING_NAMESIZE];

		tap->queue = (uint16_t)i;
		tap->snaplen = cfg->snaplen != 0 ? cfg->snaplen : UINT32_MAX;
		snprintf(name, sizeof(name), "gw_ev_ring_%u", i);
		tap->ring = rte_ring_create_elem(name, sizeof(struct gw_evidence_pkt),
						 cfg->ring_size, cfg->socket_id,
						 RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(name, sizeof(name), "gw_ev_pool_%u", i);
		/* No per-lcore cache: the worker allocates, the control lcore
		 * frees; a cache would strand mbufs on the wrong lcore. */
		tap->pool = tap->ring == NULL ? NULL :
			rte_pktmbuf_pool_create(name, cfg->tap_mbufs, 0, 0,
				(uint16_t)rte_pcapng_mbuf_size(room),
				cfg->socket_id);
		if (tap->pool == NULL) {
			int err = rte_errno != 0 ? rte_errno : ENOMEM;

			gw_evidence_close(ev);
			errno = err;
			return NULL;
		}
	}
	return ev;
}

void
gw_evidence_close(struct gw_evidence *ev)
{
	struct gw_evidence_pkt p;
	unsigned int i;

	if (ev == NULL)
		return;
	for (i = 0; i < ev->n_taps; i++) {
		struct gw_evidence_tap *tap = &ev->taps[i];

		if (tap->ring != NULL) {
			bool closed = false;

			/* What the workers copied last still goes to disk. */
			while (rte_ring_sc_dequeue_elem(tap->ring, &p,
							sizeof(p)) == 0)
				write_pkt(ev, &p, &closed);
		}
	}
	for (i = 0; i < EV_CAPTURES; i++) {
		if (ev->cap[i].open)
			close_file(&ev->cap[i]);
		ev->cap[i].used = false;
	}
	for (i = 0; i < ev->n_taps; i++) {
		rte_ring_free(ev->taps[i].ring);
		rte_mempool_free(ev->taps[i].pool);
	}
	rte_free(ev->taps);
	free(ev);
}

int
gw_evidence_pdump_init(void)
{
	if (rte_pdump_init() != 0)
		return rte_errno != 0 ? -rte_errno : -EIO;
	return 0;
}

void
gw_evidence_pdump_uninit(void)
{
	rte_pdump_uninit();
}
