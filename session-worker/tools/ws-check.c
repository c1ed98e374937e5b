/*
 * ws-check: drive the WebSocket transport from the command line so Node
 * tests (tests/system/ws_transport.test.js) can check it against servers
 * they control. It connects, sends what it is told, prints what arrives
 * and how the connection ended, and exits with a code per outcome:
 *
 *   0 closed locally as asked     5 peer sent a close frame
 *   1 a send or setup call failed 6 dropped without a close frame
 *   2 usage or configuration      7 protocol error (text message)
 *   3 connect failed              8 --timeout-ms passed first
 *   4 connect timeout
 *
 * Output, one line each: "open", "data LEN HEX" (HEX cut to 32 bytes
 * with "..." after), "received TOTAL sha256=HEX" (the first 16 bytes of
 * the SHA-256 of the whole received byte stream), then
 * "close REASON code=N detail=TEXT". --send-size N sends N bytes where
 * byte i of the k-th send (counting every --send-*) is (i * 31 + k) & 255.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>
#include <sodium.h>

#include "transport/ws.h"

#define CHECK_SENDS_MAX		64
#define CHECK_SEND_SIZE_MAX	(64u << 20)	/* tests send up to 8 MiB */
#define CHECK_HEX_SHOWN		32

struct send {
	uint8_t		*p;
	size_t		 len;
};

struct check {
	struct lws_context		*cx;
	struct ws_client		*c;
	struct send			 sends[CHECK_SENDS_MAX];
	int				 nsends;
	unsigned long long		 expect;	/* close after this many */
	int				 wait_close;	/* never close ourselves */
	unsigned long long		 total;
	crypto_hash_sha256_state	 sha;
	int				 done;
	int				 exit_code;
	lws_sorted_usec_list_t		 sul_overall;
};

static struct check ck;

static const char *const reason_names[] = {
	[WS_REASON_CONNECT_FAILED] = "connect-failed",
	[WS_REASON_CONNECT_TIMEOUT] = "connect-timeout",
	[WS_REASON_PEER_CLOSE] = "peer-close",
	[WS_REASON_DROPPED] = "dropped",
	[WS_REASON_LOCAL_CLOSE] = "local-close",
	[WS_REASON_PROTOCOL] = "protocol",
};

static const int reason_exit[] = {
	[WS_REASON_CONNECT_FAILED] = 3,
	[WS_REASON_CONNECT_TIMEOUT] = 4,
	[WS_REASON_PEER_CLOSE] = 5,
	[WS_REASON_DROPPED] = 6,
	[WS_REASON_LOCAL_CLOSE] = 0,
	[WS_REASON_PROTOCOL] = 7,
};

static void
usage(void)
{
	fprintf(stderr, "usage: ws-check --url URL [--origin ORIGIN] "
	    "[--ca FILE]\n"
	    "\t[--send-hex HEX]... [--send-size N]... [--expect-bytes N]\n"
	    "\t[--wait-close] [--timeout-ms MS] [--connect-timeout-ms MS]\n"
	    "\t[--close-timeout-ms MS] [-v]\n");
	exit(2);
}

static void
print_hex(const uint8_t *p, size_t len)
{
	size_t i, n = len < CHECK_HEX_SHOWN ? len : CHECK_HEX_SHOWN;

	for (i = 0; i < n; i++)
		printf("%02x", p[i]);
	if (n < len)
		printf("...");
}

static void
on_open(void *user)
{
	int i, rc;

	(void)user;
	printf("open\n");
	for (i = 0; i < ck.nsends; i++)
		if ((rc = ws_client_send(ck.c, ck.sends[i].p,
		    ck.sends[i].len)) < 0) {
			printf("send-error %d %s\n", i, strerror(-rc));
			ck.exit_code = 1;
			ws_client_close(ck.c);
			return;
		}
	if (ck.expect == 0 && !ck.wait_close)
		ws_client_close(ck.c);
}

static void
on_data(void *user, const uint8_t *p, size_t len)
{
	(void)user;
	printf("data %zu ", len);
	print_hex(p, len);
	printf("\n");
	ck.total += len;
	crypto_hash_sha256_update(&ck.sha, p, len);
	if (ck.expect != 0 && ck.total >= ck.expect && !ck.wait_close)
		ws_client_close(ck.c);
}

static void
on_close(void *user, const struct ws_close_info *ci)
{
	uint8_t h[crypto_hash_sha256_BYTES];

	(void)user;
	crypto_hash_sha256_final(&ck.sha, h);
	printf("received %llu sha256=", ck.total);
	print_hex(h, 16);	/* 128 bits tell streams apart */
	printf("\nclose %s code=%u detail=%s\n", reason_names[ci->reason],
	    (unsigned int)ci->code, ci->detail ? ci->detail : "-");
	if (ck.exit_code == 0)
		ck.exit_code = reason_exit[ci->reason];
	ck.done = 1;
	/* lws_service() runs timers and then polls: wake it to see done */
	lws_cancel_service(ck.cx);
}

static void
overall_due(lws_sorted_usec_list_t *sul)
{
	(void)sul;
	printf("timeout\n");
	ck.exit_code = 8;
	ck.done = 1;
	lws_cancel_service(ck.cx);
}

static int
add_send_hex(const char *hex)
{
	struct send *s = &ck.sends[ck.nsends];
	size_t hlen = strlen(hex), len;

	if (ck.nsends == CHECK_SENDS_MAX || hlen % 2 != 0)
		return -1;
	if ((s->p = malloc(hlen / 2 + 1)) == NULL)
		return -1;
	len = 0;
	if (hlen > 0 && (sodium_hex2bin(s->p, hlen / 2 + 1, hex, hlen, NULL,
	    &len, NULL) != 0 || len != hlen / 2))
		return -1;
	s->len = len;
	ck.nsends++;
	return 0;
}

/* Byte i of the k-th send is (i * 31 + k) mod 256: tests recompute it. */
static int
add_send_size(const char *arg)
{
	struct send *s = &ck.sends[ck.nsends];
	char *end;
	unsigned long n;
	size_t i;

	errno = 0;
	n = strtoul(arg, &end, 10);
	if (ck.nsends == CHECK_SENDS_MAX || errno != 0 || *end != '\0' ||
	    n > CHECK_SEND_SIZE_MAX)
		return -1;
	if ((s->p = malloc(n + 1)) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		s->p[i] = (uint8_t)(i * 31 + (size_t)ck.nsends);
	s->len = n;
	ck.nsends++;
	return 0;
}

static unsigned long long
num_arg(const char *arg)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (errno != 0 || *end != '\0' || arg[0] == '\0')
		usage();
	return v;
}

static int
run(const struct ws_config *cfg, const char *ca, unsigned long long timeout_ms)
{
	static const struct ws_callbacks cb = { on_open, on_data, on_close };
	int rc;

	if ((rc = ws_config_check(cfg)) < 0) {
		fprintf(stderr, "ws-check: bad configuration: %s\n",
		    strerror(-rc));
		return 2;
	}
	if ((rc = ws_context_new(ca, &ck.cx)) < 0) {
		fprintf(stderr, "ws-check: context: %s\n", strerror(-rc));
		return rc == -EIO ? 1 : 2;	/* else the CA file is bad */
	}
	if ((rc = ws_client_new(ck.cx, cfg, &cb, NULL, &ck.c)) < 0 ||
	    (rc = ws_client_connect(ck.c)) < 0) {
		fprintf(stderr, "ws-check: client: %s\n", strerror(-rc));
		ws_client_free(ck.c);
		ws_context_free(ck.cx);
		return 1;
	}
	if (timeout_ms != 0)
		lws_sul_schedule(ck.cx, 0, &ck.sul_overall, overall_due,
		    (lws_usec_t)timeout_ms * LWS_US_PER_MS);
	while (!ck.done)
		if (lws_service(ck.cx, 0) < 0) {
			fprintf(stderr, "ws-check: lws_service failed\n");
			ck.exit_code = 1;
			break;
		}
	lws_sul_cancel(&ck.sul_overall);
	ws_client_free(ck.c);
	ws_context_free(ck.cx);
	return ck.exit_code;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "url", required_argument, NULL, 'u' },
		{ "origin", required_argument, NULL, 'o' },
		{ "ca", required_argument, NULL, 'c' },
		{ "send-hex", required_argument, NULL, 'x' },
		{ "send-size", required_argument, NULL, 's' },
		{ "expect-bytes", required_argument, NULL, 'e' },
		{ "wait-close", no_argument, NULL, 'w' },
		{ "timeout-ms", required_argument, NULL, 't' },
		{ "connect-timeout-ms", required_argument, NULL, 'T' },
		{ "close-timeout-ms", required_argument, NULL, 'C' },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 }
	};
	struct ws_config cfg;
	const char *ca = NULL;
	unsigned long long timeout_ms = 0, timeout;
	int ch, i, rc, logs = LLL_ERR | LLL_WARN;

	memset(&cfg, 0, sizeof(cfg));
	if (sodium_init() < 0)
		return 1;
	crypto_hash_sha256_init(&ck.sha);
	while ((ch = getopt_long(argc, argv, "v", opts, NULL)) != -1) {
		switch (ch) {
		case 'u': cfg.url = optarg; break;
		case 'o': cfg.origin = optarg; break;
		case 'c': ca = optarg; break;
		case 'x': if (add_send_hex(optarg) < 0) usage(); break;
		case 's': if (add_send_size(optarg) < 0) usage(); break;
		case 'e': ck.expect = num_arg(optarg); break;
		case 'w': ck.wait_close = 1; break;
		case 't': timeout_ms = num_arg(optarg); break;
		case 'T':
			if ((timeout = num_arg(optarg)) == 0 ||
			    timeout > WS_CONNECT_TIMEOUT_MAX)
				usage();
			cfg.connect_timeout_ms = (uint32_t)timeout;
			break;
		case 'C':
			if ((timeout = num_arg(optarg)) == 0 ||
			    timeout > WS_CLOSE_TIMEOUT_MAX)
				usage();
			cfg.close_timeout_ms = (uint32_t)timeout;
			break;
		case 'v': logs |= LLL_NOTICE | LLL_INFO; break;
		default: usage();
		}
	}
	if (optind != argc || cfg.url == NULL)
		usage();
	lws_set_log_level(logs, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	rc = run(&cfg, ca, timeout_ms);
	for (i = 0; i < ck.nsends; i++)
		free(ck.sends[i].p);
	return rc;
}
