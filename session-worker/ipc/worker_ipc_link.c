/*
 * worker_ipc_link.c: worker_ipc's ops on the real link (worker_ipc.h).
 * Kept apart so that tests and tools that script the link with their own
 * ops never pull link.c into their executables.
 */
#include "link/link.h"
#include "worker_ipc.h"

static void
link_ops_get_view(void *ctx, struct link_view *v)
{
	link_get_view(ctx, v);
}

static int
link_ops_restart(void *ctx)
{
	return link_request_restart(ctx);
}

static int
link_ops_logout(void *ctx)
{
	return link_request_logout(ctx);
}

static int
link_ops_new_qr(void *ctx)
{
	return link_request_new_qr(ctx);
}

static int
link_ops_pair_code(void *ctx, const char *phone)
{
	return link_request_pair_code(ctx, phone);
}

const struct worker_ipc_ops worker_ipc_link_ops = {
	.get_view = link_ops_get_view,
	.request_restart = link_ops_restart,
	.request_logout = link_ops_logout,
	.request_new_qr = link_ops_new_qr,
	.request_pair_code = link_ops_pair_code,
};
