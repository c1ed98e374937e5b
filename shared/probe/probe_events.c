/*
 * probe_events.c: one line per worker event for `wa-probe watch` (probe.h),
 * as text for people or JSON lines for scripts. A gap in the sequence
 * numbers (PUB drops for slow subscribers, DESIGN.md "IPC") is reported
 * as its own line. QR content stays out: `wa-probe qr` prints it.
 */
#include <stdio.h>
#include <stdlib.h>

#include "probe.h"

/* Text fields from the worker, kept on one line whatever they hold. */
static void
put_clean(FILE *f, const char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		fputc(*s >= 0x20 && *s < 0x7f ? *s : '?', f);
}

static json_t *
strings_json(char **v, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

static json_t *
event_json(const Wlipc__Event *ev)
{
	char iso[CLOCK_ISO_LEN];
	json_t *o = NULL;

	switch (ev->body_case) {
	case WLIPC__EVENT__BODY_STATE:
		o = probe_state_json(ev->state);
		break;
	case WLIPC__EVENT__BODY_HEARTBEAT:
		o = json_pack("{s:o, s:s, s:I, s:o}",
		    "phoneNumber", ev->heartbeat->phone_number != NULL ?
		    json_string(ev->heartbeat->phone_number) : json_null(),
		    "state", probe_state_name(ev->heartbeat->state),
		    "rttMs", (json_int_t)ev->heartbeat->rtt_ms,
		    "timestamp", clock_iso8601(ev->heartbeat->timestamp_ms, iso) ?
		    json_string(iso) : json_null());
		break;
	case WLIPC__EVENT__BODY_QR:
		o = json_pack("{s:I, s:I}", "round",
		    (json_int_t)ev->qr->round, "ref",
		    (json_int_t)ev->qr->ref_index);
		break;
	case WLIPC__EVENT__BODY_WHITELIST:
		o = json_pack("{s:I, s:o, s:o, s:b}",
		    "count", (json_int_t)ev->whitelist->count,
		    "added", strings_json(ev->whitelist->added,
		    ev->whitelist->n_added),
		    "removed", strings_json(ev->whitelist->removed,
		    ev->whitelist->n_removed),
		    "replaced", ev->whitelist->has_replaced &&
		    ev->whitelist->replaced);
		break;
	case WLIPC__EVENT__BODY_MESSAGE:
		o = json_pack("{s:b, s:o, s:o, s:o}",
		    "accepted", ev->message->accepted,
		    "from", ev->message->from != NULL ?
		    json_string(ev->message->from) : json_null(),
		    "id", ev->message->id != NULL ?
		    json_string(ev->message->id) : json_null(),
		    "reason", ev->message->reason != NULL ?
		    json_string(ev->message->reason) : json_null());
		break;
	case WLIPC__EVENT__BODY_SEND_FAILED:
		o = json_pack("{s:o, s:o, s:I}",
		    "id", json_string(ev->send_failed->id),
		    "to", ev->send_failed->to != NULL ?
		    json_string(ev->send_failed->to) : json_null(),
		    "error", (json_int_t)ev->send_failed->error);
		break;
	case WLIPC__EVENT__BODY_MESSAGE_STATUS:
		o = json_pack("{s:s, s:s?, s:s?, s:s, s:I}",
		    "id", ev->message_status->id, "to", ev->message_status->to,
		    "messageType", ev->message_status->type,
		    "status", ev->message_status->status,
		    "updatedMs", (json_int_t)ev->message_status->updated_ms);
		if (o != NULL && ev->message_status->has_error)
			json_object_set_new(o, "error",
			    json_integer(ev->message_status->error));
		break;
	default:	/* qr_expired, or a body newer than this probe */
		o = json_object();
		break;
	}
	return o;
}

static const char *
event_type(const Wlipc__Event *ev)
{
	switch (ev->body_case) {
	case WLIPC__EVENT__BODY_HEARTBEAT:	return "heartbeat";
	case WLIPC__EVENT__BODY_STATE:		return "state";
	case WLIPC__EVENT__BODY_QR:		return "qr";
	case WLIPC__EVENT__BODY_QR_EXPIRED:	return "qr-expired";
	case WLIPC__EVENT__BODY_WHITELIST:	return "whitelist";
	case WLIPC__EVENT__BODY_MESSAGE:	return "message";
	case WLIPC__EVENT__BODY_SEND_FAILED:	return "send-failed";
	case WLIPC__EVENT__BODY_MESSAGE_STATUS:	return "message-status";
	default:				return "unknown";
	}
}

static void
event_text(FILE *f, const Wlipc__Event *ev)
{
	size_t i;

	switch (ev->body_case) {
	case WLIPC__EVENT__BODY_STATE:
		probe_state_text(f, ev->state, clock_wall_ms());
		return;
	case WLIPC__EVENT__BODY_HEARTBEAT:
		fprintf(f, "%s %s rtt %u ms",
		    probe_state_name(ev->heartbeat->state),
		    ev->heartbeat->phone_number != NULL ?
		    ev->heartbeat->phone_number : "-", ev->heartbeat->rtt_ms);
		break;
	case WLIPC__EVENT__BODY_QR:
		fprintf(f, "round %u ref %u shown", ev->qr->round,
		    ev->qr->ref_index);
		break;
	case WLIPC__EVENT__BODY_QR_EXPIRED:
		fprintf(f, "pairing paused; run 'wa-probe new-qr'");
		break;
	case WLIPC__EVENT__BODY_WHITELIST:
		fprintf(f, "count %u", ev->whitelist->count);
		for (i = 0; i < ev->whitelist->n_added; i++)
			fprintf(f, " +%s", ev->whitelist->added[i]);
		for (i = 0; i < ev->whitelist->n_removed; i++)
			fprintf(f, " -%s", ev->whitelist->removed[i]);
		if (ev->whitelist->has_replaced && ev->whitelist->replaced)
			fprintf(f, " (replaced)");
		break;
	case WLIPC__EVENT__BODY_MESSAGE:
		fprintf(f, "%s from ", ev->message->accepted ? "accepted" :
		    "refused");
		put_clean(f, ev->message->from != NULL ? ev->message->from :
		    "-");
		if (ev->message->id != NULL) {
			fprintf(f, " id ");
			put_clean(f, ev->message->id);
		}
		if (!ev->message->accepted && ev->message->reason != NULL) {
			fprintf(f, ": ");
			put_clean(f, ev->message->reason);
		}
		break;
	case WLIPC__EVENT__BODY_SEND_FAILED:
		fprintf(f, "message ");
		put_clean(f, ev->send_failed->id);
		fprintf(f, " to ");
		put_clean(f, ev->send_failed->to != NULL ? ev->send_failed->to : "-");
		if (ev->send_failed->error != 0)
			fprintf(f, " refused by the server: error %u",
			    ev->send_failed->error);
		else
			fprintf(f, " not acknowledged by the server");
		break;
	case WLIPC__EVENT__BODY_MESSAGE_STATUS:
		fprintf(f, "message ");
		put_clean(f, ev->message_status->id);
		fprintf(f, " to ");
		put_clean(f, ev->message_status->to != NULL ?
		    ev->message_status->to : "-");
		fprintf(f, " ");
		put_clean(f, ev->message_status->status);
		if (ev->message_status->has_error)
			fprintf(f, " (error %u)", ev->message_status->error);
		break;
	default:
		break;
	}
	fputc('\n', f);
}

void
probe_event_print(FILE *f, const Wlipc__Event *ev, bool json,
    uint64_t *last_seq)
{
	char iso[CLOCK_ISO_LEN] = "-";
	json_t *o;
	char *line;

	clock_iso8601(ev->time_ms, iso);
	if (*last_seq != 0 && ev->seq > *last_seq + 1) {
		if (json)
			fprintf(f, "{\"type\":\"gap\",\"missed\":%llu}\n",
			    (unsigned long long)(ev->seq - *last_seq - 1));
		else
			fprintf(f, "%s gap: missed %llu events\n", iso,
			    (unsigned long long)(ev->seq - *last_seq - 1));
	}
	*last_seq = ev->seq;
	if (!json) {
		fprintf(f, "%s %s ", iso, event_type(ev));
		event_text(f, ev);
		return;
	}
	if ((o = event_json(ev)) == NULL)
		return;
	json_object_set_new(o, "type", json_string(event_type(ev)));
	json_object_set_new(o, "seq", json_integer((json_int_t)ev->seq));
	json_object_set_new(o, "time", iso[0] != '-' ? json_string(iso) :
	    json_null());
	if ((line = json_dumps(o, JSON_COMPACT)) != NULL) {
		fprintf(f, "%s\n", line);
		free(line);
	}
	json_decref(o);
}
