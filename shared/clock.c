/* clock.c: see clock.h. */
#include <stdio.h>
#include <time.h>

#include "clock.h"

static uint64_t
read_ms(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t
clock_mono_ms(void)
{
	return read_ms(CLOCK_MONOTONIC);
}

uint64_t
clock_wall_ms(void)
{
	return read_ms(CLOCK_REALTIME);
}

bool
clock_iso8601(uint64_t ms, char out[CLOCK_ISO_LEN])
{
	struct tm tm;
	time_t t;

	if (ms == 0 || ms / 1000 > 253402300799ULL)	/* 9999-12-31T23:59:59Z */
		return false;
	t = (time_t)(ms / 1000);
	if (gmtime_r(&t, &tm) == NULL)
		return false;
	/* 19 characters for years 0000-9999, then ".mmmZ" and the NUL */
	if (strftime(out, CLOCK_ISO_LEN, "%Y-%m-%dT%H:%M:%S", &tm) != 19)
		return false;
	snprintf(out + 19, CLOCK_ISO_LEN - 19, ".%03uZ", (unsigned)(ms % 1000));
	return true;
}
