/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vlantag: user-space 802.1Q / QinQ tagger for the e2e testbed.
 *
 *   vlantag --untagged IF_A --trunk IF_B --vid N [--vid-outer M] [--verbose]
 *   vlantag --trunk IF_B --untagged IF_A1 --vid N1 --untagged IF_A2 --vid N2 ...
 *
 * Frames received on IF_A get the tag(s) pushed (802.1Q VID N; with
 * --vid-outer an 802.1ad outer tag M in front of it) and are sent on IF_B.
 * Frames received on IF_B that carry exactly those tags get them popped and
 * are sent on IF_A; every other frame from IF_B is ignored.
 *
 * Several --untagged/--vid pairs (the i-th --vid belongs to the i-th
 * --untagged, VIDs distinct, single tags only) put several access ports on
 * one trunk: a frame from the trunk goes to the port of its VID only, the
 * way a switch's VLAN membership works. One process owns the trunk, so no
 * frame is read (and dropped or re-sent) by a tagger it is not meant for.
 *
 * The kernel under test has no 802.1Q module, so neither vlan devices nor tc
 * can do this. A packet socket still sees the tags, but the receive path
 * moves the outermost tag out of the frame into skb->vlan_tci before taps
 * see it: PACKET_AUXDATA reports it (tp_vlan_tci/tp_vlan_tpid) and we put it
 * back in-band before looking at the frame.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* ppoll() */
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define VT_FRAME_MAX 9216
#define VT_HEADROOM 8
#define VT_BURST 64
#define VT_TPID_8021Q 0x8100
#define VT_TPID_8021AD 0x88a8
#define VT_TPID_9100 0x9100
#define VT_VID_MASK 0x0fff
#define VT_PAIRS_MAX 16

struct vt_side {
	const char *name;
	int ifindex;
	int fd;
};

struct vt_stats {
	uint64_t pushed;     /* A -> B */
	uint64_t popped;     /* B -> A */
	uint64_t ignored;    /* from B without our tags */
	uint64_t truncated;  /* larger than VT_FRAME_MAX */
	uint64_t tx_errors;
};

static volatile sig_atomic_t vt_stop;

static void
vt_on_signal(int sig)
{
	(void)sig;
	vt_stop = 1;
}

static void
vt_usage(FILE *f)
{
	fprintf(f, "usage: vlantag --untagged IF_A --trunk IF_B --vid N "
		   "[--vid-outer M] [--verbose]\n"
		   "       vlantag --trunk IF_B --untagged IF_A1 --vid N1 "
		   "[--untagged IF_A2 --vid N2 ...] [--verbose]\n");
}

static int
vt_parse_vid(const char *s, uint16_t *vid)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || end == s || v < 1 || v > 4094)
		return -1;
	*vid = (uint16_t)v;
	return 0;
}

static int
vt_open(struct vt_side *s)
{
	struct sockaddr_ll sll;
	int one = 1;
	int rcvbuf = 4 << 20;

	s->ifindex = (int)if_nametoindex(s->name);
	if (s->ifindex == 0) {
		fprintf(stderr, "vlantag: %s: %s\n", s->name, strerror(errno));
		return -1;
	}
	/*
	 * Protocol 0 until bound: a socket opened with ETH_P_ALL would queue
	 * frames from every interface before bind() narrows it down.
	 */
	s->fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0) {
		perror("vlantag: socket");
		return -1;
	}
	if (setsockopt(s->fd, SOL_PACKET, PACKET_AUXDATA, &one,
		       sizeof(one)) < 0) {
		perror("vlantag: PACKET_AUXDATA");
		return -1;
	}
	/* Our own transmissions must not come back as receptions (loops). */
	if (setsockopt(s->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one,
		       sizeof(one)) < 0 && errno != ENOPROTOOPT)
		perror("vlantag: PACKET_IGNORE_OUTGOING (filtering by type)");
	(void)setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = s->ifindex;
	if (bind(s->fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		fprintf(stderr, "vlantag: bind %s: %s\n", s->name,
			strerror(errno));
		return -1;
	}
	return 0;
}

static uint16_t
vt_get16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static void
vt_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static bool
vt_is_tpid(uint16_t t)
{
	return t == VT_TPID_8021Q || t == VT_TPID_8021AD || t == VT_TPID_9100;
}

/*
 * Receives one frame into buf + VT_HEADROOM, re-inserting a tag the kernel
 * took out of the frame. On success *frame points at the Ethernet header.
 * Returns the frame length, 0 for "nothing to do with this one", -1 when
 * the socket is drained (EAGAIN) or failed.
 */
static ssize_t
vt_recv(int fd, uint8_t *buf, uint8_t **frame, struct vt_stats *st)
{
	union {
		struct cmsghdr align;
		uint8_t b[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
	} ctl;
	struct sockaddr_ll from;
	struct iovec iov;
	struct msghdr msg;
	struct cmsghdr *c;
	uint8_t *p = buf + VT_HEADROOM;
	ssize_t n;

	iov.iov_base = p;
	iov.iov_len = VT_FRAME_MAX;
	memset(&msg, 0, sizeof(msg));
	msg.msg_name = &from;
	msg.msg_namelen = sizeof(from);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = ctl.b;
	msg.msg_controllen = sizeof(ctl.b);
	n = recvmsg(fd, &msg, MSG_TRUNC);
	if (n < 0)
		return -1;
	if (from.sll_pkttype == PACKET_OUTGOING)
		return 0;
	if ((size_t)n > VT_FRAME_MAX || (msg.msg_flags & MSG_TRUNC)) {
		st->truncated++;
		return 0;
	}
	if (n < ETH_HLEN)
		return 0;
	for (c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
		struct tpacket_auxdata aux;
		uint16_t tpid;

		if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA)
			continue;
		memcpy(&aux, CMSG_DATA(c), sizeof(aux));
		if (!(aux.tp_status & TP_STATUS_VLAN_VALID))
			continue;
		tpid = (aux.tp_status & TP_STATUS_VLAN_TPID_VALID) ?
			       aux.tp_vlan_tpid : VT_TPID_8021Q;
		/* Move the MAC addresses 4 bytes into the headroom. */
		memmove(p - 4, p, 2 * ETH_ALEN);
		p -= 4;
		vt_put16(p + 12, tpid);
		vt_put16(p + 14, aux.tp_vlan_tci);
		n += 4;
	}
	*frame = p;
	return n;
}

static void
vt_send(const struct vt_side *s, const uint8_t *frame, size_t len,
	struct vt_stats *st)
{
	if (send(s->fd, frame, len, 0) < 0)
		st->tx_errors++;
}

/* The pair whose VID a trunk frame carries (single tag), or -1. */
static int
vt_pair_of(const uint8_t *f, size_t n, const uint16_t *vid, int n_pairs)
{
	uint16_t v;
	int i;

	if (n < ETH_HLEN + 4 || !vt_is_tpid(vt_get16(f + 12)) ||
	    vt_is_tpid(vt_get16(f + 16)))
		return -1;
	v = vt_get16(f + 14) & VT_VID_MASK;
	for (i = 0; i < n_pairs; i++)
		if (vid[i] == v)
			return i;
	return -1;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "untagged", required_argument, NULL, 'a' },
		{ "trunk", required_argument, NULL, 'b' },
		{ "vid", required_argument, NULL, 'v' },
		{ "vid-outer", required_argument, NULL, 'o' },
		{ "verbose", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static uint8_t buf[VT_HEADROOM + VT_FRAME_MAX];
	/* a[0..n_pairs-1]: the untagged sides; b: the trunk. */
	struct vt_side a[VT_PAIRS_MAX], b = { .fd = -1 };
	struct vt_stats st = { 0 };
	uint16_t vid[VT_PAIRS_MAX], vid_outer = 0;
	int n_a = 0, n_vid = 0, n_pairs, i, j;
	bool verbose = false;
	struct sigaction sa;
	sigset_t block, orig;
	struct pollfd pfd[VT_PAIRS_MAX + 1];
	size_t tag_len;
	int opt, rc = 1;

	for (i = 0; i < VT_PAIRS_MAX; i++)
		a[i].fd = -1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'a':
			if (n_a == VT_PAIRS_MAX) {
				fprintf(stderr, "vlantag: at most %d --untagged\n",
					VT_PAIRS_MAX);
				return 2;
			}
			a[n_a++].name = optarg;
			break;
		case 'b':
			b.name = optarg;
			break;
		case 'v':
			if (n_vid == VT_PAIRS_MAX ||
			    vt_parse_vid(optarg, &vid[n_vid]) < 0) {
				fprintf(stderr, "vlantag: bad --vid %s\n", optarg);
				return 2;
			}
			n_vid++;
			break;
		case 'o':
			if (vt_parse_vid(optarg, &vid_outer) < 0) {
				fprintf(stderr, "vlantag: bad --vid-outer %s\n",
					optarg);
				return 2;
			}
			break;
		case 'V':
			verbose = true;
			break;
		case 'h':
			vt_usage(stdout);
			return 0;
		default:
			vt_usage(stderr);
			return 2;
		}
	}
	if (n_a == 0 || b.name == NULL || n_a != n_vid || optind != argc) {
		vt_usage(stderr);
		return 2;
	}
	n_pairs = n_a;
	if (vid_outer != 0 && n_pairs > 1) {
		fprintf(stderr, "vlantag: --vid-outer takes a single pair\n");
		return 2;
	}
	for (i = 0; i < n_pairs; i++)
		for (j = i + 1; j < n_pairs; j++)
			if (vid[i] == vid[j]) {
				fprintf(stderr, "vlantag: VID %u given twice\n",
					vid[i]);
				return 2;
			}
	tag_len = vid_outer != 0 ? 8 : 4;

	/*
	 * Signals stay blocked except inside ppoll(), so a SIGTERM can never
	 * slip in between the flag test and the wait.
	 */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = vt_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &orig);

	for (i = 0; i < n_pairs; i++)
		if (vt_open(&a[i]) < 0)
			goto out;
	if (vt_open(&b) < 0)
		goto out;
	for (i = 0; i < n_pairs; i++)
		fprintf(stderr, "vlantag: %s <-> %s vid %u%s%.0u\n", a[i].name,
			b.name, vid[i], vid_outer ? " outer " : "", vid_outer);

	/* pfd[0..n_pairs-1]: untagged sides, pfd[n_pairs]: the trunk. */
	for (i = 0; i < n_pairs; i++) {
		pfd[i].fd = a[i].fd;
		pfd[i].events = POLLIN;
	}
	pfd[n_pairs].fd = b.fd;
	pfd[n_pairs].events = POLLIN;
	while (!vt_stop) {
		int k;

		if (ppoll(pfd, (nfds_t)n_pairs + 1, NULL, &orig) < 0) {
			if (errno == EINTR)
				continue;
			perror("vlantag: ppoll");
			goto out;
		}
		for (i = 0; i <= n_pairs; i++) {
			bool trunk = i == n_pairs;

			if (pfd[i].revents & (POLLERR | POLLHUP | POLLNVAL)) {
				fprintf(stderr, "vlantag: socket error on %s\n",
					trunk ? b.name : a[i].name);
				goto out;
			}
			if (!(pfd[i].revents & POLLIN))
				continue;
			for (k = 0; k < VT_BURST; k++) {
				uint8_t *f = NULL;
				ssize_t n = vt_recv(pfd[i].fd, buf, &f, &st);
				int pi;

				if (n < 0)
					break;
				if (n == 0)
					continue;
				if (!trunk) {
					/* Push: MACs move left into the headroom. */
					if ((size_t)(f - buf) < tag_len) {
						st.truncated++;
						continue;
					}
					memmove(f - tag_len, f, 2 * ETH_ALEN);
					f -= tag_len;
					if (vid_outer != 0) {
						vt_put16(f + 12, VT_TPID_8021AD);
						vt_put16(f + 14, vid_outer);
						vt_put16(f + 16, VT_TPID_8021Q);
						vt_put16(f + 18, vid[i]);
					} else {
						vt_put16(f + 12, VT_TPID_8021Q);
						vt_put16(f + 14, vid[i]);
					}
					vt_send(&b, f, (size_t)n + tag_len, &st);
					st.pushed++;
					continue;
				}
				if ((size_t)n < ETH_HLEN + tag_len) {
					st.ignored++;
					continue;
				}
				if (vid_outer != 0)
					pi = vt_is_tpid(vt_get16(f + 12)) &&
					     (vt_get16(f + 14) & VT_VID_MASK) == vid_outer &&
					     vt_get16(f + 16) == VT_TPID_8021Q &&
					     (vt_get16(f + 18) & VT_VID_MASK) == vid[0] ?
						     0 : -1;
				else
					pi = vt_pair_of(f, (size_t)n, vid, n_pairs);
				if (pi < 0) {
					st.ignored++;
					if (verbose)
						fprintf(stderr, "vlantag: ignored "
							"frame type %04x from %s\n",
							vt_get16(f + 12), b.name);
					continue;
				}
				/* Pop: MACs move right over the tags. */
				memmove(f + tag_len, f, 2 * ETH_ALEN);
				f += tag_len;
				vt_send(&a[pi], f, (size_t)n - tag_len, &st);
				st.popped++;
			}
		}
	}
	rc = 0;
out:
	fprintf(stderr, "vlantag: pushed %llu popped %llu ignored %llu "
			"truncated %llu tx_errors %llu\n",
		(unsigned long long)st.pushed, (unsigned long long)st.popped,
		(unsigned long long)st.ignored, (unsigned long long)st.truncated,
		(unsigned long long)st.tx_errors);
	for (i = 0; i < n_pairs; i++)
		if (a[i].fd >= 0)
			close(a[i].fd);
	if (b.fd >= 0)
		close(b.fd);
	return rc;
}
