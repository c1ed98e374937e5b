/*
 * link_fsm.c: the allowed moves of the link state machine, as one table a
 * reviewer can check against DESIGN.md. A move the table lacks is refused;
 * link.c treats that as a bug to log, never as something the wire can force.
 */
#include <stddef.h>

#include "link_state.h"

#define NO	0	/* table hole: LS_STARTING is never a target */

/* Events that may arrive whenever a connection exists or is being made. */
#define LIVE_MOVES							\
	[LE_DOWN_RETRY] = LS_DISCONNECTED,				\
	[LE_DOWN_NOW] = LS_RESTARTING,					\
	[LE_LOGGED_OUT] = LS_LOGGED_OUT,				\
	[LE_GIVE_UP_CONFLICT] = LS_CONFLICT,				\
	[LE_BANNED] = LS_BANNED,					\
	[LE_OUTDATED] = LS_OUTDATED,					\
	[LE_SERVER_FAILURE] = LS_SERVER_FAILURE,			\
	[LE_OPERATOR_RESTART] = LS_RESTARTING

static const unsigned char link_next[LS__MAX][LE__MAX] = {
	[LS_STARTING] = {
		[LE_CONNECT] = LS_CONNECTING,
		[LE_BANNED] = LS_BANNED,	/* a stored ban still running */
		[LE_OPERATOR_RESTART] = LS_RESTARTING,
	},
	[LS_CONNECTING] = {
		LIVE_MOVES,
		[LE_PAIR_DEVICE] = LS_QR,
		[LE_LOGIN_OK] = LS_CONNECTED,
		[LE_PASSKEY] = LS_PASSKEY,
	},
	[LS_QR] = {
		LIVE_MOVES,
		[LE_PAIR_DEVICE] = LS_QR,	/* next round on a new socket */
		[LE_QR_PAUSE] = LS_QR,
		[LE_PAIR_SUCCESS] = LS_PAIRING,
		[LE_CONNECT] = LS_QR,		/* new round: stay visible as qr */
		[LE_PASSKEY] = LS_PASSKEY,
	},
	[LS_PAIRING] = {
		LIVE_MOVES,
		[LE_LOGIN_OK] = LS_CONNECTED,
		[LE_PASSKEY] = LS_PASSKEY,
	},
	[LS_CONNECTED] = {
		LIVE_MOVES,
		[LE_PONG_LATE] = LS_UNSTABLE,
		[LE_PONG_OK] = LS_CONNECTED,
	},
	[LS_UNSTABLE] = {
		LIVE_MOVES,
		[LE_PONG_LATE] = LS_UNSTABLE,
		[LE_PONG_OK] = LS_CONNECTED,
	},
	[LS_DISCONNECTED] = {
		LIVE_MOVES,
		[LE_CONNECT] = LS_CONNECTING,
	},
	[LS_RESTARTING] = {
		LIVE_MOVES,
		[LE_CONNECT] = LS_CONNECTING,
	},
	[LS_LOGGED_OUT] = {
		[LE_CONNECT] = LS_CONNECTING,	/* fresh pairing at once */
		[LE_OPERATOR_RESTART] = LS_RESTARTING,
	},
	[LS_CONFLICT] = {
		[LE_OPERATOR_RESTART] = LS_RESTARTING,
	},
	[LS_BANNED] = {
		[LE_CONNECT] = LS_CONNECTING,	/* the ban expired */
		[LE_OPERATOR_RESTART] = LS_RESTARTING,
	},
	[LS_OUTDATED] = {
		[LE_OPERATOR_RESTART] = LS_RESTARTING,
	},
	[LS_PASSKEY] = {
		[LE_OPERATOR_RESTART] = LS_RESTARTING,
	},
	[LS_SERVER_FAILURE] = {
		[LE_OPERATOR_RESTART] = LS_RESTARTING,
	},
};

enum link_state
link_fsm_next(enum link_state from, enum link_event ev)
{
	unsigned char to;

	if ((unsigned)from >= LS__MAX || (unsigned)ev >= LE__MAX)
		return LS__MAX;
	to = link_next[from][ev];
	return to == NO ? LS__MAX : (enum link_state)to;
}

/*
 * The connection phases. A close asked for twice, or on no socket, is
 * refused: the first reason stays (link.c keeps it with the phase).
 */
#define CLOSE_MOVES							\
	[CE_CLOSE] = CP_CLOSING + 1,					\
	[CE_CLOSED] = CP_IDLE + 1,					\
	[CE_STOP] = CP_STOPPING + 1

/* Stored +1 so that 0 marks a hole (CP_IDLE is 0). */
static const unsigned char conn_next[CP__MAX][CE__MAX] = {
	[CP_IDLE] = {
		[CE_DIAL] = CP_CONNECTING + 1,
		[CE_STOP] = CP_STOPPED + 1,	/* no socket: stopped at once */
	},
	[CP_CONNECTING] = {
		CLOSE_MOVES,
		[CE_WS_OPEN] = CP_HANDSHAKE + 1,
	},
	[CP_HANDSHAKE] = {
		CLOSE_MOVES,
		[CE_NOISE_DONE] = CP_TRANSPORT + 1,
	},
	[CP_TRANSPORT] = {
		CLOSE_MOVES,
		[CE_LOGIN] = CP_LOGGED_IN + 1,
	},
	[CP_LOGGED_IN] = {
		CLOSE_MOVES,
	},
	[CP_CLOSING] = {
		[CE_CLOSED] = CP_IDLE + 1,
		[CE_STOP] = CP_STOPPING + 1,	/* closing already: wait for it */
	},
	[CP_STOPPING] = {
		[CE_CLOSED] = CP_STOPPED + 1,
	},
	[CP_STOPPED] = { 0 },	/* the end: nothing leaves it */
};

enum conn_phase
link_conn_next(enum conn_phase from, enum conn_event ev)
{
	if ((unsigned)from >= CP__MAX || (unsigned)ev >= CE__MAX ||
	    conn_next[from][ev] == 0)
		return CP__MAX;
	return (enum conn_phase)(conn_next[from][ev] - 1);
}

static const char *const phase_names[CP__MAX] = {
	[CP_IDLE] = "idle",
	[CP_CONNECTING] = "connecting",
	[CP_HANDSHAKE] = "handshake",
	[CP_TRANSPORT] = "transport",
	[CP_LOGGED_IN] = "logged-in",
	[CP_CLOSING] = "closing",
	[CP_STOPPING] = "stopping",
	[CP_STOPPED] = "stopped",
};

const char *
link_conn_phase_name(enum conn_phase p)
{
	return (unsigned)p < CP__MAX ? phase_names[p] : "invalid";
}

static const char *const state_names[LS__MAX] = {
	[LS_STARTING] = "starting",
	[LS_CONNECTING] = "connecting",
	[LS_QR] = "qr",
	[LS_PAIRING] = "pairing",
	[LS_CONNECTED] = "connected",
	[LS_UNSTABLE] = "unstable",
	[LS_DISCONNECTED] = "disconnected",
	[LS_RESTARTING] = "restarting",
	[LS_LOGGED_OUT] = "logged_out",
	[LS_CONFLICT] = "conflict",
	[LS_BANNED] = "banned",
	[LS_OUTDATED] = "outdated",
	[LS_PASSKEY] = "passkey_required",
	[LS_SERVER_FAILURE] = "server_failure",
};

const char *
link_state_name(enum link_state s)
{
	return (unsigned)s < LS__MAX ? state_names[s] : "invalid";
}

static const char *const indicators[LS__MAX] = {
	[LS_STARTING] = "connecting",
	[LS_CONNECTING] = "connecting",
	[LS_QR] = "connecting",
	[LS_PAIRING] = "connecting",
	[LS_CONNECTED] = "connected",
	[LS_UNSTABLE] = "unstable",
	[LS_DISCONNECTED] = "disconnected",
	[LS_RESTARTING] = "restarting",
	[LS_LOGGED_OUT] = "disconnected",
	[LS_CONFLICT] = "disconnected",
	[LS_BANNED] = "disconnected",
	[LS_OUTDATED] = "disconnected",
	[LS_PASSKEY] = "disconnected",
	[LS_SERVER_FAILURE] = "disconnected",
};

const char *
link_state_indicator(enum link_state s)
{
	return (unsigned)s < LS__MAX ? indicators[s] : "disconnected";
}

bool
link_state_needs_person(enum link_state s, bool qr_paused)
{
	switch (s) {
	case LS_LOGGED_OUT:
	case LS_CONFLICT:
	case LS_BANNED:
	case LS_OUTDATED:
	case LS_PASSKEY:
	case LS_SERVER_FAILURE:
		return true;
	case LS_QR:
		return qr_paused;
	default:
		return false;
	}
}

static const char *const reason_names[REASON__MAX] = {
	[REASON_NONE] = "NONE",
	[REASON_NAVIGATION] = "NAVIGATION",
	[REASON_TIMEOUT] = "TIMEOUT",
	[REASON_CONFLICT] = "CONFLICT",
	[REASON_LOGOUT] = "LOGOUT",
	[REASON_BAN] = "BAN",
	[REASON_OUTDATED] = "OUTDATED",
	[REASON_UNKNOWN] = "UNKNOWN",
};

const char *
link_reason_name(enum link_reason r)
{
	return (unsigned)r < REASON__MAX ? reason_names[r] : "UNKNOWN";
}

static const char *const event_names[LE__MAX] = {
	[LE_NONE] = "none",
	[LE_CONNECT] = "connect",
	[LE_PAIR_DEVICE] = "pair-device",
	[LE_QR_PAUSE] = "qr-pause",
	[LE_PAIR_SUCCESS] = "pair-success",
	[LE_LOGIN_OK] = "login-ok",
	[LE_PONG_LATE] = "pong-late",
	[LE_PONG_OK] = "pong-ok",
	[LE_DOWN_RETRY] = "down-retry",
	[LE_DOWN_NOW] = "down-now",
	[LE_LOGGED_OUT] = "logged-out",
	[LE_GIVE_UP_CONFLICT] = "give-up-conflict",
	[LE_BANNED] = "banned",
	[LE_OUTDATED] = "outdated",
	[LE_OPERATOR_RESTART] = "operator-restart",
	[LE_PASSKEY] = "passkey",
	[LE_SERVER_FAILURE] = "server-failure",
};

const char *
link_event_name(enum link_event e)
{
	return (unsigned)e < LE__MAX ? event_names[e] : "invalid";
}
