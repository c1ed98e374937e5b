/*
 * probe.h: what the files of wa-probe share (probe.c runs the commands,
 * probe_print.c formats states and events; shared/qr_text.c draws QR codes).
 * wa-probe is a read-only IPC client (STYLE.md rule 10): it may ask the
 * worker for its state, its QR and a new QR, nothing else.
 *
 * The exit codes are an interface for scripts and container healthchecks.
 */
#ifndef WALINK_PROBE_H
#define WALINK_PROBE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "clock.h"
#include "ipc.h"

enum probe_exit {
	PROBE_CONNECTED = 0,	/* or: the command did what was asked */
	PROBE_NOT_CONNECTED = 1,	/* reachable; not connected yet or now */
	PROBE_NEEDS_PERSON = 2,	/* logged_out, banned, conflict, outdated, passkey_required,
				   server_failure, paused qr, a pairing code that failed */
	PROBE_UNREACHABLE = 3,	/* no answer within the timeout */
	PROBE_USAGE = 64,	/* EX_USAGE (sysexits.h) */
};

/* "connected", "logged_out", ...; "unknown" for a value we do not know. */
const char	*probe_state_name(int state);
/* "TIMEOUT", "NAVIGATION", ...; "UNKNOWN" for a value we do not know. */
const char	*probe_reason_name(int reason);
/* The exit code a state stands for (see enum probe_exit). */
int		 probe_state_exit(const Wlipc__State *);

/* "shown", "wrong_code", ...; and the PairCode as JSON (caller decrefs). */
const char	*probe_pair_code_status_name(int status);
json_t		*probe_pair_code_json(const Wlipc__PairCode *);

/* The API's connectionState fields and the rest of State; caller decrefs. */
json_t		*probe_state_json(const Wlipc__State *);
/* One line: state, number, heartbeat age and rtt, reason, next attempt. */
void		 probe_state_text(FILE *, const Wlipc__State *, uint64_t now_ms);
/*
 * One line per event, text or JSON; *last_seq tracks gaps (0: none yet).
 * QR content is never printed here: `wa-probe qr` is the way to ask.
 */
void		 probe_event_print(FILE *, const Wlipc__Event *, bool json,
		    uint64_t *last_seq);

#endif /* WALINK_PROBE_H */
