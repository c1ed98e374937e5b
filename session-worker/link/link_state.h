/*
 * link_state.h: the link's states, the events that move it and the
 * disconnect reasons, as data (STYLE.md rule 2). The numbering of states and
 * reasons equals wlipc.LinkState / wlipc.Reason in proto/ipc.proto, so they
 * cross the IPC boundary without a mapping table.
 *
 * link_fsm.c owns the transition table; link_policy.c owns the strategy
 * for each disconnect reason (DESIGN.md "Link states and disconnect
 * strategies"). Neither does I/O: link.c runs them on the event loop.
 */
#ifndef WALINK_LINK_STATE_H
#define WALINK_LINK_STATE_H

#include <stdbool.h>
#include <stdint.h>

enum link_state {
	LS_STARTING = 0,
	LS_CONNECTING = 1,
	LS_QR = 2,		/* waiting for the phone to scan */
	LS_PAIRING = 3,		/* scanned, finishing */
	LS_CONNECTED = 4,
	LS_UNSTABLE = 5,	/* keepalive late or missed */
	LS_DISCONNECTED = 6,	/* waiting before a reconnect */
	LS_RESTARTING = 7,
	LS_LOGGED_OUT = 8,
	LS_CONFLICT = 9,	/* replaced elsewhere too often: given up */
	LS_BANNED = 10,
	LS_OUTDATED = 11,
	LS_PASSKEY = 12,	/* WhatsApp demands a passkey step: a person must act */
	LS_SERVER_FAILURE = 13,	/* a <failure> code we do not know: stopped */
	LS__MAX
};

enum link_event {
	LE_NONE = 0,
	LE_CONNECT,		/* a connection attempt starts */
	LE_PAIR_DEVICE,		/* server sent refs: show a QR */
	LE_QR_PAUSE,		/* unscanned rounds exhausted: stay in qr, paused */
	LE_PAIR_SUCCESS,	/* phone scanned; verifying and replying */
	LE_LOGIN_OK,		/* <success> */
	LE_PONG_LATE,
	LE_PONG_OK,
	LE_DOWN_RETRY,		/* link down; a reconnect is planned */
	LE_DOWN_NOW,		/* link down; reconnect at once (515, restart) */
	LE_LOGGED_OUT,		/* session archived; fresh pairing follows */
	LE_GIVE_UP_CONFLICT,
	LE_BANNED,
	LE_OUTDATED,
	LE_OPERATOR_RESTART,	/* IPC restart / new QR: leaves any stop state */
	LE_PASSKEY,		/* passkey_prologue_request while linking */
	LE_SERVER_FAILURE,	/* <failure reason=…> we do not know: no retry */
	LE__MAX
};

enum link_reason {
	REASON_NONE = 0,
	REASON_NAVIGATION = 1,	/* 515 restart required, 500/503 */
	REASON_TIMEOUT = 2,	/* timeouts, keepalive, dropped socket, 408/428 */
	REASON_CONFLICT = 3,	/* 440 replaced */
	REASON_LOGOUT = 4,	/* 401, 403, device_removed */
	REASON_BAN = 5,		/* 402 temporary ban */
	REASON_OUTDATED = 6,	/* 405 */
	REASON_UNKNOWN = 7,
	REASON__MAX
};

/*
 * The connection beneath the state: one socket at a time, from the dial to
 * the close callback. The state above says what the operator sees; the
 * phase says what the socket can carry (a stanza only from CP_TRANSPORT,
 * a bot's send only in CP_LOGGED_IN). link_conn_next() is its table.
 * Shutting down is part of it: CE_STOP leads every phase to CP_STOPPING
 * (a socket still to close) or CP_STOPPED, which no event leaves, so no
 * reconnect, dial or operator request can follow a SIGTERM.
 */
enum conn_phase {
	CP_IDLE = 0,		/* no socket */
	CP_CONNECTING,		/* WebSocket opening */
	CP_HANDSHAKE,		/* client hello sent, waiting for server hello */
	CP_TRANSPORT,		/* Noise done; stanzas flow; not logged in */
	CP_LOGGED_IN,		/* <success> came: the link is up */
	CP_CLOSING,		/* we asked the socket to close */
	CP_STOPPING,		/* shutting down: the socket closes, none follows */
	CP_STOPPED,		/* shut down: no socket, and never another */
	CP__MAX
};

enum conn_event {
	CE_DIAL = 0,		/* a WebSocket connect starts */
	CE_WS_OPEN,		/* the WebSocket is open: send the hello */
	CE_NOISE_DONE,		/* the handshake finished */
	CE_LOGIN,		/* <success> */
	CE_CLOSE,		/* we close it (link_close): the first reason wins */
	CE_CLOSED,		/* the socket is gone, whoever closed it */
	CE_STOP,		/* link_shutdown(): from any phase, once */
	CE__MAX
};

/* Why we close a connection ourselves; CI_NONE: the peer or the network did. */
enum close_intent {
	CI_NONE = 0,
	CI_FAULT,		/* a reason for the policy: link_fail() */
	CI_QR_ROUND,		/* last ref expired: new pairing round */
	CI_RESTART,		/* operator restart, or 515 after pairing */
	CI_LOGOUT,		/* operator logout */
	CI_SHUTDOWN,		/* SIGTERM */
	CI_PASSKEY,		/* a passkey step was demanded: stop, tell the operator */
};

/* Lower-case state names as DESIGN.md spells them ("logged_out"). */
const char	*link_state_name(enum link_state);
/* Upper-case reason names as the seed spells them ("NAVIGATION"). */
const char	*link_reason_name(enum link_reason);
const char	*link_event_name(enum link_event);

/*
 * The seed's five dashboard indicators: "connected", "connecting",
 * "disconnected", "unstable", "restarting" (DESIGN.md).
 */
const char	*link_state_indicator(enum link_state);

/* True in states that wait for a person (probe exit code 2). */
bool		 link_state_needs_person(enum link_state, bool qr_paused);

/*
 * The state an event leads to from a state, or LS__MAX when the table
 * refuses the move. Pure: link.c applies it and logs the transition.
 */
enum link_state	 link_fsm_next(enum link_state, enum link_event);

/* The phase an event leads to, or CP__MAX when the move is refused. */
enum conn_phase	 link_conn_next(enum conn_phase, enum conn_event);
const char	*link_conn_phase_name(enum conn_phase);

#endif
