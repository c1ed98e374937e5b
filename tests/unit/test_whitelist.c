/*
 * test_whitelist: the worker's whitelist file and operations. Loads of
 * good, bad, corrupt and huge files (an invalid line costs that line
 * alone and is reported with its number; a file that is no array at all
 * is refused and leaves the list as it was), each operation with its errors, saves that keep the previous
 * version, undo when a save fails, bulk replace all-or-nothing, and
 * 100 000 numbers.
 */
#include "whitelist/whitelist.h"

#include <sys/stat.h>

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <setjmp.h>
#include <cmocka.h>
#include <jansson.h>

#include "atomicfile.h"
#include "wl_error.h"
#include "testdir.h"

struct fx {
	char			 dir[64];
	char			 path[128];
	char			 bak[160];
	struct whitelist	*wl;
	char			 why[WHITELIST_WHY_MAX];
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	if (testdir_make(f->dir, sizeof(f->dir), "whitelist") < 0)
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/" WHITELIST_FILE_NAME, f->dir);
	snprintf(f->bak, sizeof(f->bak), "%s.bak", f->path);
	if ((f->wl = whitelist_new(f->path)) == NULL)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	atomicfile_fault_clear();
	whitelist_free(f->wl);
	if (testdir_remove(f->dir) < 0)
		return -1;
	free(f);
	return 0;
}

/* The list joined by commas, in iteration order; caller frees. */
static char *
joined(const struct whitelist *wl)
{
	size_t cur = 0, n = 0, cap = whitelist_count(wl) * 16 + 1;
	char *s = malloc(cap);
	const char *num;

	assert_non_null(s);
	s[0] = '\0';
	while ((num = whitelist_next(wl, &cur)) != NULL)
		n += (size_t)snprintf(s + n, cap - n, "%s%s", n ? "," : "",
		    num);
	return s;
}

static void
assert_list(const struct whitelist *wl, const char *want)
{
	char *got = joined(wl);

	assert_string_equal(got, want);
	free(got);
}

/* The file parsed back, joined by commas. */
static void
assert_file(const char *path, const char *want)
{
	json_error_t err;
	json_t *a = json_load_file(path, 0, &err), *e;
	char got[1024] = "";
	size_t i, n = 0;

	assert_non_null(a);
	assert_true(json_is_array(a));
	json_array_foreach(a, i, e)
		n += (size_t)snprintf(got + n, sizeof(got) - n, "%s%s",
		    n ? "," : "", json_string_value(e));
	json_decref(a);
	assert_string_equal(got, want);
}

static void
load_ok(struct fx *f, const char *content)
{
	testdir_put(f->path, content);
	assert_int_equal(whitelist_load(f->wl, f->why), 0);
}

/* Loading content must fail with rc, why containing want, list as was. */
static void
load_refused(struct fx *f, const char *content, int rc, const char *want)
{
	load_ok(f, "[\"971501476598\"]");
	testdir_put(f->path, content);
	assert_int_equal(whitelist_load(f->wl, f->why), rc);
	if (strstr(f->why, want) == NULL)
		fail_msg("why \"%s\" lacks \"%s\"", f->why, want);
	assert_list(f->wl, "971501476598");
}

static void
test_whitelist_missing_file_is_empty_and_not_created(void **state)
{
	struct fx *f = *state;

	assert_int_equal(whitelist_load(f->wl, f->why), 0);
	assert_int_equal(whitelist_count(f->wl), 0);
	assert_int_equal(access(f->path, F_OK), -1);
}

static void
test_whitelist_loads_seed_format_in_file_order(void **state)
{
	struct fx *f = *state;

	load_ok(f, "[\n  \"971501476598\",\n  \"14155550100\"\n]\n");
	assert_int_equal(whitelist_count(f->wl), 2);
	assert_list(f->wl, "971501476598,14155550100");
	assert_true(whitelist_has(f->wl, "14155550100"));
	assert_true(whitelist_has(f->wl, "+971 50-147 6598"));
	assert_false(whitelist_has(f->wl, "14155550101"));
	assert_false(whitelist_has(f->wl, "not a number"));
	assert_false(whitelist_has(f->wl, NULL));
}

static void
test_whitelist_load_normalises_entries_and_drops_duplicates(void **state)
{
	struct fx *f = *state;

	load_ok(f, "[\"+971 50-147 6598\", \"971501476598\", \"(415) 555-0100 1\"]");
	assert_list(f->wl, "971501476598,41555501001");
}

static void
test_whitelist_loads_empty_array(void **state)
{
	struct fx *f = *state;

	load_ok(f, "[\"971501476598\"]");
	load_ok(f, "[]");
	assert_int_equal(whitelist_count(f->wl), 0);
}

/* The report holds exactly these lines (each "LINE:COLUMN:reason"). */
static void
assert_rejects(const struct whitelist *wl, size_t n, const char *const *want)
{
	const struct whitelist_report *r = whitelist_report(wl);
	char got[256];
	size_t i;

	assert_int_equal(r->rejected, n);
	assert_int_equal(r->kept, n);
	for (i = 0; i < n; i++) {
		snprintf(got, sizeof(got), "%u:%u:%s", r->lines[i].line,
		    r->lines[i].column, r->lines[i].reason);
		assert_string_equal(got, want[i]);
	}
}

static void
test_whitelist_serves_valid_lines_and_reports_each_invalid_one(void **state)
{
	static const char *const want[] = {
		"3:0:starts with 0: begin with the country code",
		"4:0:has letters",
		("5:3:not valid JSON: this entry and the rest of its line are "
		    "skipped"),
		"6:0:a number without quotes: write it as a string",
		"9:0:too long: more than 15 digits",
	};
	struct fx *f = *state;
	char *buf, *p;
	size_t i;

	/* CRLF line ends, as a Windows editor saves them */
	buf = malloc(20000 + 512);
	assert_non_null(buf);
	p = buf + sprintf(buf, "[\r\n"
	    "  \"4915112345678\",\r\n"		/* 2 */
	    "  \"0612345678\",\r\n"		/* 3: a national number */
	    "  \"call me maybe\",\r\n"		/* 4 */
	    "  oops, \"15550009999\",\r\n"	/* 5: garbage, then a number */
	    "  15550001111,\r\n"		/* 6 */
	    "  \"+1 555 000 2222\",\r\n"	/* 7 */
	    "  \"4915112345678\",\r\n"		/* 8: a repeat */
	    "  \"");				/* 9: 20 000 digits */
	for (i = 0; i < 20000; i++)
		*p++ = (char)('1' + i % 9);
	strcpy(p, "\",\r\n  \"971501476598\"\r\n]\r\n");	/* 10 */
	load_ok(f, buf);
	free(buf);
	assert_string_equal(f->why, "");
	assert_list(f->wl, "4915112345678,15550002222,971501476598");
	assert_false(whitelist_has(f->wl, "15550009999"));	/* skipped */
	assert_rejects(f->wl, 5, want);
	assert_int_equal(whitelist_report(f->wl)->duplicates, 1);
	assert_true(whitelist_report(f->wl)->in_file);
}

static void
test_whitelist_one_line_file_loses_only_the_rest_of_that_line(void **state)
{
	static const char *const want[] = {
		"1:19:not valid JSON: this entry and the rest of its line are "
		    "skipped",
	};
	struct fx *f = *state;

	load_ok(f, "[\"4915112345678\", {oops, \"15550002222\"]");
	assert_list(f->wl, "4915112345678");
	assert_rejects(f->wl, 1, want);	/* and no "']' is missing" */
}

static void
test_whitelist_cut_short_file_serves_what_it_has(void **state)
{
	static const char *const want[] = {
		"3:1:the closing ']' is missing: is the file cut short?",
	};
	struct fx *f = *state;

	load_ok(f, "[\n\"971501476598\",\n");
	assert_list(f->wl, "971501476598");
	assert_rejects(f->wl, 1, want);
}

static void
test_whitelist_reports_text_after_the_array(void **state)
{
	static const char *const want[] = {
		"2:1:text after the closing ']' is ignored",
	};
	struct fx *f = *state;

	load_ok(f, "[\"971501476598\"]\n\"14155550100\"\n");
	assert_list(f->wl, "971501476598");
	assert_rejects(f->wl, 1, want);
}

static void
test_whitelist_accepts_bom_and_stray_commas(void **state)
{
	struct fx *f = *state;

	load_ok(f, "\xef\xbb\xbf[\"971501476598\",,\n\"14155550100\"\n"
	    "\"442079460958\",]");
	assert_list(f->wl, "971501476598,14155550100,442079460958");
	assert_rejects(f->wl, 0, NULL);
	assert_false(whitelist_report(f->wl)->in_file);
}

static void
test_whitelist_survives_a_long_garbage_line(void **state)
{
	struct fx *f = *state;
	size_t n = 1u << 20, i;
	char *buf = malloc(n + 64), *p = buf;

	assert_non_null(buf);
	p += sprintf(p, "[\n");
	for (i = 0; i < n; i++)	/* 1 MiB of '[': deeper than any parser */
		*p++ = '[';
	strcpy(p, "\n\"971501476598\"\n]\n");
	load_ok(f, buf);
	free(buf);
	assert_list(f->wl, "971501476598");
	assert_int_equal(whitelist_report(f->wl)->rejected, 1);
	assert_int_equal(whitelist_report(f->wl)->lines[0].line, 2);
}

static void
test_whitelist_counts_every_rejected_line_keeps_the_first(void **state)
{
	struct fx *f = *state;
	size_t n = WHITELIST_REJECTS_KEPT + 50, i;
	char *buf = malloc(n * 8 + 64), *p = buf;
	const struct whitelist_report *r;

	assert_non_null(buf);
	p += sprintf(p, "[\"971501476598\"");
	for (i = 0; i < n; i++)
		p += sprintf(p, ",\n\"123\"");
	strcpy(p, "]");
	load_ok(f, buf);
	free(buf);
	r = whitelist_report(f->wl);
	assert_int_equal(r->rejected, n);
	assert_int_equal(r->kept, WHITELIST_REJECTS_KEPT);
	assert_int_equal(r->lines[WHITELIST_REJECTS_KEPT - 1].line,
	    WHITELIST_REJECTS_KEPT + 1);
	assert_list(f->wl, "971501476598");
}

static void
test_whitelist_first_save_after_rejects_keeps_them_in_bak(void **state)
{
	struct fx *f = *state;
	const char *orig = "[\"971501476598\",\n\"0612345678\"]";
	char back[64] = "";
	FILE *fp;

	load_ok(f, orig);
	assert_int_equal(whitelist_add(f->wl, "14155550100", NULL, NULL), 0);
	assert_false(whitelist_report(f->wl)->in_file);
	assert_int_equal(whitelist_report(f->wl)->rejected, 1);	/* still told */
	assert_file(f->path, "971501476598,14155550100");
	fp = fopen(f->bak, "r");
	assert_non_null(fp);
	assert_non_null(fgets(back, sizeof(back), fp));
	assert_int_equal(fclose(fp), 0);
	assert_string_equal(back, "[\"971501476598\",\n");
	/* a reload reads the saved file: nothing left to report */
	assert_int_equal(whitelist_load(f->wl, f->why), 0);
	assert_int_equal(whitelist_report(f->wl)->rejected, 0);
}

static void
test_whitelist_replace_empties_the_report(void **state)
{
	struct fx *f = *state;
	const char *one[] = { "14155550100" };

	load_ok(f, "[\"0612345678\"]");
	assert_int_equal(whitelist_report(f->wl)->rejected, 1);
	assert_int_equal(whitelist_replace(f->wl, one, 1, NULL, NULL), 0);
	assert_int_equal(whitelist_report(f->wl)->rejected, 0);
	assert_false(whitelist_report(f->wl)->in_file);
}

static void
test_whitelist_refused_reload_keeps_list_and_report(void **state)
{
	struct fx *f = *state;

	load_ok(f, "[\"971501476598\", \"0612345678\"]");
	testdir_put(f->path, "{\"numbers\": []}");
	assert_int_equal(whitelist_load(f->wl, f->why), -WL_EBADFILE);
	assert_list(f->wl, "971501476598");
	assert_int_equal(whitelist_report(f->wl)->rejected, 1);
}

static void
test_whitelist_refuses_empty_file_and_keeps_list(void **state)
{
	load_refused(*state, " \r\n", -WL_EBADFILE, "empty");
}

static void
test_whitelist_refuses_non_array_and_keeps_list(void **state)
{
	load_refused(*state, "{\"numbers\": []}", -WL_EBADFILE,
	    "not a JSON array: line 1");
}

static void
test_whitelist_refuses_file_over_max_and_keeps_list(void **state)
{
	struct fx *f = *state;
	FILE *fp;
	size_t i;

	load_ok(f, "[\"971501476598\"]");
	fp = fopen(f->path, "w");
	assert_non_null(fp);
	fputc('[', fp);
	for (i = 0; i <= WHITELIST_FILE_MAX; i += 16)
		fputs("               ", fp), fputc(' ', fp);
	fputc(']', fp);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(whitelist_load(f->wl, f->why), -EFBIG);
	assert_non_null(strstr(f->why, "larger than"));
	assert_list(f->wl, "971501476598");
}

static void
test_whitelist_refuses_directory_in_place_of_file(void **state)
{
	struct fx *f = *state;

	assert_int_equal(mkdir(f->path, 0700), 0);
	assert_int_equal(whitelist_load(f->wl, f->why), -EISDIR);
	assert_true(f->why[0] != '\0');
}

/* n distinct 12-digit numbers as a JSON array file. */
static void
put_numbers(const char *path, size_t n)
{
	FILE *fp = fopen(path, "w");
	size_t i;

	assert_non_null(fp);
	fputc('[', fp);
	for (i = 0; i < n; i++)
		fprintf(fp, "%s\"9715%08zu\"", i ? "," : "", i);
	fputc(']', fp);
	assert_int_equal(fclose(fp), 0);
}

static void
test_whitelist_loads_maximum_count(void **state)
{
	struct fx *f = *state;

	put_numbers(f->path, WHITELIST_MAX);
	assert_int_equal(whitelist_load(f->wl, f->why), 0);
	assert_int_equal(whitelist_count(f->wl), WHITELIST_MAX);
	assert_true(whitelist_has(f->wl, "971500099999"));
}

static void
test_whitelist_serves_maximum_and_rejects_the_rest(void **state)
{
	static const char *const want[] = {
		"1:0:beyond the limit of 100000 numbers",
	};
	struct fx *f = *state;

	put_numbers(f->path, WHITELIST_MAX + 1);
	assert_int_equal(whitelist_load(f->wl, f->why), 0);
	assert_int_equal(whitelist_count(f->wl), WHITELIST_MAX);
	assert_false(whitelist_has(f->wl, "971500100000"));
	assert_rejects(f->wl, 1, want);
}

static void
test_whitelist_add_normalises_and_saves_mode_0600(void **state)
{
	struct fx *f = *state;
	char out[PHONE_BUF];
	struct stat st;

	assert_int_equal(whitelist_add(f->wl, "+971 50-147 6598", out, NULL),
	    0);
	assert_string_equal(out, "971501476598");
	assert_int_equal(whitelist_add(f->wl, "14155550100", NULL, NULL), 0);
	assert_file(f->path, "971501476598,14155550100");
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_list(f->wl, "971501476598,14155550100");
}

static void
test_whitelist_save_keeps_previous_version_as_bak(void **state)
{
	struct fx *f = *state;

	assert_int_equal(whitelist_add(f->wl, "971501476598", NULL, NULL), 0);
	assert_int_equal(whitelist_add(f->wl, "14155550100", NULL, NULL), 0);
	assert_file(f->bak, "971501476598");
	assert_file(f->path, "971501476598,14155550100");
}

static void
test_whitelist_add_duplicate_is_eexist(void **state)
{
	struct fx *f = *state;
	char out[PHONE_BUF];

	assert_int_equal(whitelist_add(f->wl, "971501476598", NULL, NULL), 0);
	assert_int_equal(whitelist_add(f->wl, "+971 501 476 598", out, NULL),
	    -EEXIST);
	assert_string_equal(out, "971501476598");
	assert_int_equal(whitelist_count(f->wl), 1);
}

static void
test_whitelist_add_invalid_gives_reason(void **state)
{
	struct fx *f = *state;
	const char *reason = NULL;

	assert_int_equal(whitelist_add(f->wl, "97150abc", NULL, &reason),
	    -WL_EBADNUMBER);
	assert_string_equal(reason, "has letters");
	assert_int_equal(access(f->path, F_OK), -1);	/* nothing saved */
}

static void
test_whitelist_add_undone_when_save_fails(void **state)
{
	struct fx *f = *state;

	assert_int_equal(whitelist_add(f->wl, "971501476598", NULL, NULL), 0);
	atomicfile_fault_set(AF_OP_WRITE, 1, ENOSPC);
	assert_int_equal(whitelist_add(f->wl, "14155550100", NULL, NULL),
	    -ENOSPC);
	assert_false(whitelist_has(f->wl, "14155550100"));
	assert_list(f->wl, "971501476598");
	assert_file(f->path, "971501476598");
	assert_int_equal(whitelist_add(f->wl, "14155550100", NULL, NULL), 0);
	assert_list(f->wl, "971501476598,14155550100");
}

static void
test_whitelist_remove_present_saves(void **state)
{
	struct fx *f = *state;
	char out[PHONE_BUF];

	load_ok(f, "[\"971501476598\",\"14155550100\",\"442079460958\"]");
	assert_int_equal(whitelist_remove(f->wl, "+1 415 555 0100", out, NULL),
	    0);
	assert_string_equal(out, "14155550100");
	assert_list(f->wl, "971501476598,442079460958");
	assert_file(f->path, "971501476598,442079460958");
	assert_file(f->bak, "971501476598,14155550100,442079460958");
}

static void
test_whitelist_remove_absent_is_enoent(void **state)
{
	struct fx *f = *state;
	const char *reason = NULL;

	load_ok(f, "[\"971501476598\"]");
	assert_int_equal(whitelist_remove(f->wl, "14155550100", NULL, NULL),
	    -ENOENT);
	assert_int_equal(whitelist_remove(f->wl, "123", NULL, &reason),
	    -WL_EBADNUMBER);
	assert_string_equal(reason, "too short: 3 digits, need 10-15");
	assert_int_equal(whitelist_count(f->wl), 1);
}

static void
test_whitelist_remove_undone_in_place_when_save_fails(void **state)
{
	struct fx *f = *state;

	load_ok(f, "[\"971501476598\",\"14155550100\",\"442079460958\"]");
	atomicfile_fault_set(AF_OP_FSYNC, 1, EIO);
	assert_int_equal(whitelist_remove(f->wl, "14155550100", NULL, NULL),
	    -EIO);
	assert_true(whitelist_has(f->wl, "14155550100"));
	assert_list(f->wl, "971501476598,14155550100,442079460958");
	assert_file(f->path, "971501476598,14155550100,442079460958");
}

struct bad {
	size_t	n;
	size_t	index[8];
	char	reason[8][64];
};

static void
collect_bad(void *arg, size_t index, const char *input, const char *reason)
{
	struct bad *b = arg;

	(void)input;
	if (b->n < 8) {
		b->index[b->n] = index;
		snprintf(b->reason[b->n], sizeof(b->reason[0]), "%s", reason);
	}
	b->n++;
}

static void
test_whitelist_replace_adopts_new_list_in_given_order(void **state)
{
	static const char *const in[] = { "442079460958", "+971 50-147 6598",
	    "442079460958", "14155550100" };
	struct fx *f = *state;
	struct bad b = { 0 };

	load_ok(f, "[\"12345678901\"]");
	assert_int_equal(whitelist_replace(f->wl, in, 4, collect_bad, &b), 0);
	assert_int_equal(b.n, 0);
	assert_list(f->wl, "442079460958,971501476598,14155550100");
	assert_file(f->path, "442079460958,971501476598,14155550100");
	assert_file(f->bak, "12345678901");
	assert_false(whitelist_has(f->wl, "12345678901"));
}

static void
test_whitelist_replace_reports_every_invalid_and_changes_nothing(void **state)
{
	static const char *const in[] = { "442079460958", "abc", "123",
	    "14155550100", "1234567890123456" };
	struct fx *f = *state;
	struct bad b = { 0 };

	load_ok(f, "[\"971501476598\"]");
	assert_int_equal(whitelist_replace(f->wl, in, 5, collect_bad, &b),
	    -WL_EBADNUMBER);
	assert_int_equal(b.n, 3);
	assert_int_equal(b.index[0], 1);
	assert_string_equal(b.reason[0], "has letters");
	assert_int_equal(b.index[1], 2);
	assert_string_equal(b.reason[1], "too short: 3 digits, need 10-15");
	assert_int_equal(b.index[2], 4);
	assert_string_equal(b.reason[2], "too long: more than 15 digits");
	assert_list(f->wl, "971501476598");
	assert_file(f->path, "971501476598");
}

static void
test_whitelist_replace_with_nothing_empties(void **state)
{
	struct fx *f = *state;

	load_ok(f, "[\"971501476598\"]");
	assert_int_equal(whitelist_replace(f->wl, NULL, 0, NULL, NULL), 0);
	assert_int_equal(whitelist_count(f->wl), 0);
	assert_file(f->path, "");
}

static void
test_whitelist_replace_undone_when_save_fails(void **state)
{
	static const char *const in[] = { "442079460958" };
	struct fx *f = *state;

	load_ok(f, "[\"971501476598\"]");
	atomicfile_fault_set(AF_OP_RENAME, 2, EIO);	/* 1st: the .bak */
	assert_int_equal(whitelist_replace(f->wl, in, 1, NULL, NULL), -EIO);
	assert_list(f->wl, "971501476598");
	assert_file(f->path, "971501476598");
}

/* n distinct numbers as strings; caller frees with free_numbers. */
static char **
make_numbers(size_t n)
{
	char **v = malloc(n * sizeof(*v));
	size_t i;

	assert_non_null(v);
	for (i = 0; i < n; i++) {
		v[i] = malloc(PHONE_BUF);
		assert_non_null(v[i]);
		snprintf(v[i], PHONE_BUF, "9715%08u", (unsigned)(i % 100000000));
	}
	return v;
}

static void
free_numbers(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void
test_whitelist_replace_refuses_maximum_plus_one(void **state)
{
	struct fx *f = *state;
	char **v = make_numbers(WHITELIST_MAX + 1);

	load_ok(f, "[\"14155550100\"]");
	assert_int_equal(whitelist_replace(f->wl, (const char *const *)v,
	    WHITELIST_MAX + 1, NULL, NULL), -WL_EFULL);
	assert_list(f->wl, "14155550100");
	free_numbers(v, WHITELIST_MAX + 1);
}

static void
test_whitelist_add_refuses_past_maximum(void **state)
{
	struct fx *f = *state;
	struct whitelist *mem = whitelist_new(NULL);
	char **v = make_numbers(WHITELIST_MAX);

	(void)f;
	assert_non_null(mem);
	assert_int_equal(whitelist_replace(mem, (const char *const *)v,
	    WHITELIST_MAX, NULL, NULL), 0);
	assert_int_equal(whitelist_add(mem, "14155550100", NULL, NULL),
	    -WL_EFULL);
	assert_int_equal(whitelist_remove(mem, "971500000007", NULL, NULL), 0);
	assert_int_equal(whitelist_add(mem, "14155550100", NULL, NULL), 0);
	whitelist_free(mem);
	free_numbers(v, WHITELIST_MAX);
}

static void
test_whitelist_handles_100000_numbers(void **state)
{
	struct fx *f = *state;
	struct whitelist *again;
	char **v = make_numbers(WHITELIST_MAX), num[PHONE_BUF];
	size_t i, cur = 0;
	const char *p;

	assert_int_equal(whitelist_replace(f->wl, (const char *const *)v,
	    WHITELIST_MAX, NULL, NULL), 0);
	for (i = 0; i < WHITELIST_MAX; i++)
		assert_true(whitelist_has(f->wl, v[i]));
	/* the memory-only copy lets removals skip 60 000 file writes */
	again = whitelist_new(NULL);
	assert_non_null(again);
	assert_int_equal(whitelist_replace(again, (const char *const *)v,
	    WHITELIST_MAX, NULL, NULL), 0);
	for (i = 0; i < WHITELIST_MAX; i++)	/* tombstones, then compaction */
		if (i % 5 != 0)
			assert_int_equal(whitelist_remove(again, v[i], NULL,
			    NULL), 0);
	assert_int_equal(whitelist_count(again), WHITELIST_MAX / 5);
	for (i = 0; i < WHITELIST_MAX; i += 5) {
		p = whitelist_next(again, &cur);
		assert_non_null(p);
		assert_string_equal(p, v[i]);	/* order survives compaction */
	}
	assert_null(whitelist_next(again, &cur));
	snprintf(num, sizeof(num), "%s", v[1]);
	assert_false(whitelist_has(again, num));
	whitelist_free(again);
	/* save and load back: the same list in the same order */
	again = whitelist_new(f->path);
	assert_non_null(again);
	assert_int_equal(whitelist_load(again, f->why), 0);
	assert_int_equal(whitelist_count(again), WHITELIST_MAX);
	cur = 0;
	for (i = 0; i < WHITELIST_MAX; i++)
		assert_string_equal(whitelist_next(again, &cur), v[i]);
	whitelist_free(again);
	free_numbers(v, WHITELIST_MAX);
}

static void
test_whitelist_load_removes_temps_a_crash_left(void **state)
{
	struct fx *f = *state;
	char tmp[192];

	snprintf(tmp, sizeof(tmp), "%s/." WHITELIST_FILE_NAME ".tmp-9-0",
	    f->dir);
	testdir_put(tmp, "[\"971501");	/* torn: the crash hit mid-write */
	load_ok(f, "[\"971501476598\"]");
	assert_int_equal(access(tmp, F_OK), -1);
	assert_list(f->wl, "971501476598");
}

static void
test_whitelist_reload_picks_up_edited_file(void **state)
{
	struct fx *f = *state;

	assert_int_equal(whitelist_add(f->wl, "971501476598", NULL, NULL), 0);
	testdir_put(f->path, "[\"14155550100\", \"442079460958\"]");
	assert_int_equal(whitelist_load(f->wl, f->why), 0);	/* SIGHUP */
	assert_list(f->wl, "14155550100,442079460958");
	assert_string_equal(f->why, "");
}

static void
test_whitelist_list_copies_in_insertion_order(void **state)
{
	struct fx *f = *state;
	char **v = (char **)1;
	size_t n = 9;

	assert_int_equal(whitelist_list(f->wl, &v, &n), 0);
	assert_null(v);
	assert_int_equal(n, 0);
	load_ok(f, "[\"971501476598\",\"14155550100\",\"442079460958\"]");
	assert_int_equal(whitelist_remove(f->wl, "14155550100", NULL, NULL), 0);
	assert_int_equal(whitelist_add(f->wl, "14155550100", NULL, NULL), 0);
	assert_int_equal(whitelist_list(f->wl, &v, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(v[0], "971501476598");
	assert_string_equal(v[1], "442079460958");
	assert_string_equal(v[2], "14155550100");	/* re-added: last */
	while (n-- > 0)
		free(v[n]);
	free(v);
}

static void
test_whitelist_memory_only_writes_no_file(void **state)
{
	struct fx *f = *state;
	struct whitelist *mem = whitelist_new(NULL);

	assert_non_null(mem);
	assert_int_equal(whitelist_add(mem, "971501476598", NULL, NULL), 0);
	assert_int_equal(whitelist_load(mem, f->why), 0);
	assert_int_equal(whitelist_count(mem), 1);
	assert_int_equal(whitelist_load_buf(mem, "[]", 2, f->why), 0);
	assert_int_equal(whitelist_count(mem), 0);
	assert_int_equal(access(f->path, F_OK), -1);
	whitelist_free(mem);
	whitelist_free(NULL);
}

#define T(fn)	cmocka_unit_test_setup_teardown(fn, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_whitelist_missing_file_is_empty_and_not_created),
		T(test_whitelist_loads_seed_format_in_file_order),
		T(test_whitelist_load_normalises_entries_and_drops_duplicates),
		T(test_whitelist_loads_empty_array),
		T(test_whitelist_serves_valid_lines_and_reports_each_invalid_one),
		T(test_whitelist_one_line_file_loses_only_the_rest_of_that_line),
		T(test_whitelist_cut_short_file_serves_what_it_has),
		T(test_whitelist_reports_text_after_the_array),
		T(test_whitelist_accepts_bom_and_stray_commas),
		T(test_whitelist_survives_a_long_garbage_line),
		T(test_whitelist_counts_every_rejected_line_keeps_the_first),
		T(test_whitelist_first_save_after_rejects_keeps_them_in_bak),
		T(test_whitelist_replace_empties_the_report),
		T(test_whitelist_refused_reload_keeps_list_and_report),
		T(test_whitelist_refuses_empty_file_and_keeps_list),
		T(test_whitelist_refuses_non_array_and_keeps_list),
		T(test_whitelist_refuses_file_over_max_and_keeps_list),
		T(test_whitelist_refuses_directory_in_place_of_file),
		T(test_whitelist_loads_maximum_count),
		T(test_whitelist_serves_maximum_and_rejects_the_rest),
		T(test_whitelist_add_normalises_and_saves_mode_0600),
		T(test_whitelist_save_keeps_previous_version_as_bak),
		T(test_whitelist_add_duplicate_is_eexist),
		T(test_whitelist_add_invalid_gives_reason),
		T(test_whitelist_add_undone_when_save_fails),
		T(test_whitelist_remove_present_saves),
		T(test_whitelist_remove_absent_is_enoent),
		T(test_whitelist_remove_undone_in_place_when_save_fails),
		T(test_whitelist_replace_adopts_new_list_in_given_order),
		T(test_whitelist_replace_reports_every_invalid_and_changes_nothing),
		T(test_whitelist_replace_with_nothing_empties),
		T(test_whitelist_replace_undone_when_save_fails),
		T(test_whitelist_replace_refuses_maximum_plus_one),
		T(test_whitelist_add_refuses_past_maximum),
		T(test_whitelist_handles_100000_numbers),
		T(test_whitelist_load_removes_temps_a_crash_left),
		T(test_whitelist_reload_picks_up_edited_file),
		T(test_whitelist_list_copies_in_insertion_order),
		T(test_whitelist_memory_only_writes_no_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
