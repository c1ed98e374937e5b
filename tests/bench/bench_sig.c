/*
 * bench_sig: what a message costs the Signal layer, with every ratchet
 * step written to the session directory as the worker does it (atomic
 * store_put: temp file, fsync, rename, directory fsync) before the call
 * returns. Two devices of our own exchange messages: one encrypt and one
 * decrypt each, so every message is two durable session writes. Prints
 * messages per second and the cost per message; plain and sealed stores.
 * Never asserts on time. Usage: bench_sig [MESSAGES] [DIR]
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "signal/sig.h"
#include "store/creds.h"
#include "store/keys.h"
#include "store/seal.h"
#include "store/store.h"

struct side {
	struct store	*st;
	struct creds	*c;
	struct sig	*sig;
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const struct creds *
get_creds(void *arg)
{
	return ((struct side *)arg)->c;
}

static int
side_open(struct side *s, const char *dir, const char *id, const struct seal_key *k)
{
	struct store_cfg cfg = { .data_dir = dir, .client_id = id, .key = k };

	if ((s->c = creds_new()) == NULL || keys_generate(s->c) < 0 ||
	    store_open(&cfg, &s->st, NULL) < 0 || sig_new(s->st, get_creds, s, &s->sig) < 0)
		return -1;
	return 0;
}

static void
side_close(struct side *s)
{
	sig_free(s->sig);
	store_close(s->st);
	creds_free(s->c);
}

static int
run(const char *dir, int n, const struct seal_key *k, const char *label)
{
	struct side a, b;
	struct sig_bundle bb;
	uint8_t kp[64], *ct, *pt, msg[128];
	size_t ctlen, ptlen;
	bool prekey;
	double t0, dt;
	int i;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	if (side_open(&a, dir, k ? "sa" : "a", k) < 0 ||
	    side_open(&b, dir, k ? "sb" : "b", k) < 0)
		return -1;
	keys_curve_pair(kp, kp + 32);
	store_put(b.st, "prekey-1", kp, sizeof(kp));
	memset(&bb, 0, sizeof(bb));
	bb.registration_id = b.c->registration_id;
	memcpy(bb.identity, b.c->ident_pub, 32);
	bb.spk_id = b.c->spk_id;
	memcpy(bb.spk, b.c->spk_pub, 32);
	memcpy(bb.spk_sig, b.c->spk_sig, 64);
	bb.has_prekey = true;
	bb.prekey_id = 1;
	memcpy(bb.prekey, kp + 32, 32);
	if (sig_add_bundle(a.sig, "4915100000002", 0, &bb) < 0)
		return -1;
	memset(msg, 'm', sizeof(msg));
	t0 = now();
	for (i = 0; i < n; i++) {
		struct side *from = i % 2 ? &b : &a, *to = i % 2 ? &a : &b;
		const char *fname = i % 2 ? "4915100000002" : "4915100000001";
		const char *tname = i % 2 ? "4915100000001" : "4915100000002";

		if (sig_encrypt(from->sig, tname, 0, msg, sizeof(msg), &prekey, &ct,
		    &ctlen) < 0 || sig_decrypt(to->sig, fname, 0, prekey, ct, ctlen,
		    &pt, &ptlen) < 0)
			return -1;
		free(ct);
		free(pt);
	}
	dt = now() - t0;
	printf("%-8s %6d messages  %8.1f msg/s  %7.3f ms/message (2 durable session writes)\n",
	    label, n, n / dt, dt * 1000 / n);
	printf("{\"bench\":\"sig\",\"store\":\"%s\",\"messages\":%d,\"ms_per_message\":%.3f}\n",
	    label, n, dt * 1000 / n);
	side_close(&a);
	side_close(&b);
	return 0;
}

int
main(int argc, char *argv[])
{
	int n = argc > 1 ? atoi(argv[1]) : 200;
	char dir[256];
	struct seal_key *k;
	static const uint8_t secret[] = "bench-key-of-more-than-16-bytes";

	if (sodium_init() < 0)
		return 1;
	snprintf(dir, sizeof(dir), "%s", argc > 2 ? argv[2] : "/tmp/walink-bench-sig-XXXXXX");
	if (argc <= 2 && mkdtemp(dir) == NULL)
		return 1;
	if ((k = sodium_malloc(sizeof(*k))) == NULL ||
	    seal_key_from_bytes(secret, sizeof(secret) - 1, k) < 0)
		return 1;
	if (run(dir, n, NULL, "plain") < 0 || run(dir, n, k, "sealed") < 0) {
		fprintf(stderr, "bench_sig: a step failed\n");
		return 1;
	}
	sodium_free(k);
	if (argc <= 2) {	/* our own temp dir */
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "bench_sig: could not remove %s\n", dir);
	}
	return 0;
}
