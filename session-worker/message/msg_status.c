/*
 * msg_status.c: the send pipeline's status reports and the contacts'
 * receipts, into the status table (msg_status_tab.c). Every change goes
 * out as an IPC MessageStatus event (wa-control: SSE message_status) and,
 * with --hook-url and --hook-status, as a "message_status" webhook event
 * delivered like message events (signed, retried, dead-lettered). Failures also keep
 * their SendFailed event (wa-probe, older subscribers).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "binary/bn.h"
#include "clock.h"
#include "ipc/worker_ipc.h"
#include "log.h"
#include "webhook/webhook.h"

#include "msg_internal.h"
#include "msg_status.h"

/* A webhook tag of ours: msg_status_hook_done() knows it, replies don't. */
#define STATUS_TAG_PREFIX	"status:"

/* The chat's user part: the number for a phone JID. */
static void
chat_user(const char *chat, char out[MSG_STATUS_TO_MAX])
{
	uint32_t dev;
	bool lid;

	if (chat == NULL || msg_jid_split(chat, out, MSG_STATUS_TO_MAX, &dev,
	    &lid) < 0)
		out[0] = '\0';
}

/* The webhook body: metadata only, never the message text. --hook-cmd
 * gets none: a process per status step would cost more than it tells. */
static void
webhook_event(struct msg *m, const struct msg_status_rec *r)
{
	struct webhook *wh = m->cfg.hook.webhook_out != NULL ?
	    *m->cfg.hook.webhook_out : NULL;
	char tag[sizeof(STATUS_TAG_PREFIX) + MSG_STATUS_ID_MAX], *s;
	json_t *o;
	int rc;

	/* opt-in: a receiver written for message events alone would take
	 * these for messages */
	if (wh == NULL || !m->cfg.hook_status)
		return;
	/* "type" says what the event is, as for messages: a bot switching on
	 * it never takes a status for a message it was sent */
	o = json_pack("{s:i, s:s, s:s, s:s, s:s, s:s?, s:s, s:I, s:I}",
	    "version", 2, "type", "message_status", "event", "message_status",
	    "id", r->id, "to", r->to,
	    "messageType", r->type[0] != '\0' ? r->type : NULL,
	    "status", msg_out_status_name(r->status),
	    "updatedAt", (json_int_t)r->updated_ms,
	    "timestamp", (json_int_t)(r->updated_ms / 1000));
	if (o != NULL && r->status == MSG_OUT_FAILED)
		json_object_set_new(o, "error", json_integer(r->code));
	s = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (s == NULL)
		return;
	snprintf(tag, sizeof(tag), STATUS_TAG_PREFIX "%s", r->id);
	if ((rc = webhook_submit(wh, s, strlen(s), tag, NULL)) < 0)
		log_warn(rc, "message %s: status %s not queued for the webhook",
		    r->id, msg_out_status_name(r->status));
	free(s);
}

static void
publish(struct msg *m, const char *id)
{
	struct worker_ipc_message_status e;
	struct msg_status_rec r;

	if (!msg_status_tab_get(m->cfg.status, id, &r))
		return;
	if (m->cfg.ipc != NULL) {
		memset(&e, 0, sizeof(e));
		e.id = r.id;
		e.to = r.to[0] != '\0' ? r.to : NULL;
		e.type = r.type[0] != '\0' ? r.type : NULL;
		e.status = msg_out_status_name(r.status);
		e.error = r.code;
		e.updated_ms = r.updated_ms;
		e.created_ms = r.created_ms;
		worker_ipc_publish_message_status(m->cfg.ipc, &e);
	}
	webhook_event(m, &r);
}

/* The API's type for a queued body: its <enc mediatype> for media. */
static void
queued_type(struct msg *m, const char *id, char out[MSG_STATUS_TYPE_MAX])
{
	size_t i;

	out[0] = '\0';
	for (i = 0; i < MSG_JOBS_MAX; i++) {
		const struct msg_body *b = &m->jobs[i].body;

		if (!m->jobs[i].used || strcmp(m->jobs[i].id, id) != 0)
			continue;
		snprintf(out, MSG_STATUS_TYPE_MAX, "%s",
		    strcmp(b->type, "media") == 0 && b->mediatype[0] != '\0' ?
		    b->mediatype : b->type[0] != '\0' ? b->type : "text");
		return;
	}
}

/* kind: the message's type when the caller knows it ("image", ...), else NULL. */
static void
note(struct msg *m, const char *id, const char *chat, enum msg_out_status s,
    int code, const char *kind)
{
	struct worker_ipc_send_failed e = { .id = id, .to = chat, .error = code };
	char to[MSG_STATUS_TO_MAX], type[MSG_STATUS_TYPE_MAX];
	int rc;

	if (s == MSG_OUT_FAILED && m->cfg.ipc != NULL)
		worker_ipc_publish_send_failed(m->cfg.ipc, &e);
	if (m->cfg.status == NULL || id == NULL)
		return;
	chat_user(chat, to);
	rc = msg_status_tab_set(m->cfg.status, id, to[0] != '\0' ? to : NULL,
	    s, code > 0 ? (uint32_t)code : 0, clock_wall_ms());
	if (rc < 0)
		log_warn(rc, "message %s: status %s not recorded", id,
		    msg_out_status_name(s));
	if (rc != 1)
		return;
	if (s == MSG_OUT_QUEUED) {
		if (kind != NULL)
			snprintf(type, sizeof(type), "%s", kind);
		else
			queued_type(m, id, type);
		if (type[0] != '\0')
			msg_status_tab_set_type(m->cfg.status, id, type);
	}
	publish(m, id);
}

void
msg_status_note(struct msg *m, const char *id, const char *chat,
    enum msg_out_status s, int code)
{
	note(m, id, chat, s, code, NULL);
}

void
msg_status_note_queued(struct msg *m, const char *id, const char *chat,
    const char *type)
{
	note(m, id, chat, MSG_OUT_QUEUED, 0, type);
}

void
msg_status_set_type(struct msg *m, const char *id, const char *type)
{
	if (m->cfg.status != NULL &&
	    msg_status_tab_set_type(m->cfg.status, id, type) == 0)
		log_debug("message %s: type %s", id, type);
}

/* One receipted id: only for the chat it went to (by number or LID). */
static void
receipt_one(struct msg *m, const char *id, const char *user,
    const char *phone, enum msg_out_status s)
{
	struct msg_status_rec r;

	if (id == NULL || !msg_status_tab_get(m->cfg.status, id, &r) ||
	    (strcmp(r.to, user) != 0 &&
	    (phone == NULL || strcmp(r.to, phone) != 0)))
		return;
	if (msg_status_tab_set(m->cfg.status, id, NULL, s, 0,
	    clock_wall_ms()) == 1) {
		log_info("message %s: %s", id, msg_out_status_name(s));
		publish(m, id);
	}
}

/*
 * whatsmeow receipt.go parseReceipt: the id attribute, then each
 * <list><item id> when the only child is a list; types/presence.go gives
 * the meanings (no type: delivered; "inactive": delivered to a device not
 * in use; read; played). "sender", "read-self", "played-self" are our own
 * devices, "retry" a decryption failure (msg_retry.c): not a contact's
 * step.
 */
void
msg_status_on_receipt(struct msg *m, const struct bn_node *n)
{
	const char *type = bn_node_attr(n, "type"), *from = bn_node_attr(n, "from");
	const struct bn_node *list, *item;
	char user[MSG_STATUS_TO_MAX];
	const char *phone = NULL;
	enum msg_out_status s;
	uint32_t dev;
	size_t i;
	bool lid;

	if (m->cfg.status == NULL || from == NULL)
		return;
	if (type == NULL || strcmp(type, "inactive") == 0)
		s = MSG_OUT_DELIVERED;
	else if (strcmp(type, "read") == 0)
		s = MSG_OUT_READ;
	else if (strcmp(type, "played") == 0)
		s = MSG_OUT_PLAYED;
	else
		return;
	/* groups (a participant) are not ours: 1:1 chats only */
	if (bn_node_attr(n, "participant") != NULL ||
	    msg_jid_split(from, user, sizeof(user), &dev, &lid) < 0)
		return;
	/* a LID device answering for a message sent to the number */
	if (lid)
		phone = msg_lid_phone(m, user);
	receipt_one(m, bn_node_attr(n, "id"), user, phone, s);
	if (bn_node_child_count(n) != 1 ||
	    (list = bn_node_peek_child_by_tag(n, "list")) == NULL)
		return;
	for (i = 0; i < bn_node_child_count(list); i++) {
		item = bn_node_peek_child(list, i);
		if (bn_node_tag_is(item, "item"))
			receipt_one(m, bn_node_attr(item, "id"), user, phone, s);
	}
}

bool
msg_status_hook_done(const char *tag)
{
	return tag != NULL && strncmp(tag, STATUS_TAG_PREFIX,
	    sizeof(STATUS_TAG_PREFIX) - 1) == 0;
}
