/*
 * whitelist_log.c: tells the operator, in the log, what a load of the
 * whitelist file left out (whitelist.h: whitelist_log_report). Apart from
 * whitelist.c so that the set itself stays free of logging; it prints
 * line numbers and reasons, never the entries (numbers of customers).
 */
#include <stdio.h>

#include "log.h"
#include "whitelist.h"

/* How many rejected lines are logged one by one; the rest are counted. */
#define WL_LOG_LINES	20

void
whitelist_log_report(const struct whitelist *wl, const char *path)
{
	const struct whitelist_report *r = whitelist_report(wl);
	char col[32];
	size_t i;

	for (i = 0; i < r->kept && i < WL_LOG_LINES; i++) {
		col[0] = '\0';
		if (r->lines[i].column > 0)
			snprintf(col, sizeof(col), " column %u",
			    r->lines[i].column);
		log_warnx("whitelist %s line %u%s not served: %s", path,
		    r->lines[i].line, col, r->lines[i].reason);
	}
	if (r->rejected > WL_LOG_LINES)
		log_warnx("whitelist %s: %zu more rejected lines not listed "
		    "here (GET /api/whitelist shows the first %d)", path,
		    r->rejected - WL_LOG_LINES, WHITELIST_REJECTS_KEPT);
	if (r->rejected > 0)
		log_warnx("WHITELIST %s: %zu LINES REJECTED, %zu numbers "
		    "served; fix the lines and reload (kill -HUP)", path,
		    r->rejected, whitelist_count(wl));
	if (r->duplicates > 0)
		log_info("whitelist %s: %zu repeated entries dropped", path,
		    r->duplicates);
}
