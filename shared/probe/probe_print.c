/*
 * probe_print.c: wa-probe's text and JSON renderings of the worker's
 * State and events (probe.h). The JSON keys are the HTTP API's
 * (connectionState: state, isReady, isAuthenticated, connectedNumber,
 * lastHeartbeat, ...), so scripts can use either with the same code.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "probe.h"

/*
 * Names come from the schema itself: "LS_LOGGED_OUT" -> "logged_out",
 * "REASON_TIMEOUT" -> "TIMEOUT". No second table to drift from ipc.proto.
 */
static const char *
enum_name(const ProtobufCEnumDescriptor *d, int v, size_t prefix, bool lower,
    char *buf, size_t size, const char *unknown)
{
	const ProtobufCEnumValue *ev = protobuf_c_enum_descriptor_get_value(d, v);
	size_t i;

	if (ev == NULL || strlen(ev->name) <= prefix ||
	    strlen(ev->name) - prefix >= size)
		return unknown;
	for (i = 0; ev->name[prefix + i] != '\0'; i++)
		buf[i] = lower ? (char)tolower((unsigned char)ev->name[prefix + i]) :
		    ev->name[prefix + i];
	buf[i] = '\0';
	return buf;
}

const char *
probe_state_name(int state)
{
	static char buf[32];

	return enum_name(&wlipc__link_state__descriptor, state,
	    sizeof("LS_") - 1, true, buf, sizeof(buf), "unknown");
}

const char *
probe_reason_name(int reason)
{
	static char buf[32];

	return enum_name(&wlipc__reason__descriptor, reason,
	    sizeof("REASON_") - 1, false, buf, sizeof(buf), "UNKNOWN");
}

int
probe_state_exit(const Wlipc__State *st)
{
	switch (st->state) {
	case WLIPC__LINK_STATE__LS_CONNECTED:
		return PROBE_CONNECTED;
	case WLIPC__LINK_STATE__LS_LOGGED_OUT:
	case WLIPC__LINK_STATE__LS_CONFLICT:
	case WLIPC__LINK_STATE__LS_BANNED:
	case WLIPC__LINK_STATE__LS_OUTDATED:
	case WLIPC__LINK_STATE__LS_PASSKEY_REQUIRED:
	case WLIPC__LINK_STATE__LS_SERVER_FAILURE:
		return PROBE_NEEDS_PERSON;
	case WLIPC__LINK_STATE__LS_QR:
		if (st->pair_code != NULL &&
		    st->pair_code->status >= WLIPC__PAIR_CODE_STATUS__PCS_WRONG_CODE)
			return PROBE_NEEDS_PERSON;	/* wrong, expired, refused */
		return st->has_qr_paused && st->qr_paused ?
		    PROBE_NEEDS_PERSON : PROBE_NOT_CONNECTED;
	default:
		return PROBE_NOT_CONNECTED;
	}
}

static json_t *
iso_or_null(bool has, uint64_t ms)
{
	char buf[CLOCK_ISO_LEN];

	return has && clock_iso8601(ms, buf) ? json_string(buf) : json_null();
}

static json_t *
str_or_null(const char *s)
{
	return s != NULL && *s != '\0' ? json_string(s) : json_null();
}

const char *
probe_pair_code_status_name(int status)
{
	static char buf[32];

	return enum_name(&wlipc__pair_code_status__descriptor, status,
	    sizeof("PCS_") - 1, true, buf, sizeof(buf), "unknown");
}

json_t *
probe_pair_code_json(const Wlipc__PairCode *pc)
{
	return json_pack("{s:s, s:o, s:o, s:o, s:o}",
	    "status", probe_pair_code_status_name(pc->status),
	    "phone", str_or_null(pc->phone), "code", str_or_null(pc->code),
	    "expiresAt", iso_or_null(pc->has_expires_ms, pc->expires_ms),
	    "detail", str_or_null(pc->detail));
}

json_t *
probe_state_json(const Wlipc__State *st)
{
	bool ready = st->state == WLIPC__LINK_STATE__LS_CONNECTED ||
	    st->state == WLIPC__LINK_STATE__LS_UNSTABLE;
	bool authed = st->connected_number != NULL &&
	    *st->connected_number != '\0' &&
	    st->state != WLIPC__LINK_STATE__LS_QR &&
	    st->state != WLIPC__LINK_STATE__LS_PAIRING &&
	    st->state != WLIPC__LINK_STATE__LS_LOGGED_OUT;
	bool reason = st->has_last_reason &&
	    st->last_reason != WLIPC__REASON__REASON_NONE;
	json_t *o, *dc;
	size_t i;

	if ((o = json_object()) == NULL || (dc = json_object()) == NULL) {
		json_decref(o);
		return NULL;
	}
	json_object_set_new(o, "state", json_string(probe_state_name(st->state)));
	json_object_set_new(o, "isReady", json_boolean(ready));
	json_object_set_new(o, "isAuthenticated", json_boolean(authed));
	json_object_set_new(o, "connectedNumber",
	    str_or_null(st->connected_number));
	json_object_set_new(o, "lastHeartbeat",
	    iso_or_null(st->has_last_heartbeat_ms, st->last_heartbeat_ms));
	json_object_set_new(o, "rttMs", st->has_last_heartbeat_ms &&
	    st->has_rtt_ms ? json_integer(st->rtt_ms) : json_null());
	json_object_set_new(o, "since", iso_or_null(st->has_since_ms,
	    st->since_ms));
	json_object_set_new(o, "reason", reason ?
	    json_string(probe_reason_name(st->last_reason)) : json_null());
	json_object_set_new(o, "strategy", str_or_null(st->strategy));
	json_object_set_new(o, "nextAttempt",
	    iso_or_null(st->has_next_attempt_ms, st->next_attempt_ms));
	json_object_set_new(o, "banUntil",
	    iso_or_null(st->has_ban_until_ms, st->ban_until_ms));
	json_object_set_new(o, "qrPaused",
	    json_boolean(st->has_qr_paused && st->qr_paused));
	json_object_set_new(o, "detail", str_or_null(st->detail));
	json_object_set_new(o, "pairCode", st->pair_code != NULL ?
	    probe_pair_code_json(st->pair_code) : json_null());
	json_object_set_new(o, "whitelistCount", st->has_whitelist_count ?
	    json_integer(st->whitelist_count) : json_null());
	json_object_set_new(o, "whitelistRejected", st->has_whitelist_rejected ?
	    json_integer(st->whitelist_rejected) : json_null());
	for (i = 0; i < st->n_disconnects; i++)
		json_object_set_new(dc,
		    probe_reason_name(st->disconnects[i]->reason),
		    json_integer(st->disconnects[i]->count));
	json_object_set_new(o, "disconnects", dc);
	json_object_set_new(o, "pid", st->has_pid ?
	    json_integer((json_int_t)st->pid) : json_null());
	json_object_set_new(o, "startedAt", iso_or_null(st->has_started_ms,
	    st->started_ms));
	return o;
}

/* Seconds from a to b, rounded down, never negative (clocks may skew). */
static unsigned long long
secs_between(uint64_t a, uint64_t b)
{
	return b > a ? (unsigned long long)((b - a) / 1000) : 0;
}

void
probe_state_text(FILE *f, const Wlipc__State *st, uint64_t now)
{
	char iso[CLOCK_ISO_LEN];

	fprintf(f, "%s", probe_state_name(st->state));
	if (st->has_qr_paused && st->qr_paused)
		fprintf(f, " (paused: run 'wa-probe new-qr')");
	if (st->connected_number != NULL && *st->connected_number != '\0')
		fprintf(f, ", number %s", st->connected_number);
	else
		fprintf(f, ", no number");
	if (st->has_last_heartbeat_ms && st->last_heartbeat_ms != 0)
		fprintf(f, ", heartbeat %llu s ago (rtt %u ms)",
		    secs_between(st->last_heartbeat_ms, now), st->rtt_ms);
	else
		fprintf(f, ", no heartbeat yet");
	if (st->has_last_reason && st->last_reason != WLIPC__REASON__REASON_NONE)
		fprintf(f, ", last reason %s",
		    probe_reason_name(st->last_reason));
	if (st->strategy != NULL && *st->strategy != '\0')
		fprintf(f, " (%s)", st->strategy);
	if (st->has_next_attempt_ms && st->next_attempt_ms != 0)
		fprintf(f, ", next attempt in %llu s",
		    secs_between(now, st->next_attempt_ms));
	if (st->has_ban_until_ms && clock_iso8601(st->ban_until_ms, iso))
		fprintf(f, ", banned until %s", iso);
	if (st->detail != NULL && *st->detail != '\0')
		fprintf(f, ": %s", st->detail);
	if (st->pair_code != NULL)
		fprintf(f, "; pairing code for +%s %s%s%s%s%s",
		    st->pair_code->phone ? st->pair_code->phone : "?",
		    probe_pair_code_status_name(st->pair_code->status),
		    st->pair_code->code ? " " : "",
		    st->pair_code->code ? st->pair_code->code : "",
		    st->pair_code->detail ? ": " : "",
		    st->pair_code->detail ? st->pair_code->detail : "");
	if (st->has_whitelist_rejected && st->whitelist_rejected > 0)
		fprintf(f, "; whitelist file: %u lines not served (see the "
		    "worker's log)", st->whitelist_rejected);
	fputc('\n', f);
}
