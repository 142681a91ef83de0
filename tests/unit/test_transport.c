// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for user/transport.c against real sockets on the loopback: TCP listeners
 * (read here, or by a thread), UDP and unix datagram sockets bound here, and a TLS server
 * thread with a CA and certificates made by the openssl command in a temporary directory.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ftw.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "unit.h"

#include "outspec.h"
#include "transport.h"

#define WAIT_MS 3000	/* the most any single step may take before a test gives up */

static char tmpdir[64];	/* certificates and unix sockets, for the whole run */

/* ---- sockets ---- */

/* A listening TCP socket on the loopback (v4 or v6), its port in *port. */
static int tcp_listener(int family, int rcvbuf, int *port)
{
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_storage ss = { 0 };
	socklen_t len;

	assert_true(fd >= 0);
	if (rcvbuf)
		assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)), 0);
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = in6addr_loopback;
		len = sizeof(*sin6);
	}
	assert_int_equal(bind(fd, (struct sockaddr *)&ss, len), 0);
	assert_int_equal(listen(fd, 4), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
	*port = ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
					: ((struct sockaddr_in6 *)&ss)->sin6_port);
	return fd;
}

/* A UDP socket bound on 127.0.0.1. */
static int udp_bound(int *port)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sin);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, len), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	*port = ntohs(sin.sin_port);
	return fd;
}

/* A port nothing listens on (bound, then let go). */
static int closed_port(int type)
{
	int port, fd;

	if (type == SOCK_DGRAM) {
		fd = udp_bound(&port);
	} else {
		struct sockaddr_in sin = { .sin_family = AF_INET,
					   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		socklen_t len = sizeof(sin);

		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		assert_int_equal(bind(fd, (struct sockaddr *)&sin, len), 0);
		assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
		port = ntohs(sin.sin_port);
	}
	close(fd);
	return port;
}

static int accept_within(int lfd, int ms)
{
	struct pollfd p = { .fd = lfd, .events = POLLIN };

	if (poll(&p, 1, ms) != 1)
		return -1;
	return accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
}

/* Wait until fd has at least n bytes queued to read; returns what it has. */
static int wait_readable(int fd, int n, int ms)
{
	int avail = 0;

	for (int waited = 0; waited < ms; waited += 5) {
		assert_int_equal(ioctl(fd, FIONREAD, &avail), 0);
		if (avail >= n)
			break;
		usleep(5000);
	}
	return avail;
}

/* A thread that accepts one connection and reads it to its end. */
struct reader {
	pthread_t thread;
	int lfd;
	char *data;
	size_t len;
	bool accepted;
};

static void *reader_main(void *arg)
{
	struct reader *r = arg;
	int fd = accept_within(r->lfd, WAIT_MS);
	size_t cap = 1 << 16;

	r->data = malloc(cap);
	if (fd < 0 || !r->data)
		return NULL;
	r->accepted = true;
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, WAIT_MS) != 1)
			break;
		if (r->len == cap) {
			char *grown = realloc(r->data, cap * 2);

			if (!grown)
				break;
			r->data = grown;
			cap *= 2;
		}
		n = read(fd, r->data + r->len, cap - r->len);
		if (n <= 0)
			break;
		r->len += (size_t)n;
	}
	close(fd);
	return NULL;
}

static void reader_start(struct reader *r, int lfd)
{
	memset(r, 0, sizeof(*r));
	r->lfd = lfd;
	assert_int_equal(pthread_create(&r->thread, NULL, reader_main, r), 0);
}

static void reader_join(struct reader *r)
{
	pthread_join(r->thread, NULL);
}

/* ---- transports ---- */

struct conn {
	struct output_spec spec;
	struct transport *t;
};

/* Live connections, freed by the teardown when a failed assertion left a test early. */
static struct conn *live[4];

static struct conn *conn_new(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static struct conn *conn_new(const char *fmt, ...)
{
	struct conn *c = calloc(1, sizeof(*c));
	char s[512], err[256];
	va_list ap;
	size_t i;

	assert_non_null(c);
	for (i = 0; i < ARRAY_SIZE(live) && live[i]; i++)
		;
	assert_true(i < ARRAY_SIZE(live));
	live[i] = c;
	va_start(ap, fmt);
	vsnprintf(s, sizeof(s), fmt, ap);
	va_end(ap);
	if (outspec__parse(s, &c->spec, err, sizeof(err)))
		fail_msg("%s: %s", s, err);
	c->t = transport__new(&c->spec);
	assert_non_null(c->t);
	return c;
}

static void conn_free(struct conn *c)
{
	for (size_t i = 0; i < ARRAY_SIZE(live); i++)
		if (live[i] == c)
			live[i] = NULL;
	transport__free(c->t);
	outspec__free(&c->spec);
	free(c);
}

static int free_live(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(live); i++)
		if (live[i])
			conn_free(live[i]);
	return 0;
}

static void send_str(struct conn *c, const char *s)
{
	int e = transport__send(c->t, s, strlen(s));

	if (e)
		fail_msg("send: %d %s", e, transport__error(c->t));
}

/* Split octet-counted frames ("LEN SP MSG"); returns how many, each checked strictly. */
static size_t unframe(const char *p, size_t n, const char **msgs, size_t *lens, size_t max)
{
	size_t k = 0, off = 0;

	while (off < n) {
		size_t len = 0, start = off;

		if (p[off] < '1' || p[off] > '9')
			fail_msg("frame %zu: MSG-LEN starts with 0x%02x", k, (unsigned char)p[off]);
		while (off < n && p[off] >= '0' && p[off] <= '9')
			len = len * 10 + (size_t)(p[off++] - '0');
		if (off == n || p[off] != ' ' || off - start > 9)
			fail_msg("frame %zu: no SP after MSG-LEN", k);
		off++;
		if (len > n - off)
			fail_msg("frame %zu: %zu bytes announced, %zu left", k, len, n - off);
		if (k == max)
			fail_msg("more than %zu frames", max);
		msgs[k] = p + off;
		lens[k++] = len;
		off += len;
	}
	return k;
}

/* ---- TCP ---- */

static void test_tcp_octet_counting(void **state)
{
	struct conn *c;
	struct reader r;
	int port, lfd = tcp_listener(AF_INET, 0, &port);
	size_t big_len = 70000, lens[8], n;
	char *big = malloc(big_len);
	const char *msgs[8];

	(void)state;
	assert_non_null(big);
	for (size_t i = 0; i < big_len; i++)
		big[i] = "ab \n\0 9"[i % 7];
	reader_start(&r, lfd);
	c = conn_new("ecs:tcp://127.0.0.1:%d", port);
	assert_true(transport__is_stream(c->t));
	assert_false(transport__connected(c->t));
	assert_int_equal(transport__connect(c->t), 0);
	assert_true(transport__connected(c->t));
	assert_string_equal(transport__error(c->t), "");
	send_str(c, "<83>1 - - embargo - alert - hello");
	assert_int_equal(transport__send(c->t, big, big_len), 0);
	send_str(c, "x");
	assert_int_equal(transport__wait_acked(c->t, WAIT_MS), 0);
	transport__close(c->t);
	assert_false(transport__connected(c->t));
	reader_join(&r);
	assert_true(r.accepted);
	/* "LEN SP MSG", LEN in decimal without leading zeros (RFC 6587 3.4.1) */
	assert_memory_equal(r.data, "33 <83>1 - - embargo - alert - hello70000 ", 42);
	n = unframe(r.data, r.len, msgs, lens, ARRAY_SIZE(msgs));
	assert_int_equal(n, 3);
	assert_int_equal(lens[0], 33);
	assert_memory_equal(msgs[0], "<83>1 - - embargo - alert - hello", 33);
	assert_int_equal(lens[1], big_len);
	assert_memory_equal(msgs[1], big, big_len);
	assert_int_equal(lens[2], 1);
	assert_memory_equal(msgs[2], "x", 1);
	free(r.data);
	free(big);
	conn_free(c);
	close(lfd);
}

static void test_tcp_ipv6(void **state)
{
	struct conn *c;
	struct reader r;
	int port, lfd = tcp_listener(AF_INET6, 0, &port);

	(void)state;
	reader_start(&r, lfd);
	c = conn_new("cef:tcp://[::1]:%d", port);
	assert_int_equal(transport__connect(c->t), 0);
	send_str(c, "CEF:0|v6");
	transport__close(c->t);
	reader_join(&r);
	assert_int_equal(r.len, 10);
	assert_memory_equal(r.data, "8 CEF:0|v6", 10);
	free(r.data);
	conn_free(c);
	close(lfd);
}

/* Connecting again after a close works, and sends on the new connection. */
static void test_tcp_reconnect(void **state)
{
	struct conn *c;
	int port, lfd = tcp_listener(AF_INET, 0, &port), fd;
	char buf[16];

	(void)state;
	c = conn_new("ecs:tcp://127.0.0.1:%d", port);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(transport__connect(c->t), 0);
		fd = accept_within(lfd, WAIT_MS);
		assert_true(fd >= 0);
		send_str(c, i ? "two" : "one");
		assert_int_equal(wait_readable(fd, 5, WAIT_MS), 5);
		assert_int_equal(read(fd, buf, sizeof(buf)), 5);
		assert_memory_equal(buf, i ? "3 two" : "3 one", 5);
		close(fd);
	}
	conn_free(c);
	close(lfd);
}

/* The receiver read everything and closed (FIN): PEER_CLOSED, after PEER_OPEN before. */
static void test_peer_closed(void **state)
{
	struct conn *c;
	int port, lfd = tcp_listener(AF_INET, 0, &port), fd;
	char buf[64];

	(void)state;
	c = conn_new("ecs:tcp://127.0.0.1:%d", port);
	assert_int_equal(transport__connect(c->t), 0);
	fd = accept_within(lfd, WAIT_MS);
	assert_true(fd >= 0);
	send_str(c, "record");
	assert_int_equal(wait_readable(fd, 8, WAIT_MS), 8);
	assert_int_equal(read(fd, buf, sizeof(buf)), 8);
	assert_int_equal(transport__peer(c->t, 0), PEER_OPEN);
	assert_int_equal(transport__peer(c->t, 50), PEER_OPEN);	/* waits, nothing happens */
	assert_int_equal(close(fd), 0);
	assert_int_equal(transport__peer(c->t, WAIT_MS), PEER_CLOSED);
	conn_free(c);
	close(lfd);
}

/* The receiver closed with our record unread: the kernel answers with an RST. */
static void test_peer_reset_unread(void **state)
{
	struct conn *c;
	int port, lfd = tcp_listener(AF_INET, 0, &port), fd;

	(void)state;
	c = conn_new("ecs:tcp://127.0.0.1:%d", port);
	assert_int_equal(transport__connect(c->t), 0);
	fd = accept_within(lfd, WAIT_MS);
	assert_true(fd >= 0);
	send_str(c, "never read");
	assert_int_equal(wait_readable(fd, 13, WAIT_MS), 13);
	assert_int_equal(transport__wait_acked(c->t, WAIT_MS), 0);	/* in its kernel */
	assert_int_equal(close(fd), 0);
	assert_int_equal(transport__peer(c->t, WAIT_MS), PEER_RESET);
	conn_free(c);
	close(lfd);
}

/* SO_LINGER 0: a close is an RST even with nothing unread. */
static void test_peer_reset_linger0(void **state)
{
	struct conn *c;
	int port, lfd = tcp_listener(AF_INET, 0, &port), fd;
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	(void)state;
	c = conn_new("ecs:tcp://127.0.0.1:%d", port);
	assert_int_equal(transport__connect(c->t), 0);
	fd = accept_within(lfd, WAIT_MS);
	assert_true(fd >= 0);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	assert_int_equal(close(fd), 0);
	assert_int_equal(transport__peer(c->t, WAIT_MS), PEER_RESET);
	/* and sending to it fails with words */
	assert_true(transport__send(c->t, "x", 1) < 0 || transport__send(c->t, "x", 1) < 0);
	assert_non_null(strstr(transport__error(c->t), "send: "));
	conn_free(c);
	close(lfd);
}

/* Acknowledged: the receiver's kernel holds every byte, though nobody read them yet. */
static void test_wait_acked(void **state)
{
	struct conn *c;
	int port, lfd = tcp_listener(AF_INET, 0, &port), fd, avail;
	char rec[1000];
	size_t total = 0;

	(void)state;
	memset(rec, 'r', sizeof(rec));
	c = conn_new("ecs:tcp://127.0.0.1:%d", port);
	assert_int_equal(transport__connect(c->t), 0);
	fd = accept_within(lfd, WAIT_MS);
	assert_true(fd >= 0);
	for (int i = 0; i < 50; i++) {
		assert_int_equal(transport__send(c->t, rec, sizeof(rec)), 0);
		total += 5 + sizeof(rec);
	}
	assert_int_equal(transport__wait_acked(c->t, WAIT_MS), 0);
	/* nothing read, and yet all of it is there */
	assert_int_equal(ioctl(fd, FIONREAD, &avail), 0);
	assert_int_equal((size_t)avail, total);
	close(fd);
	conn_free(c);
	close(lfd);
}

/* A receiver that stops reading: -ETIMEDOUT while it lives, -ECONNRESET once it resets. */
static void test_wait_acked_timeout_then_reset(void **state)
{
	struct conn *c;
	int port, lfd = tcp_listener(AF_INET, 4096, &port), fd;
	size_t len = 300000;
	char *rec = malloc(len);
	struct timespec t0, t1;
	long ms;

	(void)state;
	assert_non_null(rec);
	memset(rec, 'z', len);
	c = conn_new("ecs:tcp://127.0.0.1:%d", port);
	assert_int_equal(transport__connect(c->t), 0);
	fd = accept_within(lfd, WAIT_MS);
	assert_true(fd >= 0);
	assert_int_equal(transport__send(c->t, rec, len), 0);	/* fits our send buffer */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(transport__wait_acked(c->t, 200), -ETIMEDOUT);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	assert_true(ms >= 190 && ms < 2000);
	assert_true(transport__connected(c->t));
	close(fd);	/* unread data: RST */
	assert_int_equal(transport__wait_acked(c->t, WAIT_MS), -ECONNRESET);
	assert_string_equal(transport__error(c->t), "connection reset by the receiver");
	free(rec);
	conn_free(c);
	close(lfd);
}

static void test_connect_refused(void **state)
{
	struct conn *c;
	int port = closed_port(SOCK_STREAM);
	char want[128];

	(void)state;
	c = conn_new("ecs:tcp://127.0.0.1:%d", port);
	assert_int_equal(transport__connect(c->t), -ECONNREFUSED);
	snprintf(want, sizeof(want), "cannot connect to 127.0.0.1:%d: Connection refused", port);
	assert_string_equal(transport__error(c->t), want);
	assert_false(transport__connected(c->t));
	assert_int_equal(transport__send(c->t, "x", 1), -ENOTCONN);
	assert_string_equal(transport__error(c->t), "not connected");
	assert_int_equal(transport__peer(c->t, 0), PEER_RESET);
	conn_free(c);
	/* TLS to a closed port fails the same way, before any handshake */
	c = conn_new("ecs:tls://127.0.0.1:%d?ca=%s/ca.pem", port, tmpdir);
	assert_int_equal(transport__connect(c->t), -ECONNREFUSED);
	assert_string_equal(transport__error(c->t), want);
	conn_free(c);
}

static void test_not_a_network_output(void **state)
{
	struct conn *c;

	(void)state;
	c = conn_new("ecs:stdout");
	assert_int_equal(transport__connect(c->t), -EINVAL);
	assert_string_equal(transport__error(c->t), "not a network output");
	conn_free(c);
}

/* ---- datagrams ---- */

static void test_udp_datagram(void **state)
{
	struct conn *c;
	int port, fd = udp_bound(&port);
	char buf[128];
	struct pollfd p = { .fd = fd, .events = POLLIN };

	(void)state;
	c = conn_new("ocsf:udp://127.0.0.1:%d", port);
	assert_false(transport__is_stream(c->t));
	assert_int_equal(transport__connect(c->t), 0);
	assert_true(transport__connected(c->t));
	send_str(c, "<86>1 one");
	send_str(c, "<86>1 two");
	assert_int_equal(transport__wait_acked(c->t, 0), 0);
	assert_int_equal(transport__peer(c->t, 0), PEER_OPEN);
	/* one datagram per record, no framing */
	assert_int_equal(poll(&p, 1, WAIT_MS), 1);
	assert_int_equal(recv(fd, buf, sizeof(buf), 0), 9);
	assert_memory_equal(buf, "<86>1 one", 9);
	assert_int_equal(recv(fd, buf, sizeof(buf), 0), 9);
	assert_memory_equal(buf, "<86>1 two", 9);
	conn_free(c);
	close(fd);
}

/*
 * Nobody listens: the ICMP port unreachable that answers the datagram must show, as
 * sender.c's receiver_kept_it() expects ("an ICMP error for UDP" within UDP_GRACE_MS).
 */
static void test_udp_closed_port_peer_reset(void **state)
{
	struct conn *c;
	int port = closed_port(SOCK_DGRAM);

	(void)state;
	c = conn_new("ecs:udp://127.0.0.1:%d", port);
	assert_int_equal(transport__connect(c->t), 0);
	send_str(c, "<86>1 lost");
	assert_int_equal(transport__peer(c->t, 50), PEER_RESET);
	conn_free(c);
}

/* The same error shows on the next send, with words. */
static void test_udp_closed_port_next_send_fails(void **state)
{
	struct conn *c;
	int port = closed_port(SOCK_DGRAM), e = 0;

	(void)state;
	c = conn_new("ecs:udp://127.0.0.1:%d", port);
	assert_int_equal(transport__connect(c->t), 0);
	send_str(c, "<86>1 lost");
	for (int i = 0; i < 100 && !e; i++) {
		usleep(2000);
		e = transport__send(c->t, "<86>1 again", 11);
	}
	assert_int_equal(e, -ECONNREFUSED);
	assert_string_equal(transport__error(c->t), "send: Connection refused");
	conn_free(c);
}

static int unix_dgram(const char *path)
{
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	assert_true(fd >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	unlink(path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static void test_unix_datagram(void **state)
{
	struct conn *c;
	char path[128], buf[64];
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "%s/log", tmpdir);
	fd = unix_dgram(path);
	c = conn_new("cef:syslog:%s", path);
	assert_false(transport__is_stream(c->t));
	assert_int_equal(transport__connect(c->t), 0);
	send_str(c, "<84>1 local");
	assert_int_equal(recv(fd, buf, sizeof(buf), MSG_DONTWAIT), 11);
	assert_memory_equal(buf, "<84>1 local", 11);
	conn_free(c);
	close(fd);
	unlink(path);
}

static void test_unix_datagram_missing(void **state)
{
	struct conn *c;
	char path[128], want[256];

	(void)state;
	snprintf(path, sizeof(path), "%s/no-such-log", tmpdir);
	c = conn_new("cef:syslog:%s", path);
	assert_int_equal(transport__connect(c->t), -ENOENT);
	snprintf(want, sizeof(want), "cannot reach %s: No such file or directory", path);
	assert_string_equal(transport__error(c->t), want);
	assert_false(transport__connected(c->t));
	conn_free(c);
}

/* A record larger than the socket takes: what fits is sent (its beginning), not nothing. */
static void test_unix_datagram_too_big(void **state)
{
	struct conn *c;
	char path[128];
	size_t len = 600000;
	char *rec = malloc(len), *buf = malloc(len);
	int fd, rcv = 1 << 20;
	ssize_t got;

	(void)state;
	assert_non_null(rec);
	assert_non_null(buf);
	for (size_t i = 0; i < len; i++)
		rec[i] = (char)('a' + i % 26);
	snprintf(path, sizeof(path), "%s/biglog", tmpdir);
	fd = unix_dgram(path);
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	c = conn_new("cef:syslog:%s", path);
	assert_int_equal(transport__connect(c->t), 0);
	assert_int_equal(transport__send(c->t, rec, len), 0);
	got = recv(fd, buf, len, MSG_DONTWAIT);
	assert_true(got >= 4096 && (size_t)got < len);
	assert_memory_equal(buf, rec, (size_t)got);
	free(rec);
	free(buf);
	conn_free(c);
	close(fd);
	unlink(path);
}

/* journald: nothing to connect to; a malformed record is refused and marks it down. */
static void test_journald_malformed(void **state)
{
	struct conn *c;

	(void)state;
	c = conn_new("text:journald");
	assert_false(transport__is_stream(c->t));
	assert_int_equal(transport__connect(c->t), 0);
	assert_true(transport__connected(c->t));
	assert_int_equal(transport__send(c->t, "\x05\x00", 2), -EINVAL);
	assert_string_equal(transport__error(c->t), "journald: Invalid argument");
	assert_false(transport__connected(c->t));
	conn_free(c);
}

/* ---- TLS ---- */

static int run(const char *cmd)
{
	char full[2048];

	snprintf(full, sizeof(full), "cd %s && (%s) >/dev/null 2>&1", tmpdir, cmd);
	return system(full);
}

#define EC "-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"

static int make_pki(void)
{
	/* two CAs; a server certificate and a client certificate from the first */
	return run("openssl req -x509 " EC " -keyout ca.key -out ca.pem -days 2 "
		   "-subj /CN=embargo-test-ca -addext basicConstraints=critical,CA:TRUE "
		   "-addext keyUsage=critical,keyCertSign,cRLSign") ||
	       run("openssl req -x509 " EC " -keyout other-ca.key -out other-ca.pem -days 2 "
		   "-subj /CN=other-ca -addext basicConstraints=critical,CA:TRUE "
		   "-addext keyUsage=critical,keyCertSign,cRLSign") ||
	       run("printf 'basicConstraints=CA:FALSE\\nkeyUsage=critical,digitalSignature\\n"
		   "extendedKeyUsage=serverAuth\\n"
		   "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\\n' > server.ext && "
		   "openssl req -new " EC " -keyout server.key -out server.csr -subj /CN=localhost && "
		   "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
		   "-out server.pem -days 2 -extfile server.ext") ||
	       run("printf 'basicConstraints=CA:FALSE\\nkeyUsage=critical,digitalSignature\\n"
		   "extendedKeyUsage=clientAuth\\n' > client.ext && "
		   "openssl req -new " EC " -keyout client.key -out client.csr "
		   "-subj /CN=embargo-client && "
		   "openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
		   "-out client.pem -days 2 -extfile client.ext");
}

struct tls_server {
	pthread_t thread;
	int lfd, port;
	SSL_CTX *ctx;
	bool handshake_ok;
	bool peer_cert;
	long peer_verify;
	char peer_cn[128];
	char data[4096];
	size_t len;
	bool shutdown_after_read;	/* read what is expected, then close_notify + FIN */
	size_t expect;
};

static void *tls_server_main(void *arg)
{
	struct tls_server *s = arg;
	int fd = accept_within(s->lfd, WAIT_MS);
	SSL *ssl;

	if (fd < 0)
		return NULL;
	ssl = SSL_new(s->ctx);
	SSL_set_fd(ssl, fd);
	if (SSL_accept(ssl) == 1) {
		X509 *peer = SSL_get1_peer_certificate(ssl);

		s->handshake_ok = true;
		if (peer) {
			s->peer_cert = true;
			s->peer_verify = SSL_get_verify_result(ssl);
			X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName,
						  s->peer_cn, sizeof(s->peer_cn));
			X509_free(peer);
		}
		for (;;) {
			struct pollfd p = { .fd = fd, .events = POLLIN };
			int n;

			if (s->shutdown_after_read && s->len >= s->expect)
				break;
			if (!SSL_pending(ssl) && poll(&p, 1, WAIT_MS) != 1)
				break;
			n = SSL_read(ssl, s->data + s->len, (int)(sizeof(s->data) - s->len));
			if (n <= 0)
				break;
			s->len += (size_t)n;
		}
		if (s->shutdown_after_read)
			SSL_shutdown(ssl);
	}
	SSL_free(ssl);
	close(fd);
	ERR_clear_error();
	return NULL;
}

/* A server with the test CA's server certificate; request_cert: ask for the client's. */
static void tls_server_start(struct tls_server *s, bool request_cert)
{
	char path[128], key[128];

	memset(s, 0, sizeof(*s));
	s->lfd = tcp_listener(AF_INET, 0, &s->port);
	s->ctx = SSL_CTX_new(TLS_server_method());
	assert_non_null(s->ctx);
	snprintf(path, sizeof(path), "%s/server.pem", tmpdir);
	snprintf(key, sizeof(key), "%s/server.key", tmpdir);
	assert_int_equal(SSL_CTX_use_certificate_chain_file(s->ctx, path), 1);
	assert_int_equal(SSL_CTX_use_PrivateKey_file(s->ctx, key, SSL_FILETYPE_PEM), 1);
	if (request_cert) {
		snprintf(path, sizeof(path), "%s/ca.pem", tmpdir);
		assert_int_equal(SSL_CTX_load_verify_locations(s->ctx, path, NULL), 1);
		SSL_CTX_set_verify(s->ctx, SSL_VERIFY_PEER, NULL);
	}
}

static void tls_server_run(struct tls_server *s)
{
	assert_int_equal(pthread_create(&s->thread, NULL, tls_server_main, s), 0);
}

static void tls_server_stop(struct tls_server *s)
{
	pthread_join(s->thread, NULL);
	SSL_CTX_free(s->ctx);
	close(s->lfd);
}

static void test_tls_verified(void **state)
{
	struct tls_server s;
	struct conn *c;

	(void)state;
	tls_server_start(&s, false);
	tls_server_run(&s);
	c = conn_new("ecs:tls://127.0.0.1:%d?ca=%s/ca.pem", s.port, tmpdir);
	assert_true(transport__is_stream(c->t));
	if (transport__connect(c->t))
		fail_msg("connect: %s", transport__error(c->t));
	assert_true(transport__connected(c->t));
	send_str(c, "<83>1 tls one");
	send_str(c, "two");
	assert_int_equal(transport__wait_acked(c->t, WAIT_MS), 0);
	transport__close(c->t);
	tls_server_stop(&s);
	assert_true(s.handshake_ok);
	assert_false(s.peer_cert);
	assert_int_equal(s.len, 21);
	assert_memory_equal(s.data, "13 <83>1 tls one3 two", 21);
	conn_free(c);
}

/* By DNS name: name= sets the name checked (and sent as SNI), the address stays the host. */
static void test_tls_verified_by_name(void **state)
{
	struct tls_server s;
	struct conn *c;

	(void)state;
	tls_server_start(&s, false);
	tls_server_run(&s);
	c = conn_new("ecs:tls://127.0.0.1:%d?ca=%s/ca.pem&name=localhost", s.port, tmpdir);
	if (transport__connect(c->t))
		fail_msg("connect: %s", transport__error(c->t));
	send_str(c, "x");
	/* before closing: unread TLS 1.3 tickets make close() an RST, dropping unsent data */
	assert_int_equal(transport__wait_acked(c->t, WAIT_MS), 0);
	transport__close(c->t);
	tls_server_stop(&s);
	assert_int_equal(s.len, 3);
	assert_memory_equal(s.data, "1 x", 3);
	conn_free(c);
}

static void test_tls_wrong_ca(void **state)
{
	struct tls_server s;
	struct conn *c;
	char want[256];

	(void)state;
	tls_server_start(&s, false);
	tls_server_run(&s);
	c = conn_new("ecs:tls://127.0.0.1:%d?ca=%s/other-ca.pem", s.port, tmpdir);
	assert_int_equal(transport__connect(c->t), -EPERM);
	snprintf(want, sizeof(want), "TLS handshake with 127.0.0.1:%d: %s", s.port,
		 X509_verify_cert_error_string(X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY));
	assert_string_equal(transport__error(c->t), want);
	assert_false(transport__connected(c->t));
	tls_server_stop(&s);
	assert_false(s.handshake_ok);
	conn_free(c);
}

static void test_tls_hostname_mismatch(void **state)
{
	struct tls_server s;
	struct conn *c;
	char want[256];

	(void)state;
	tls_server_start(&s, false);
	tls_server_run(&s);
	c = conn_new("ecs:tls://127.0.0.1:%d?ca=%s/ca.pem&name=other.example", s.port, tmpdir);
	assert_int_equal(transport__connect(c->t), -EPERM);
	snprintf(want, sizeof(want), "TLS handshake with 127.0.0.1:%d: %s", s.port,
		 X509_verify_cert_error_string(X509_V_ERR_HOSTNAME_MISMATCH));
	assert_string_equal(transport__error(c->t), want);
	assert_false(transport__connected(c->t));
	tls_server_stop(&s);
	assert_false(s.handshake_ok);
	conn_free(c);
}

static void test_tls_ip_mismatch(void **state)
{
	struct tls_server s;
	struct conn *c;
	char want[256];

	(void)state;
	tls_server_start(&s, false);
	tls_server_run(&s);
	c = conn_new("ecs:tls://127.0.0.1:%d?ca=%s/ca.pem&name=127.0.0.2", s.port, tmpdir);
	assert_int_equal(transport__connect(c->t), -EPERM);
	snprintf(want, sizeof(want), "TLS handshake with 127.0.0.1:%d: %s", s.port,
		 X509_verify_cert_error_string(X509_V_ERR_IP_ADDRESS_MISMATCH));
	assert_string_equal(transport__error(c->t), want);
	tls_server_stop(&s);
	conn_free(c);
}

static void test_tls_client_certificate(void **state)
{
	struct tls_server s;
	struct conn *c;

	(void)state;
	tls_server_start(&s, true);
	tls_server_run(&s);
	c = conn_new("ecs:tls://127.0.0.1:%d?ca=%s/ca.pem&cert=%s/client.pem&key=%s/client.key",
		 s.port, tmpdir, tmpdir, tmpdir);
	if (transport__connect(c->t))
		fail_msg("connect: %s", transport__error(c->t));
	send_str(c, "with cert");
	/* before closing: unread TLS 1.3 tickets make close() an RST, dropping unsent data */
	assert_int_equal(transport__wait_acked(c->t, WAIT_MS), 0);
	transport__close(c->t);
	tls_server_stop(&s);
	assert_true(s.handshake_ok);
	assert_true(s.peer_cert);
	assert_int_equal(s.peer_verify, X509_V_OK);
	assert_string_equal(s.peer_cn, "embargo-client");
	assert_int_equal(s.len, 11);
	conn_free(c);
	/* without cert=/key=, none is presented */
	tls_server_start(&s, true);
	tls_server_run(&s);
	c = conn_new("ecs:tls://127.0.0.1:%d?ca=%s/ca.pem", s.port, tmpdir);
	assert_int_equal(transport__connect(c->t), 0);
	send_str(c, "none");
	/* before closing: unread TLS 1.3 tickets make close() an RST, dropping unsent data */
	assert_int_equal(transport__wait_acked(c->t, WAIT_MS), 0);
	transport__close(c->t);
	tls_server_stop(&s);
	assert_true(s.handshake_ok);
	assert_false(s.peer_cert);
	conn_free(c);
}

/* Unusable files are named in the error, before any connection is made. */
static void test_tls_bad_files(void **state)
{
	struct conn *c;
	int port = closed_port(SOCK_STREAM);
	char want[256];

	(void)state;
	c = conn_new("ecs:tls://127.0.0.1:%d?ca=%s/absent.pem", port, tmpdir);
	assert_int_equal(transport__connect(c->t), -EINVAL);
	snprintf(want, sizeof(want), "%s/absent.pem: ", tmpdir);
	assert_memory_equal(transport__error(c->t), want, strlen(want));
	conn_free(c);
	/* a key that is not the certificate's */
	c = conn_new("ecs:tls://127.0.0.1:%d?ca=%s/ca.pem&cert=%s/client.pem&key=%s/server.key",
		 port, tmpdir, tmpdir, tmpdir);
	assert_int_equal(transport__connect(c->t), -EINVAL);
	snprintf(want, sizeof(want), "%s/client.pem: ", tmpdir);
	assert_memory_equal(transport__error(c->t), want, strlen(want));
	conn_free(c);
}

/* A TLS receiver that reads everything, then closes cleanly: PEER_CLOSED. */
static void test_tls_peer_closed(void **state)
{
	struct tls_server s;
	struct conn *c;

	(void)state;
	tls_server_start(&s, false);
	s.shutdown_after_read = true;
	s.expect = 7;
	tls_server_run(&s);
	c = conn_new("ecs:tls://127.0.0.1:%d?ca=%s/ca.pem", s.port, tmpdir);
	assert_int_equal(transport__connect(c->t), 0);
	send_str(c, "bye!!");
	assert_int_equal(transport__peer(c->t, WAIT_MS), PEER_CLOSED);
	tls_server_stop(&s);
	assert_int_equal(s.len, 7);
	conn_free(c);
}

/* ---- run ---- */

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(p);
}

static int group_setup(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/embargo-transport-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	if (make_pki()) {
		fprintf(stderr, "cannot make test certificates with openssl in %s\n", tmpdir);
		return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	nftw(tmpdir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_tcp_octet_counting, free_live),
		cmocka_unit_test_teardown(test_tcp_ipv6, free_live),
		cmocka_unit_test_teardown(test_tcp_reconnect, free_live),
		cmocka_unit_test_teardown(test_peer_closed, free_live),
		cmocka_unit_test_teardown(test_peer_reset_unread, free_live),
		cmocka_unit_test_teardown(test_peer_reset_linger0, free_live),
		cmocka_unit_test_teardown(test_wait_acked, free_live),
		cmocka_unit_test_teardown(test_wait_acked_timeout_then_reset, free_live),
		cmocka_unit_test_teardown(test_connect_refused, free_live),
		cmocka_unit_test_teardown(test_not_a_network_output, free_live),
		cmocka_unit_test_teardown(test_udp_datagram, free_live),
		cmocka_unit_test_teardown(test_udp_closed_port_peer_reset, free_live),
		cmocka_unit_test_teardown(test_udp_closed_port_next_send_fails, free_live),
		cmocka_unit_test_teardown(test_unix_datagram, free_live),
		cmocka_unit_test_teardown(test_unix_datagram_missing, free_live),
		cmocka_unit_test_teardown(test_unix_datagram_too_big, free_live),
		cmocka_unit_test_teardown(test_journald_malformed, free_live),
		cmocka_unit_test_teardown(test_tls_verified, free_live),
		cmocka_unit_test_teardown(test_tls_verified_by_name, free_live),
		cmocka_unit_test_teardown(test_tls_wrong_ca, free_live),
		cmocka_unit_test_teardown(test_tls_hostname_mismatch, free_live),
		cmocka_unit_test_teardown(test_tls_ip_mismatch, free_live),
		cmocka_unit_test_teardown(test_tls_client_certificate, free_live),
		cmocka_unit_test_teardown(test_tls_bad_files, free_live),
		cmocka_unit_test_teardown(test_tls_peer_closed, free_live),
	};

	/* as main.c does: a write to a reset TLS connection must fail, not kill */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
