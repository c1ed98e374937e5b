/*
 * msg_answer_json.h: what a bot answers (issue 13, "Hook answer"; also
 * the body of POST /api/messages without "to"): plain text as before, or
 * one JSON object or an array of them, each one message to send:
 *   {"type": "text|image|video|audio|document|location|reaction",
 *    "text"?, "path"?, "caption"?, "fileName"?, "mimetype"?, "ptt"?,
 *    "latitude"?, "longitude"?, "name"?, "address"?, "emoji"?,
 *    "targetId"?, "quote"?}
 * described by docs/hook-answer.schema.json. Pure: no I/O, no logging;
 * unit tested in tests/unit/test_msg_answer_json.c, fuzzed by
 * fuzz_hook_answer. Error strings name the item and the field, never a
 * value (they are logged; values are message content).
 */
#ifndef WALINK_MSG_ANSWER_JSON_H
#define WALINK_MSG_ANSWER_JSON_H

#include <stdbool.h>
#include <stddef.h>

/* Messages one answer may send: a bot that prints more is a loop. */
#define MSG_ANS_ITEMS_MAX	10
#define MSG_ANS_ERR_MAX		128
/* An emoji is one grapheme; a few code points with modifiers and joiners. */
#define MSG_ANS_EMOJI_MAX	64
#define MSG_ANS_NAME_MAX	1024

enum msg_ans_type {
	MSG_ANS_TEXT,
	MSG_ANS_IMAGE,
	MSG_ANS_VIDEO,
	MSG_ANS_AUDIO,
	MSG_ANS_DOCUMENT,
	MSG_ANS_LOCATION,
	MSG_ANS_REACTION,
};

/* One message to send; strings malloc'd UTF-8 without NUL, or NULL. */
struct msg_ans_item {
	enum msg_ans_type type;
	char		*text;		/* TEXT */
	char		*path;		/* media: the file the bot wrote */
	char		*caption;	/* IMAGE, VIDEO, DOCUMENT */
	char		*file_name;	/* DOCUMENT */
	char		*mimetype;	/* media: NULL = from the file name */
	bool		 ptt;		/* AUDIO: a voice note */
	double		 latitude, longitude;	/* LOCATION */
	char		*name, *address;	/* LOCATION */
	char		*emoji;		/* REACTION: "" takes a reaction back */
	char		*target_id;	/* REACTION: NULL = the message answered */
	bool		 quote;		/* quote the message answered */
};

struct msg_ans {
	struct msg_ans_item	items[MSG_ANS_ITEMS_MAX];
	size_t			n;
	bool			json;	/* false: the answer was plain text */
};

/* "text", "image", ...; NULL for an unknown value. */
const char	*msg_ans_type_name(enum msg_ans_type);
bool		 msg_ans_type_is_media(enum msg_ans_type);

/*
 * Reads an answer of len bytes. Text that is not JSON (or is JSON but
 * neither an object nor an array: a bot printing "42") is one text
 * message, as before typed answers existed. An object or array must be a
 * valid answer: -EINVAL with err saying what is wrong ("item 2: image
 * needs \"path\""). -EMSGSIZE for text past MSG_TEXT_MAX or holding a
 * NUL, -ENODATA for an empty answer. On success *out owns its strings:
 * msg_ans_fini() frees them. err may be NULL.
 */
int	msg_ans_parse(const char *buf, size_t len, struct msg_ans *out,
	    char err[MSG_ANS_ERR_MAX]);
void	msg_ans_fini(struct msg_ans *);

/* The item back as JSON (tests and the schema check): malloc'd or NULL. */
char	*msg_ans_item_json(const struct msg_ans_item *);

#endif
