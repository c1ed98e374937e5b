/*
 * whitelist_scan.c: the whitelist file read entry by entry (see
 * whitelist_scan.h).
 *
 * jansson parses each entry (JSON_DISABLE_EOF_CHECK stops after one value
 * and reports how many bytes it took), on a window that ends at the end
 * of the entry's line: every entry the file's own writer or any JSON
 * tool puts there is a string, and a string never spans lines, so a
 * broken line cannot swallow the lines after it.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "whitelist_scan.h"
#include "wl_error.h"

struct scan {
	const char	*buf;
	size_t		 len;
	size_t		 pos;
	size_t		 bol;	/* where the current line begins */
	size_t		 eol;	/* its '\n', or len */
	unsigned	 line;
};

static void
scan_line_from(struct scan *s, size_t bol)
{
	const char *nl = memchr(s->buf + bol, '\n', s->len - bol);

	s->bol = bol;
	s->eol = nl != NULL ? (size_t)(nl - s->buf) : s->len;
}

/* Skips blanks, line ends and, with commas set, ',' too. */
static void
scan_skip(struct scan *s, bool commas)
{
	while (s->pos < s->len) {
		char c = s->buf[s->pos];

		if (c == '\n') {
			s->pos++;
			s->line++;
			scan_line_from(s, s->pos);
		} else if (c == ' ' || c == '\t' || c == '\r' ||
		    (commas && c == ',')) {
			s->pos++;
		} else {
			break;
		}
	}
}

static unsigned
scan_column(const struct scan *s)
{
	return (unsigned)(s->pos - s->bol + 1);
}

int
wl_scan(const char *buf, size_t len, wl_scan_entry_fn *on_entry,
    wl_scan_reject_fn *on_reject, void *arg, char *why, size_t whylen)
{
	struct scan s = { .buf = buf, .len = len, .line = 1 };
	bool skipped_bracket = false;
	json_error_t jerr;
	json_t *v;
	int rc;

	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		s.pos = 3;	/* the BOM some Windows editors write */
	scan_line_from(&s, 0);
	scan_skip(&s, false);
	if (s.pos == len) {
		snprintf(why, whylen, "empty: an empty whitelist is []");
		return -WL_EBADFILE;
	}
	if (buf[s.pos] != '[') {
		snprintf(why, whylen, "not a JSON array: line %u does not "
		    "start with '['", s.line);
		return -WL_EBADFILE;
	}
	s.pos++;
	for (;;) {
		scan_skip(&s, true);
		if (s.pos == len) {
			if (!skipped_bracket)
				on_reject(arg, s.line, scan_column(&s),
				    "the closing ']' is missing: is the file "
				    "cut short?");
			return 0;
		}
		if (buf[s.pos] == ']')
			break;
		v = json_loadb(buf + s.pos, s.eol - s.pos,
		    JSON_DECODE_ANY | JSON_DISABLE_EOF_CHECK, &jerr);
		if (v == NULL) {
			on_reject(arg, s.line, scan_column(&s),
			    "not valid JSON: this entry and the rest of its "
			    "line are skipped");
			skipped_bracket = memchr(buf + s.pos, ']',
			    s.eol - s.pos) != NULL;
			s.pos = s.eol;
			continue;
		}
		skipped_bracket = false;
		rc = on_entry(arg, s.line, v);
		json_decref(v);
		if (rc < 0)
			return rc;
		/* never 0 after a value; guarded so the loop always moves */
		s.pos += jerr.position > 0 ? (size_t)jerr.position :
		    s.eol - s.pos;
	}
	s.pos++;
	scan_skip(&s, false);
	if (s.pos < len)
		on_reject(arg, s.line, scan_column(&s),
		    "text after the closing ']' is ignored");
	return 0;
}
