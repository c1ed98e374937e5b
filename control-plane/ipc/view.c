/* view.c: render the cached worker picture as the API's JSON (view.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "ipc/view.h"

static const char *const state_names[CTL_VIEW_STATES] = {
	"starting", "connecting", "qr", "pairing", "connected", "unstable",
	"disconnected", "restarting", "logged_out", "conflict", "banned",
	"outdated", "passkey_required", "server_failure"
};

static const char *const reason_names[CTL_VIEW_REASONS] = {
	"NONE", "NAVIGATION", "TIMEOUT", "CONFLICT", "LOGOUT", "BAN",
	"OUTDATED", "UNKNOWN"
};

const char *
ctl_view_state_name(int s)
{
	if (s < 0 || (size_t)s >= sizeof(state_names) / sizeof(state_names[0]))
		return "unknown";
	return state_names[s];
}

const char *
ctl_view_reason_name(int r)
{
	if (r < 0 || r >= CTL_VIEW_REASONS)
		return "UNKNOWN";
	return reason_names[r];
}

/* ISO string or JSON null for 0 / out of range. */
static json_t *
iso_or_null(uint64_t ms)
{
	char buf[CLOCK_ISO_LEN];

	if (!clock_iso8601(ms, buf))
		return json_null();
	return json_string(buf);
}

static json_t *
str_or_null(const char *s)
{
	return s[0] != '\0' ? json_string(s) : json_null();
}

json_t *
ctl_view_state_json(const struct ctl_link_view *v)
{
	bool ready = v->state == 4 || v->state == 5;	/* connected, unstable */
	bool authed = v->number[0] != '\0' && v->state != 2 && v->state != 3 &&
	    v->state != 8;	/* not qr, pairing, logged_out */
	json_t *o;

	o = json_pack("{s:s, s:b, s:b, s:o, s:o}",
	    "state", v->have_state ? ctl_view_state_name(v->state) : "unknown",
	    "isReady", v->have_state && ready,
	    "isAuthenticated", v->have_state && authed,
	    "connectedNumber", str_or_null(v->number),
	    "lastHeartbeat", iso_or_null(v->last_heartbeat_ms));
	if (o == NULL)
		return NULL;
	json_object_set_new(o, "rttMs", v->last_heartbeat_ms ?
	    json_integer(v->rtt_ms) : json_null());
	json_object_set_new(o, "since", iso_or_null(v->since_ms));
	json_object_set_new(o, "reason", v->last_reason ?
	    json_string(ctl_view_reason_name(v->last_reason)) : json_null());
	json_object_set_new(o, "strategy", str_or_null(v->strategy));
	json_object_set_new(o, "nextAttempt", iso_or_null(v->next_attempt_ms));
	json_object_set_new(o, "banUntil", iso_or_null(v->ban_until_ms));
	json_object_set_new(o, "qrPaused", json_boolean(v->qr_paused));
	json_object_set_new(o, "detail", str_or_null(v->detail));
	json_object_set_new(o, "pairCode", v->pair_code.status != 0 ?
	    ctl_view_pair_code_json(&v->pair_code) : json_null());
	json_object_set_new(o, "workerReachable", json_boolean(v->worker_up));
	json_object_set_new(o, "whitelistRejected", v->have_whitelist_rejected ?
	    json_integer(v->whitelist_rejected) : json_null());
	return o;
}

json_t *
ctl_view_heartbeat_json(const struct ctl_link_view *v)
{
	return json_pack("{s:o, s:s, s:i, s:o}",
	    "phoneNumber", str_or_null(v->number),
	    "state", ctl_view_state_name(v->state),
	    "rttMs", (json_int_t)v->rtt_ms,
	    "timestamp", iso_or_null(v->last_heartbeat_ms));
}

json_t *
ctl_view_history_json(const struct ctl_link_view *v)
{
	json_t *rtts = json_array(), *changes = json_array();
	unsigned i, k;

	for (i = 0; i < v->nrtts; i++) {
		k = (v->rtt_head + CTL_VIEW_RTTS - v->nrtts + i) % CTL_VIEW_RTTS;
		json_array_append_new(rtts, json_pack("{s:o, s:i}",
		    "timestamp", iso_or_null(v->rtts[k].t_ms),
		    "rttMs", (json_int_t)v->rtts[k].rtt_ms));
	}
	for (i = 0; i < v->nchanges; i++) {
		k = (v->change_head + CTL_VIEW_CHANGES - v->nchanges + i) %
		    CTL_VIEW_CHANGES;
		json_array_append_new(changes, json_pack("{s:o, s:s, s:s, s:s}",
		    "timestamp", iso_or_null(v->changes[k].t_ms),
		    "from", ctl_view_state_name(v->changes[k].from),
		    "to", ctl_view_state_name(v->changes[k].to),
		    "reason", ctl_view_reason_name(v->changes[k].reason)));
	}
	return json_pack("{s:o, s:o}", "heartbeats", rtts, "changes", changes);
}

static const char *const pair_code_names[] = {
	"none", "requesting", "shown", "typed", "wrong_code", "expired",
	"not_on_whatsapp", "refused"
};

const char *
ctl_view_pair_code_status(int s)
{
	if (s < 0 || (size_t)s >= sizeof(pair_code_names) / sizeof(pair_code_names[0]))
		return "refused";
	return pair_code_names[s];
}

static void
copy_str(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src != NULL ? src : "");
}

/* A metric label from the worker: [a-z_]+ that fits, else skipped. */
static bool
store_name_ok(const char *s)
{
	size_t i;

	if (s == NULL || s[0] == '\0' || strlen(s) >= sizeof(((struct ctl_view_store *)0)->name))
		return false;
	for (i = 0; s[i] != '\0'; i++)
		if ((s[i] < 'a' || s[i] > 'z') && s[i] != '_')
			return false;
	return true;
}

void
ctl_view_apply_stores(struct ctl_view_store out[CTL_VIEW_STORES], unsigned *n,
    const Wlipc__State *s)
{
	size_t i;

	if (s->n_stores == 0)
		return;		/* an older worker, or none yet: keep what we had */
	*n = 0;
	for (i = 0; i < s->n_stores && *n < CTL_VIEW_STORES; i++) {
		const Wlipc__StoreCount *c = s->stores[i];

		if (c == NULL || !store_name_ok(c->store))
			continue;
		snprintf(out[*n].name, sizeof(out[*n].name), "%s", c->store);
		out[*n].evicted = c->evicted;
		out[*n].refused = c->refused;
		(*n)++;
	}
}

bool
ctl_view_apply_pair_code(struct ctl_view_pair_code *pc, const Wlipc__PairCode *in)
{
	struct ctl_view_pair_code old = *pc;

	memset(pc, 0, sizeof(*pc));
	if (in != NULL) {
		pc->status = (int)in->status;
		copy_str(pc->phone, sizeof(pc->phone), in->phone);
		copy_str(pc->code, sizeof(pc->code), in->code);
		pc->expires_ms = in->has_expires_ms ? in->expires_ms : 0;
		copy_str(pc->detail, sizeof(pc->detail), in->detail);
	}
	return memcmp(&old, pc, sizeof(old)) != 0;
}

json_t *
ctl_view_pair_code_json(const struct ctl_view_pair_code *pc)
{
	return json_pack("{s:s, s:o, s:o, s:o, s:o}",
	    "status", ctl_view_pair_code_status(pc->status),
	    "phoneNumber", str_or_null(pc->phone), "code", str_or_null(pc->code),
	    "expiresAt", iso_or_null(pc->expires_ms),
	    "detail", str_or_null(pc->detail));
}
