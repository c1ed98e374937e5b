/*
 * msg_stanza.h: the shapes of the stanzas the message layer sends
 * (protocol-notes §8), built as whatsmeow builds them and checked byte
 * for byte against Baileys' encoder in tests/unit/test_msg_stanza.c.
 * Pure: no I/O, no state; every builder returns a new node (caller
 * frees) or NULL on a bad argument or no memory.
 */
#ifndef WALINK_MSG_STANZA_H
#define WALINK_MSG_STANZA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bn_node;

/*
 * <receipt id to=from [recipient] [participant] [type]> for an incoming
 * message (whatsmeow receipt.go buildBaseReceipt + sendMessageReceipt):
 * `to` is the stanza's from as it came (a device JID stays one),
 * recipient and participant are copied. type NULL: a plain delivery.
 */
struct bn_node	*msg_stanza_receipt(const struct bn_node *msg, const char *type);

/* The keys a retry receipt hands over from count 2 (whatsmeow retry.go). */
struct msg_retry_keys {
	const uint8_t	*identity;		/* 32 bytes, no type byte */
	uint32_t	 prekey_id;		/* a fresh one-time prekey */
	const uint8_t	*prekey;		/* 32 */
	uint32_t	 spk_id;
	const uint8_t	*spk;			/* 32 */
	const uint8_t	*spk_sig;		/* 64 */
	const uint8_t	*account;		/* full ADVSignedDeviceIdentity */
	size_t		 account_len;
};

/*
 * <receipt id to [recipient] [participant] type=retry [category=peer]>
 * <retry count id t v=1/><registration>4 bytes BE</registration>
 * [<keys><type/><identity/><key/><skey/><device-identity/></keys>]
 * (whatsmeow retry.go sendRetryReceipt).
 */
struct bn_node	*msg_stanza_retry_receipt(const struct bn_node *msg,
		    uint32_t count, uint32_t registration_id, bool peer,
		    const struct msg_retry_keys *keys);

/* <ib><offline_batch count=N/></ib> (Baileys socket.ts offline_preview). */
struct bn_node	*msg_stanza_offline_batch(unsigned int count);

/*
 * <iq id to=@s.whatsapp.net type=get xmlns=usync><usync sid context=message
 * mode=query last=true index=0><query><devices version=2/></query>
 * <list><user jid/>…</list></usync></iq> (whatsmeow usync.go
 * GetUserDevicesContext). n is 1 or 2 (the contact and ourselves).
 */
struct bn_node	*msg_stanza_usync_devices(const char *id,
		    const char *const *user_jids, size_t n);

/* <iq id to type=get xmlns=encrypt><key><user jid/>…</key></iq>. */
struct bn_node	*msg_stanza_prekey_fetch(const char *id,
		    const char *const *device_jids, size_t n);

/*
 * <message id to type [t] [device_fanout=false] [recipient]>: the
 * outer node; the caller adds <participants> or a bare <enc>, then
 * <device-identity> and <tctoken> (whatsmeow send.go sendDM, retry.go).
 */
struct msg_out_attrs {
	const char	*id, *to;
	const char	*type;		/* "text", "media", ...; NULL: "text" */
	const char	*t;		/* retry resends: the original's time */
	bool		 no_fanout;	/* retry resends to one device */
	const char	*recipient;	/* resends to our own device: the chat */
};
struct bn_node	*msg_stanza_message(const struct msg_out_attrs *);

/* <to jid><enc v=2 type [count] [mediatype]>ct</enc></to>, or the bare
 * <enc> (to NULL); mediatype NULL or "": none (whatsmeow
 * encryptMessageForDevice). */
struct bn_node	*msg_stanza_enc(const char *to, bool pkmsg, uint32_t count,
		    const char *mediatype, const uint8_t *ct, size_t len);

/*
 * <iq id to type=set xmlns=privacy><tokens><token jid t type=trusted_contact/>
 * </tokens></iq>: we issue our privacy token to a contact (whatsmeow
 * tctoken.go issuePrivacyToken).
 */
struct bn_node	*msg_stanza_privacy_issue(const char *id, const char *jid,
		    const char *t);

/* <tag>bytes</tag>: device-identity, tctoken. */
struct bn_node	*msg_stanza_bytes(const char *tag, const uint8_t *b, size_t len);

#endif
