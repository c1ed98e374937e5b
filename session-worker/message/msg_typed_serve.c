/*
 * msg_typed_serve.c: see msg_typed.h. Kept apart from msg_recv.c, which
 * serves text: one call there hands over everything else.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "binary/bn.h"
#include "log.h"
#include "message/msg_internal.h"
#include "message/msg_media.h"
#include "message/msg_typed.h"

int
msg_typed_serve(struct msg *m, const struct bn_node *n, const char *chat,
    const char *phone, const uint8_t *pt, size_t len)
{
	const char *id = bn_node_attr(n, "id"), *t = bn_node_attr(n, "t");
	struct hook_input in = {
		.from = phone, .push_name = bn_node_attr(n, "notify"), .id = id,
		.timestamp = t != NULL ? strtoull(t, NULL, 10) : 0,
	};
	struct msg_hook_bufs b;
	char tag[HOOK_TAG_MAX];
	struct msg_typed ty;
	enum msg_type type;
	int rc;

	if (msg_typed_decode(pt, len, &ty) != 0)
		return 0;	/* msg_decode has said what it is */
	/* TEXT here is text msg_decode did not see: inside an ephemeral or
	 * view-once wrapper (chats with disappearing messages) */
	if (ty.type == MSG_T_NONE || ty.type == MSG_T_UNSUPPORTED || id == NULL) {
		msg_typed_fini(&ty);
		return 0;
	}
	if (!hook_enabled(m->hook)) {
		log_info("message %s from %s accepted (%s); no hook set", id, phone,
		    msg_type_name(ty.type));
		msg_typed_fini(&ty);
		return 1;
	}
	type = ty.type;
	/* media from a whitelisted sender: downloaded first (msg_media.c);
	 * msg_media_fetch takes ty, so its type is named from a copy */
	rc = msg_type_is_media(type) && msg_media_enabled(m->dl) ?
	    msg_media_fetch(m->dl, &ty, &in, chat) : -ENOTSUP;
	if (rc == 0) {
		log_info("message %s from %s accepted (%s); fetching the media", id,
		    phone, msg_type_name(type));
		return 2;	/* its hook runs once the file is in (msg_media.c) */
	}
	if (rc == -EBUSY) {	/* stored; the hook's queue is still full */
		msg_typed_fini(&ty);
		return -EBUSY;
	}
	if ((rc = msg_typed_hook_input(&ty, NULL, NULL, msg_type_is_media(ty.type) ?
	    "not downloaded" : NULL, &in, &b)) == 0) {
		/* "<chat> <id>": the journal keeps the message until the
		 * hook answers (msg_recv.c msg_hook_done) */
		if (snprintf(tag, sizeof(tag), "%s %s", chat, id) >= (int)sizeof(tag))
			snprintf(tag, sizeof(tag), "%s", chat);
		if ((rc = hook_run(m->hook, &in, tag)) < 0)
			log_warn(rc, "message %s from %s (%s): hook not run", id, phone,
			    msg_type_name(ty.type));
		else
			log_info("message %s from %s accepted (%s); hook started", id,
			    phone, msg_type_name(ty.type));
		if (rc == 0 && strchr(tag, ' ') != NULL)
			rc = 2;
		msg_hook_bufs_fini(&b);
	}
	msg_typed_fini(&ty);
	return rc < 0 ? rc : rc == 2 ? 2 : 1;
}
