/*
 * msg_internal.h: what msg.c (setup, routing, LID map), msg_recv.c and
 * msg_send.c share. Not for other modules.
 */
#ifndef WALINK_MSG_INTERNAL_H
#define WALINK_MSG_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <libwebsockets.h>

#include "msg.h"
#include "msg_codec.h"

struct sig;
struct lidmap;
struct creds;

#define MSG_JID_MAX		96
#define MSG_IQ_ID_MAX		32
/* Replies in flight (usync, key fetch, send); more are refused. */
#define MSG_JOBS_MAX		64
/* Devices a user may have: a phone and up to 4 companions today. */
#define MSG_DEVICES_MAX		16
/* Sent messages kept for retry receipts (WhatsApp retries within minutes). */
#define MSG_SENT_MAX		64
/* Stanzas waiting for a LID lookup, and the numbers one lookup asks about. */
#define MSG_HELD_MAX		32
#define MSG_LID_QUERY_MAX	1000
/* An iq the server did not answer within this is given up. */
#define MSG_IQ_TIMEOUT_MS	15000
/* LIDs a lookup could not map, remembered so a flood of their messages
 * costs one usync: asked again after this long, or once the whitelist
 * changed size. */
#define MSG_LID_MISS_MAX	64
#define MSG_LID_MISS_MS		60000
/* One auto-reply per sender in this window: two bots auto-replying to
 * each other must not loop, and a flood must not make us a spammer. */
#define MSG_AUTO_REPLY_MS	(10 * 60 * 1000)
#define MSG_AUTO_REPLY_SLOTS	128
/* Retry receipts we send per message id (WhatsApp stops after 5). */
#define MSG_RETRY_MAX		5

enum job_step { JOB_USYNC, JOB_KEYS };

struct msg_device {
	char		jid[MSG_JID_MAX];
	char		name[MSG_JID_MAX];	/* Signal address name */
	uint32_t	device;
	bool		own;			/* our account: deviceSentMessage */
	bool		ready;			/* has a session */
};

struct send_job {
	bool		 used;
	enum job_step	 step;
	char		 iq_id[MSG_IQ_ID_MAX];
	uint64_t	 deadline_ms;
	char		 id[MSG_ID_LEN + 1];
	char		 chat[MSG_JID_MAX];
	char		 name[MSG_JID_MAX];	/* the recipient's address name */
	char		*text;
	bool		 resend;		/* retry receipt: devs[0] only, new session */
	struct msg_device devs[MSG_DEVICES_MAX];
	size_t		 ndevs;
};

struct sent_msg {
	char		 id[MSG_ID_LEN + 1];
	char		 chat[MSG_JID_MAX];
	char		*text;
};

struct held_msg {
	uint8_t		*bytes;		/* the encoded stanza */
	size_t		 len;
};

struct lid_miss {
	char		 lid[MSG_JID_MAX];
	uint64_t	 at_ms;
	size_t		 wl_count;
};

struct auto_replied {
	char		 chat[MSG_JID_MAX];
	uint64_t	 at_ms;
};

struct retry_count {
	char		 id[MSG_IQ_ID_MAX];
	uint32_t	 n;
};

struct msg {
	struct msg_cfg		 cfg;
	char			 auto_reply[MSG_AUTO_REPLY_MAX + 1];
	struct link		*link;
	struct hook		*hook;
	struct msg_dl		*dl;		/* msg_media.c; NULL: no downloads */
	struct sig		*sig;
	struct lidmap		*lids;
	struct send_job		 jobs[MSG_JOBS_MAX];
	struct sent_msg		 sent[MSG_SENT_MAX];
	size_t			 sent_next;
	struct held_msg		 held[MSG_HELD_MAX];
	size_t			 nheld;
	char			 lid_iq[MSG_IQ_ID_MAX];	/* LID lookup in flight */
	uint64_t		 lid_deadline_ms;
	struct lid_miss		 lid_miss[MSG_LID_MISS_MAX];
	size_t			 lid_miss_next;
	struct auto_replied	 auto_replied[MSG_AUTO_REPLY_SLOTS];
	size_t			 auto_replied_next;
	struct retry_count	 retries[MSG_SENT_MAX];
	size_t			 retry_next;
	uint32_t		 iq_next;
	lws_sorted_usec_list_t	 sul_sweep;
};

/* msg.c */
/* snprintf that reports truncation as false (callers treat it as bad input). */
bool		msg_fmt(char *buf, size_t cap, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));
const struct creds *msg_creds(struct msg *);
void		msg_new_iq_id(struct msg *, char out[MSG_IQ_ID_MAX]);
int		msg_send(struct msg *, const struct bn_node *);
/* LID -> phone: learns (and persists) a mapping; 0 or negative. */
int		msg_lid_learn(struct msg *, const char *lid_jid, const char *pn_jid);
const char	*msg_lid_phone(struct msg *, const char *lid_user);
/* Our own phone digits, "" when unpaired. */
void		msg_own_phone(struct msg *, char out[16]);
void		msg_publish(struct msg *, bool accepted, const char *from,
		    const char *id, const char *reason, uint64_t t_s);
/* JID helpers: user part, device, server. 0 or -EINVAL. */
int		msg_jid_split(const char *jid, char *user, size_t ucap,
		    uint32_t *device, bool *lid);

/* msg_recv.c */
void		msg_recv_message(struct msg *, const struct bn_node *, bool replay);
void		msg_recv_receipt(struct msg *, const struct bn_node *);

/* msg_lid.c */
void		msg_lid_query(struct msg *);
bool		msg_lid_on_result(struct msg *, const struct bn_node *iq);
void		msg_lid_give_up(struct msg *);
bool		msg_lid_missed(struct msg *, const char *lid_user);
void		msg_lid_miss_note(struct msg *, const char *lid_user);
void		msg_hook_done(void *, const char *tag, enum hook_status, int code,
		    const char *reply, size_t len);

/* msg_send.c */
bool		msg_send_on_result(struct msg *, const struct bn_node *iq);
void		msg_send_sweep(struct msg *, uint64_t now);
void		msg_send_free_all(struct msg *);
int		msg_resend(struct msg *, const char *id, const char *dev_jid,
		    const char *name, const struct bn_node *keys,
		    const uint8_t *reg, size_t reg_len);

#endif
