/*
 * msg_status.c: the send pipeline's status reports. Failures go out as
 * IPC events (wa-control, webhooks); the other steps are logged by id.
 */
#include <stddef.h>

#include "ipc/worker_ipc.h"
#include "log.h"

#include "msg_internal.h"
#include "msg_status.h"

const char *
msg_out_status_name(enum msg_out_status s)
{
	switch (s) {
	case MSG_OUT_QUEUED:	return "queued";
	case MSG_OUT_SENT:	return "sent";
	case MSG_OUT_DELIVERED:	return "delivered";
	case MSG_OUT_READ:	return "read";
	case MSG_OUT_PLAYED:	return "played";
	case MSG_OUT_FAILED:	return "failed";
	}
	return "unknown";
}

void
msg_status_note(struct msg *m, const char *id, const char *chat,
    enum msg_out_status s, int code)
{
	struct worker_ipc_send_failed e = { .id = id, .to = chat, .error = code };

	if (s == MSG_OUT_FAILED && m->cfg.ipc != NULL)
		worker_ipc_publish_send_failed(m->cfg.ipc, &e);
}
