/*
 * fuzz_whitelist_file: the whitelist file loader on arbitrary bytes
 * (STYLE.md rule 17). A refused file must leave the list and its report
 * as they were, with a reason; an accepted one must hold only valid,
 * distinct, findable numbers, and a report whose kept lines are numbered
 * within the file and have a reason. Memory only: nothing is written.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "phone.h"
#include "whitelist/whitelist.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_list(const struct whitelist *wl)
{
	size_t cur = 0, n = 0;
	const char *num;

	while ((num = whitelist_next(wl, &cur)) != NULL) {
		if (!phone_is_valid(num) || !whitelist_has(wl, num))
			abort();
		n++;
	}
	if (n != whitelist_count(wl))
		abort();
}

static void
check_report(const struct whitelist *wl, const uint8_t *data, size_t size)
{
	const struct whitelist_report *r = whitelist_report(wl);
	size_t i, lines = 1;

	for (i = 0; i < size; i++)
		lines += data[i] == '\n';
	if (r->kept > WHITELIST_REJECTS_KEPT || r->kept > r->rejected ||
	    (r->rejected > 0 && r->kept == 0) || r->in_file != (r->rejected > 0))
		abort();
	for (i = 0; i < r->kept; i++)
		if (r->lines[i].line < 1 || r->lines[i].line > lines ||
		    r->lines[i].reason == NULL || r->lines[i].reason[0] == '\0')
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char seed[] = "[\"971501476598\"]";
	char why[WHITELIST_WHY_MAX];
	struct whitelist *wl;

	if ((wl = whitelist_new(NULL)) == NULL)
		return 0;
	if (whitelist_load_buf(wl, seed, sizeof(seed) - 1, why) != 0)
		abort();
	if (whitelist_load_buf(wl, (const char *)data, size, why) != 0) {
		/* refused: the previous list stands, and we say why */
		if (whitelist_count(wl) != 1 ||
		    whitelist_report(wl)->rejected != 0 ||
		    !whitelist_has(wl, "971501476598") || why[0] == '\0' ||
		    memchr(why, '\0', sizeof(why)) == NULL)
			abort();
	} else {
		check_report(wl, data, size);
	}
	check_list(wl);
	whitelist_free(wl);
	return 0;
}
