/*
 * whitelist_scan.h: reads the whitelist file (a JSON array of strings,
 * whitelist.h) entry by entry, so that one bad line costs that line, not
 * the whole list. Private to whitelist/.
 *
 * The file must open with '[' (after blanks and a UTF-8 BOM); anything
 * else is not a whitelist and is refused whole. Inside the array each
 * entry is read on its own line window: a line that is not JSON is
 * reported (with its line and column) and skipped, and reading resumes on
 * the next line; a missing or extra comma loses nothing and is accepted;
 * a missing ']' and text after it are reported. Line numbers count '\n'
 * from 1, so CRLF files number as an editor does. Linear in the file's
 * size: no byte is parsed twice.
 */
#ifndef WALINK_WHITELIST_SCAN_H
#define WALINK_WHITELIST_SCAN_H

#include <stddef.h>

#include <jansson.h>

/* An entry (any JSON value) at line; return < 0 to stop the scan. */
typedef int	wl_scan_entry_fn(void *arg, unsigned line, json_t *value);
/* A line (or its rest, from column, 1-based) not used, and why. */
typedef void	wl_scan_reject_fn(void *arg, unsigned line, unsigned column,
		    const char *reason);

/*
 * 0 when the array was read (whatever was rejected), the first negative
 * value on_entry returned, or -WL_EBADFILE with why (size whylen) when
 * the bytes are not an array at all.
 */
int	wl_scan(const char *buf, size_t len, wl_scan_entry_fn *on_entry,
	    wl_scan_reject_fn *on_reject, void *arg, char *why, size_t whylen);

#endif /* WALINK_WHITELIST_SCAN_H */
