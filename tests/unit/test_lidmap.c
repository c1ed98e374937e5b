/*
 * test_lidmap: LID -> phone mappings (protocol-notes §9): put, update,
 * lookup, file form both ways, bad input, eviction at the table's
 * ceiling (a flood of strangers never evicts a pinned, whitelisted
 * contact), and the append-only log on disk (lidmap_log.c, store_log.c):
 * one line per mapping, torn tails cut, sealed records, compaction and
 * the move from the earlier whole-file blob.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <cmocka.h>

#include <sodium.h>
#include <sys/stat.h>

#include "store/store.h"
#include "slowio.h"
#include "testdir.h"
#include "whitelist/lidmap.h"

static void
test_lidmap_put_then_lookup(void **state)
{
	struct lidmap *m = lidmap_new();

	(void)state;
	assert_int_equal(lidmap_put(m, "123456789012345", "4915112340001"), 1);
	assert_string_equal(lidmap_phone(m, "123456789012345"), "4915112340001");
	assert_null(lidmap_phone(m, "999"));
	assert_int_equal(lidmap_put(m, "123456789012345", "4915112340001"), 0);
	assert_int_equal(lidmap_count(m), 1);
	lidmap_free(m);
}

static void
test_lidmap_put_updates_a_changed_number(void **state)
{
	struct lidmap *m = lidmap_new();

	(void)state;
	assert_int_equal(lidmap_put(m, "42", "4915112340001"), 1);
	assert_int_equal(lidmap_put(m, "42", "4915112340002"), 1);
	assert_string_equal(lidmap_phone(m, "42"), "4915112340002");
	assert_int_equal(lidmap_count(m), 1);
	lidmap_free(m);
}

static void
test_lidmap_put_rejects_bad_lids_and_numbers(void **state)
{
	struct lidmap *m = lidmap_new();

	(void)state;
	assert_int_equal(lidmap_put(m, "", "4915112340001"), -EINVAL);
	assert_int_equal(lidmap_put(m, "12a", "4915112340001"), -EINVAL);
	assert_int_equal(lidmap_put(m, "1234567890123456789012345", "4915112340001"),
	    -EINVAL);	/* 25 digits: one past LIDMAP_LID_MAX */
	assert_int_equal(lidmap_put(m, "1", "12345"), -EINVAL);
	assert_int_equal(lidmap_put(m, "1", "+4915112340001"), -EINVAL);
	assert_int_equal(lidmap_count(m), 0);
	lidmap_free(m);
}

static void
test_lidmap_encode_then_load_round_trips(void **state)
{
	struct lidmap *m = lidmap_new(), *n = lidmap_new();
	uint8_t *b;
	size_t len;
	char lid[16], phone[16];
	int i;

	(void)state;
	for (i = 0; i < 1000; i++) {
		snprintf(lid, sizeof(lid), "%d", 100000 + i);
		snprintf(phone, sizeof(phone), "49151%08d", i);
		assert_int_equal(lidmap_put(m, lid, phone), 1);
	}
	assert_int_equal(lidmap_encode(m, &b, &len), 0);
	assert_int_equal(lidmap_load(n, b, len), 0);
	assert_int_equal(lidmap_count(n), 1000);
	assert_string_equal(lidmap_phone(n, "100999"), "4915100000999");
	free(b);
	lidmap_free(m);
	lidmap_free(n);
}

static void
test_lidmap_load_of_nothing_is_empty(void **state)
{
	struct lidmap *m = lidmap_new();

	(void)state;
	assert_int_equal(lidmap_put(m, "7", "4915112340001"), 1);
	assert_int_equal(lidmap_load(m, (const uint8_t *)"", 0), 0);
	assert_int_equal(lidmap_count(m), 0);
	lidmap_free(m);
}

static void
test_lidmap_load_is_all_or_nothing(void **state)
{
	static const char bad[] = "1 4915112340001\n2 notanumber\n";
	struct lidmap *m = lidmap_new();

	(void)state;
	assert_int_equal(lidmap_put(m, "7", "4915112340001"), 1);
	assert_int_equal(lidmap_load(m, (const uint8_t *)bad, strlen(bad)), -EBADMSG);
	assert_int_equal(lidmap_count(m), 1);
	assert_non_null(lidmap_phone(m, "7"));
	assert_int_equal(lidmap_load(m, (const uint8_t *)"1 49151\0x", 9), -EBADMSG);
	lidmap_free(m);
}

/* Numbers 4915100000000..4915100000099 are "whitelisted". */
static bool
pinned_test(void *arg, const char *phone)
{
	(void)arg;
	return strncmp(phone, "49151000000", 11) == 0 && strlen(phone) == 13;
}

static void
test_lidmap_full_evicts_the_least_recently_used(void **state)
{
	struct lidmap *m = lidmap_new();
	char lid[16];
	uint8_t *b;
	size_t len;
	int i;

	(void)state;
	for (i = 0; i < LIDMAP_MAX; i++) {
		snprintf(lid, sizeof(lid), "%d", i + 1);
		assert_int_equal(lidmap_put(m, lid, "4915112340001"), 1);
	}
	assert_non_null(lidmap_phone(m, "1"));	/* used: now the newest */
	assert_int_equal(lidmap_put(m, "99999999", "4915112340002"), 1);
	assert_int_equal(lidmap_count(m), LIDMAP_MAX);
	assert_non_null(lidmap_phone(m, "1"));
	assert_null(lidmap_phone(m, "2"));	/* the oldest unused went */
	assert_string_equal(lidmap_phone(m, "99999999"), "4915112340002");
	assert_int_equal(lidmap_encode(m, &b, &len), 0);
	assert_true(len < 1024 * 1024);	/* fits one store record */
	free(b);
	lidmap_free(m);
}

static void
test_lidmap_30000_strangers_leave_every_whitelisted_mapping(void **state)
{
	struct lidmap *m = lidmap_new();
	char lid[16], phone[16];
	int i;

	(void)state;
	lidmap_pin(m, pinned_test, NULL);
	for (i = 0; i < 100; i++) {
		snprintf(lid, sizeof(lid), "5%d", i);
		snprintf(phone, sizeof(phone), "49151000000%02d", i);
		assert_int_equal(lidmap_put(m, lid, phone), 1);
	}
	for (i = 0; i < 30000; i++) {
		snprintf(lid, sizeof(lid), "9%08d", i);
		snprintf(phone, sizeof(phone), "4477%08d", i);
		assert_int_equal(lidmap_put(m, lid, phone), 1);
	}
	assert_int_equal(lidmap_count(m), LIDMAP_MAX);
	for (i = 0; i < 100; i++) {
		snprintf(lid, sizeof(lid), "5%d", i);
		snprintf(phone, sizeof(phone), "49151000000%02d", i);
		assert_non_null(lidmap_phone(m, lid));
		assert_string_equal(lidmap_phone(m, lid), phone);
	}
	assert_null(lidmap_phone(m, "900000000"));	/* the first stranger went */
	assert_non_null(lidmap_phone(m, "900029999"));
	lidmap_free(m);
}

static bool
pin_all(void *arg, const char *phone)
{
	(void)arg, (void)phone;
	return true;
}

static void
test_lidmap_all_pinned_refuses_one_more(void **state)
{
	struct lidmap *m = lidmap_new();
	char lid[16];
	int i;

	(void)state;
	lidmap_pin(m, pin_all, NULL);
	for (i = 0; i < LIDMAP_MAX; i++) {
		snprintf(lid, sizeof(lid), "%d", i + 1);
		assert_int_equal(lidmap_put(m, lid, "4915112340001"), 1);
	}
	assert_int_equal(lidmap_put(m, "99999999", "4915112340001"), -ENOSPC);
	lidmap_free(m);
}

/* Eviction's index surgery against a plain array, many times over. */
static void
test_lidmap_eviction_keeps_every_lookup_right(void **state)
{
	static char want[LIDMAP_MAX * 3][16];
	struct lidmap *m = lidmap_new();
	char lid[16];
	size_t i, found = 0;

	(void)state;
	for (i = 0; i < LIDMAP_MAX * 3; i++) {
		snprintf(lid, sizeof(lid), "%zu", i * 7919 % 1000003 + 1);
		snprintf(want[i], sizeof(want[i]), "44%011zu", i);
		assert_int_equal(lidmap_put(m, lid, want[i]), 1);
	}
	for (i = 0; i < LIDMAP_MAX * 3; i++) {
		const char *p;

		snprintf(lid, sizeof(lid), "%zu", i * 7919 % 1000003 + 1);
		if ((p = lidmap_phone(m, lid)) == NULL) {
			assert_true(i < LIDMAP_MAX * 2);	/* only the oldest go */
			continue;
		}
		assert_string_equal(p, want[i]);
		found++;
	}
	assert_int_equal(found, LIDMAP_MAX);
	lidmap_free(m);
}

static char data_dir[256];

static int
setup_dir(void **state)
{
	(void)state;
	return testdir_make(data_dir, sizeof(data_dir), "lidmap");
}

static int
teardown_dir(void **state)
{
	(void)state;
	return testdir_remove(data_dir);
}

static struct store *
open_store(const struct seal_key *key)
{
	struct store_cfg cfg = { .data_dir = data_dir, .client_id = "bot1",
	    .key = key };
	struct store *st = NULL;

	assert_int_equal(store_open(&cfg, &st, NULL), 0);
	return st;
}

static off_t
log_size(struct store *st)
{
	char path[1024];
	struct stat sb;

	snprintf(path, sizeof(path), "%s/%s", store_session_dir(st), LIDMAP_LOG);
	return stat(path, &sb) == 0 ? sb.st_size : -1;
}


/* One mapping through a lidmap_log without a writer (written in place). */
static int
log_learnt(struct store *st, struct lidmap *m, const char *lid, const char *pn)
{
	struct lidmap_log *lg;
	int rc;

	if ((rc = lidmap_log_open(NULL, st, m, &lg)) < 0)
		return rc;
	rc = lidmap_log_learnt(lg, lid, pn);
	lidmap_log_free(lg);
	return rc;
}

static void
test_lidmap_log_appends_a_line_per_mapping_and_loads_it(void **state)
{
	struct store *st = open_store(NULL);
	struct lidmap *m = lidmap_new(), *n = lidmap_new();
	off_t one, two;

	(void)state;
	assert_int_equal(lidmap_log_load(st, m), -ENOENT);
	assert_int_equal(lidmap_put(m, "111", "4915112340001"), 1);
	assert_int_equal(log_learnt(st, m, "111", "4915112340001"), 0);
	one = log_size(st);
	assert_int_equal(lidmap_put(m, "111", "4915112340002"), 1);
	assert_int_equal(log_learnt(st, m, "111", "4915112340002"), 0);
	two = log_size(st);
	/* appended, not rewritten: the second costs one record */
	assert_int_equal(two - one, 4 + strlen("111 4915112340002\n"));
	assert_int_equal(lidmap_log_load(st, n), 0);
	assert_int_equal(lidmap_count(n), 1);
	assert_string_equal(lidmap_phone(n, "111"), "4915112340002");
	lidmap_free(m);
	lidmap_free(n);
	store_close(st);
}

static void
test_lidmap_log_cuts_a_torn_append(void **state)
{
	struct store *st = open_store(NULL);
	struct lidmap *m = lidmap_new(), *n = lidmap_new();
	char path[1024];
	off_t good;
	FILE *f;

	(void)state;
	assert_int_equal(lidmap_put(m, "111", "4915112340001"), 1);
	assert_int_equal(log_learnt(st, m, "111", "4915112340001"), 0);
	good = log_size(st);
	snprintf(path, sizeof(path), "%s/%s", store_session_dir(st), LIDMAP_LOG);
	assert_non_null(f = fopen(path, "a"));
	fwrite("\x20\0\0\0" "222 49", 1, 10, f);	/* a record cut short */
	fclose(f);
	assert_int_equal(lidmap_log_load(st, n), 0);
	assert_int_equal(lidmap_count(n), 1);
	assert_int_equal(log_size(st), good);
	/* a create torn inside the magic reads as empty, and is cut */
	{
		uint8_t *got;
		size_t glen;
		char p2[1024];

		snprintf(p2, sizeof(p2), "%s/torn.log", store_session_dir(st));
		assert_non_null(f = fopen(p2, "w"));
		fwrite("WLL", 1, 3, f);
		fclose(f);
		assert_int_equal(store_log_read(st, "torn.log", &got, &glen), 0);
		assert_int_equal(glen, 0);
		free(got);
		assert_int_equal(store_log_append(st, "torn.log", (const uint8_t *)"x", 1, NULL), 0);
		assert_int_equal(store_log_read(st, "torn.log", &got, &glen), 0);
		assert_int_equal(glen, 1);
		assert_memory_equal(got, "x", 1);
		free(got);
	}
	/* the next append lands on a record boundary */
	assert_int_equal(lidmap_put(n, "222", "4915112340002"), 1);
	assert_int_equal(log_learnt(st, n, "222", "4915112340002"), 0);
	lidmap_free(m);
	m = lidmap_new();
	assert_int_equal(lidmap_log_load(st, m), 0);
	assert_int_equal(lidmap_count(m), 2);
	lidmap_free(m);
	lidmap_free(n);
	store_close(st);
}

static void
test_lidmap_log_sealed_holds_no_number_in_clear(void **state)
{
	struct seal_key *k = sodium_malloc(sizeof(*k));
	struct store *st;
	struct lidmap *m = lidmap_new(), *n = lidmap_new();
	uint8_t *raw;
	size_t len;
	char path[1024];
	FILE *f;

	(void)state;
	assert_int_equal(seal_key_from_bytes((const uint8_t *)"0123456789abcdef0123", 20, k), 0);
	st = open_store(k);
	assert_int_equal(lidmap_put(m, "111", "4915112340001"), 1);
	assert_int_equal(log_learnt(st, m, "111", "4915112340001"), 0);
	assert_int_equal(lidmap_put(m, "222", "4915112340002"), 1);
	assert_int_equal(log_learnt(st, m, "222", "4915112340002"), 0);
	snprintf(path, sizeof(path), "%s/%s", store_session_dir(st), LIDMAP_LOG);
	assert_non_null(f = fopen(path, "r"));
	raw = malloc(65536);
	len = fread(raw, 1, 65536, f);
	fclose(f);
	assert_null(memmem(raw, len, "4915112340001", 13));
	free(raw);
	assert_int_equal(lidmap_log_load(st, n), 0);
	assert_int_equal(lidmap_count(n), 2);
	lidmap_free(m);
	lidmap_free(n);
	store_close(st);
	sodium_free(k);
}

static void
test_lidmap_log_moves_the_earlier_blob_and_compacts(void **state)
{
	static const char old[] = "111 4915112340001\n222 4915112340002\n";
	struct store *st = open_store(NULL);
	struct lidmap *m = lidmap_new();
	uint8_t *b;
	size_t len;
	char lid[16];
	int i;

	(void)state;
	assert_int_equal(store_put(st, LIDMAP_BLOB, (const uint8_t *)old,
	    strlen(old)), 0);
	assert_int_equal(lidmap_log_load(st, m), 0);
	assert_int_equal(lidmap_count(m), 2);
	assert_int_equal(store_get(st, LIDMAP_BLOB, &b, &len), -ENOENT);
	/* one LID changing its number again and again: the log stays small
	 * (thousands of appends: counted, not synced, through the shim) */
	setenv("WALINK_SHIM_FSYNC_SKIP", "1", 1);
	slowio_sync_reset();
	for (i = 0; i < 6000; i++) {
		snprintf(lid, sizeof(lid), "4915112%06d", i);
		assert_int_equal(lidmap_put(m, "111", lid), 1);
		assert_int_equal(log_learnt(st, m, "111", lid), 0);
	}
	unsetenv("WALINK_SHIM_FSYNC_SKIP");
	/* one fdatasync per append, plus a few for the compactions */
	assert_true(slowio_sync_count() >= 6000 && slowio_sync_count() < 6100);
	/* 6,000 appends of 22 bytes are 132 KB; compaction keeps it under */
	assert_true(log_size(st) < 70 * 1024);
	lidmap_free(m);
	m = lidmap_new();
	assert_int_equal(lidmap_log_load(st, m), 0);
	assert_int_equal(lidmap_count(m), 2);
	assert_string_equal(lidmap_phone(m, "111"), lid);
	lidmap_free(m);
	store_close(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lidmap_put_then_lookup),
		cmocka_unit_test(test_lidmap_put_updates_a_changed_number),
		cmocka_unit_test(test_lidmap_put_rejects_bad_lids_and_numbers),
		cmocka_unit_test(test_lidmap_encode_then_load_round_trips),
		cmocka_unit_test(test_lidmap_load_of_nothing_is_empty),
		cmocka_unit_test(test_lidmap_load_is_all_or_nothing),
		cmocka_unit_test(test_lidmap_full_evicts_the_least_recently_used),
		cmocka_unit_test(test_lidmap_30000_strangers_leave_every_whitelisted_mapping),
		cmocka_unit_test(test_lidmap_all_pinned_refuses_one_more),
		cmocka_unit_test(test_lidmap_eviction_keeps_every_lookup_right),
		cmocka_unit_test_setup_teardown(test_lidmap_log_appends_a_line_per_mapping_and_loads_it, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_lidmap_log_cuts_a_torn_append, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_lidmap_log_sealed_holds_no_number_in_clear, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_lidmap_log_moves_the_earlier_blob_and_compacts, setup_dir, teardown_dir),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
