/*
 * fuzz_worker_ipc: arbitrary bytes on the worker's REP socket (a buggy or
 * hostile IPC client). The real worker_ipc runs over nanomsg inproc://
 * with a scripted link in the qr state and an in-memory whitelist; every
 * input must get exactly one reply that unpacks, and the worker must
 * stay up for the next one (DESIGN.md "IPC": an error reply, never a
 * crash).
 */
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <nanomsg/nn.h>

#include "ipc.h"
#include "ipc/worker_ipc.h"
#include "log.h"
#include "whitelist/whitelist.h"

#define FUZZ_RPC	"inproc://fuzz-worker-rpc"
#define FUZZ_EVENTS	"inproc://fuzz-worker-events"
#define FUZZ_INPUT_MAX	(64u << 10)	/* bigger inputs add no new paths */

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct link_view view;

static void
get_view(void *ctx, struct link_view *v)
{
	(void)ctx;
	*v = view;
}

static int
request(void *ctx)
{
	(void)ctx;
	return 0;
}

static const struct worker_ipc_ops ops = { get_view, request, request,
    request, NULL };

static struct worker_ipc *w;
static int req = -1;

static void
fuzz_init(void)
{
	struct whitelist *wl;

	log_init("fuzz", WL_LOG_ERROR, LOG_FORMAT_TEXT);
	view.state = LS_QR;
	view.has_qr = true;
	strcpy(view.qr, "2@fuzz,noise,identity,adv");
	view.disconnects[REASON_TIMEOUT] = 2;
	if ((wl = whitelist_new(NULL)) == NULL ||
	    worker_ipc_open(FUZZ_RPC, FUZZ_EVENTS, &ops, NULL, wl, &w) < 0 ||
	    (req = ipc_connect_req(FUZZ_RPC, 5000)) < 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pollfd p = { .events = POLLIN };
	Wlipc__Reply *rp;
	int fds[WORKER_IPC_FDS_MAX];
	void *msg;
	size_t len;

	if (size > FUZZ_INPUT_MAX)
		return 0;
	if (w == NULL)
		fuzz_init();
	if (nn_send(req, data, size, 0) < 0 || worker_ipc_fds(w, fds) != 1)
		abort();
	p.fd = fds[0];
	if (poll(&p, 1, 5000) != 1 || worker_ipc_service(w) != 1)
		abort();
	if (ipc_recv(req, 0, &msg, &len) < 0 ||
	    ipc_reply_unpack(msg, len, &rp) < 0)
		abort();
	ipc_msg_free(msg);
	ipc_reply_free(rp);
	return 0;
}
