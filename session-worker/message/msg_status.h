/*
 * msg_status.h: where each message we send stands, as an operator or a
 * bot asks about it (issue 13: GET /api/messages/:id, SSE, webhooks):
 * queued, sent (the server's ack), delivered and read (the contact's
 * receipts), failed with the server's code. The send pipeline reports
 * every step here and nowhere else.
 */
#ifndef WALINK_MSG_STATUS_H
#define WALINK_MSG_STATUS_H

struct msg;

enum msg_out_status {
	MSG_OUT_QUEUED,
	MSG_OUT_SENT,
	MSG_OUT_DELIVERED,
	MSG_OUT_READ,
	MSG_OUT_PLAYED,		/* a voice note the contact listened to */
	MSG_OUT_FAILED,
};

/* "queued", "sent", ... */
const char	*msg_out_status_name(enum msg_out_status);

/* code: the server's error code for FAILED (0: never acknowledged). */
void	msg_status_note(struct msg *, const char *id, const char *chat,
	    enum msg_out_status, int code);

#endif
