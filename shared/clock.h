/*
 * clock.h: the two clocks walink reads. Deadlines, timeouts and round trips
 * use the monotonic clock (protocol-notes §10 pitfall 20: a wall clock that
 * jumps must not fire a keepalive); what people and peers see (heartbeat
 * times, "since", ISO stamps) uses the wall clock.
 */
#ifndef WALINK_CLOCK_H
#define WALINK_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

/* "2025-07-22T12:30:45.123Z" plus the NUL. */
#define CLOCK_ISO_LEN	25

uint64_t	clock_mono_ms(void);
uint64_t	clock_wall_ms(void);	/* Unix epoch milliseconds */

/*
 * ISO 8601 UTC with milliseconds, the seed's lastHeartbeat form. false for
 * 0 (never) and for times past year 9999, which the form cannot hold.
 */
bool		clock_iso8601(uint64_t wall_ms, char out[CLOCK_ISO_LEN]);

#endif
