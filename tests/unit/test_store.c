/*
 * test_store: the credential store keeps a session across reopen, refuses
 * a second holder, seals at rest, recovers from its newest readable backup
 * and moves a logged-out session aside.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <pthread.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h>
#include <cmocka.h>
#include <sodium.h>

#include "store/store.h"
#include "atomicfile.h"
#include "slowio.h"
#include "testdir.h"
#include "wl_error.h"

static char data_dir[256];

static int
setup(void **state)
{
	(void)state;
	return testdir_make(data_dir, sizeof(data_dir), "store");
}

static int
teardown(void **state)
{
	(void)state;
	return testdir_remove(data_dir);
}

static struct store *
open_store(const struct seal_key *key, uint32_t keep)
{
	struct store_cfg cfg = { .data_dir = data_dir, .client_id = "bot1",
	    .key = key, .backups_keep = keep };
	struct store *st = NULL;

	assert_int_equal(store_open(&cfg, &st, NULL), 0);
	return st;
}

static struct creds *
some_creds(void)
{
	struct creds *c = creds_new();

	randombytes_buf(c, offsetof(struct creds, registration_id));
	c->registration_id = 77;
	c->spk_id = 1;
	c->paired = true;
	snprintf(c->me_jid, sizeof(c->me_jid), "15550001111:7@s.whatsapp.net");
	c->account_len = 10;
	return c;
}

static mode_t
mode_of(const char *path)
{
	struct stat sb;

	assert_int_equal(stat(path, &sb), 0);
	return sb.st_mode & 07777;
}

static void
test_creds_survive_reopen_with_private_modes(void **state)
{
	struct store *st = open_store(NULL, 3);
	struct creds *c = some_creds(), *d = creds_new();
	char path[512];

	(void)state;
	assert_int_equal(store_load_creds(st, d), -ENOENT);
	assert_int_equal(store_save_creds(st, c), 0);
	store_close(st);
	st = open_store(NULL, 3);
	assert_int_equal(store_load_creds(st, d), 0);
	assert_memory_equal(c, d, sizeof(*c));
	assert_int_equal(mode_of(store_session_dir(st)), 0700);
	snprintf(path, sizeof(path), "%s/creds.json", store_session_dir(st));
	assert_int_equal(mode_of(path), 0600);
	store_close(st);
	creds_free(c);
	creds_free(d);
}

static void
test_second_holder_is_refused_with_pid(void **state)
{
	struct store *st = open_store(NULL, 3);
	struct store_cfg cfg = { .data_dir = data_dir, .client_id = "bot1" };
	struct store *other = NULL;
	pid_t holder = 0, child;
	int status;

	(void)state;
	/* flock is per open file: a child process stands for a second worker. */
	if ((child = fork()) == 0)
		_exit(store_open(&cfg, &other, &holder) == -EBUSY &&
		    holder == getppid() ? 0 : 1);
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	store_close(st);
	/* released: a new holder gets it */
	st = open_store(NULL, 3);
	store_close(st);
}

static void
test_bad_client_id_and_blob_names_refused(void **state)
{
	struct store_cfg cfg = { .data_dir = data_dir, .client_id = "../evil" };
	struct store *st = NULL;
	uint8_t *out;
	size_t len;

	(void)state;
	assert_int_equal(store_open(&cfg, &st, NULL), -EINVAL);
	st = open_store(NULL, 3);
	assert_int_equal(store_put(st, "../x", (const uint8_t *)"a", 1), -EINVAL);
	assert_int_equal(store_put(st, ".hidden", (const uint8_t *)"a", 1), -EINVAL);
	assert_int_equal(store_put(st, "creds.json", (const uint8_t *)"a", 1), -EINVAL);
	assert_int_equal(store_put(st, "session-1555.0", (const uint8_t *)"abc", 3), 0);
	assert_int_equal(store_get(st, "session-1555.0", &out, &len), 0);
	assert_int_equal(len, 3);
	assert_memory_equal(out, "abc", 3);
	free(out);
	assert_int_equal(store_del(st, "session-1555.0"), 0);
	assert_int_equal(store_get(st, "session-1555.0", &out, &len), -ENOENT);
	store_close(st);
}

static void
test_sealed_store_needs_its_key(void **state)
{
	struct seal_key *k = sodium_malloc(sizeof(*k)), *k2 = sodium_malloc(sizeof(*k2));
	struct creds *c = some_creds(), *d = creds_new();
	struct store *st;
	uint8_t *raw;
	char path[512];
	FILE *f;
	size_t n;

	(void)state;
	assert_int_equal(seal_key_from_bytes((const uint8_t *)"0123456789abcdef0123", 20, k), 0);
	assert_int_equal(seal_key_from_bytes((const uint8_t *)"another-key-file-0000", 20, k2), 0);
	st = open_store(k, 3);
	assert_int_equal(store_save_creds(st, c), 0);
	snprintf(path, sizeof(path), "%s/creds.json", store_session_dir(st));
	raw = malloc(4096);
	f = fopen(path, "rb");
	n = fread(raw, 1, 4096, f);
	fclose(f);
	assert_true(seal_is_sealed(raw, n));
	assert_null(memmem(raw, n, "noise", 5));	/* no plaintext on disk */
	free(raw);
	store_close(st);

	st = open_store(NULL, 3);
	assert_int_equal(store_load_creds(st, d), -ENOKEY);
	store_close(st);
	st = open_store(k2, 3);
	assert_int_equal(store_load_creds(st, d), -EKEYREJECTED);
	store_close(st);
	st = open_store(k, 3);
	assert_int_equal(store_load_creds(st, d), 0);
	assert_memory_equal(c, d, sizeof(*c));
	store_close(st);
	sodium_free(k);
	sodium_free(k2);
	creds_free(c);
	creds_free(d);
}

/* Reads a whole small file; caller frees. */
static uint8_t *
slurp(const char *path, size_t *n)
{
	uint8_t *raw = malloc(1 << 16);
	FILE *f = fopen(path, "rb");

	assert_non_null(f);
	*n = fread(raw, 1, 1 << 16, f);
	fclose(f);
	return raw;
}

static void
test_open_with_key_seals_plain_files(void **state)
{
	static const uint8_t blob[] = "a plain blob";
	struct seal_key *k = sodium_malloc(sizeof(*k));
	struct creds *c = some_creds(), *d = creds_new();
	struct store *st;
	char path[512];
	uint8_t *raw, *got;
	size_t n;

	(void)state;
	assert_int_equal(seal_key_from_bytes((const uint8_t *)"0123456789abcdef0123", 20, k), 0);
	st = open_store(NULL, 3);
	assert_int_equal(store_save_creds(st, c), 0);
	assert_int_equal(store_put(st, "session-1", blob, sizeof(blob)), 0);
	store_close(st);

	st = open_store(k, 3);		/* nothing written yet: open alone seals */
	snprintf(path, sizeof(path), "%s/creds.json", store_session_dir(st));
	raw = slurp(path, &n);
	assert_true(seal_is_sealed(raw, n));
	assert_null(memmem(raw, n, "noise", 5));
	free(raw);
	snprintf(path, sizeof(path), "%s/session-1", store_session_dir(st));
	raw = slurp(path, &n);
	assert_true(seal_is_sealed(raw, n));
	free(raw);
	assert_int_equal(store_load_creds(st, d), 0);
	assert_memory_equal(c, d, sizeof(*c));
	assert_int_equal(store_get(st, "session-1", &got, &n), 0);
	assert_int_equal(n, sizeof(blob));
	assert_memory_equal(got, blob, n);
	free(got);
	store_close(st);
	sodium_free(k);
	creds_free(c);
	creds_free(d);
}

static int
count_prefixed(const char *dir, const char *prefix)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		n += strncmp(de->d_name, prefix, strlen(prefix)) == 0;
	closedir(d);
	return n;
}

static void
test_backups_rotate_and_restore_newest_readable(void **state)
{
	struct store *st = open_store(NULL, 2);
	struct creds *c = some_creds(), *d = creds_new();
	char name[128], first[128], path[1024], bdir[512];
	FILE *f;
	int i;

	(void)state;
	assert_int_equal(store_save_creds(st, c), 0);
	assert_int_equal(store_backup(st, first, sizeof(first)), 0);
	for (i = 0; i < 3; i++) {
		c->registration_id = 100 + i;
		assert_int_equal(store_save_creds(st, c), 0);
		usleep(2000);	/* distinct millisecond stamps */
		assert_int_equal(store_backup(st, name, sizeof(name)), 0);
	}
	snprintf(bdir, sizeof(bdir), "%s/whatsapp-session/backups", data_dir);
	assert_int_equal(count_prefixed(bdir, "session-bot1-"), 2);

	/* Corrupt the live file: the newest backup (id 102) comes back. */
	snprintf(path, sizeof(path), "%s/creds.json", store_session_dir(st));
	f = fopen(path, "w");
	fputs("{\"format\":1,\"noi", f);
	fclose(f);
	assert_int_equal(store_load_creds(st, d), -EBADMSG);
	assert_int_equal(store_restore_newest(st, name, sizeof(name)), 0);
	assert_int_equal(store_load_creds(st, d), 0);
	assert_int_equal(d->registration_id, 102);

	/* Corrupt the newest backup too: the one before it is used. */
	snprintf(path, sizeof(path), "%s/%s/creds.json", bdir, name);
	f = fopen(path, "w");
	fputs("garbage", f);
	fclose(f);
	assert_int_equal(store_restore_newest(st, name, sizeof(name)), 0);
	assert_int_equal(store_load_creds(st, d), 0);
	assert_int_equal(d->registration_id, 101);
	store_close(st);
	creds_free(c);
	creds_free(d);
}

static bool
blob_is(struct store *st, const char *name, const char *want)
{
	uint8_t *b;
	size_t len;
	bool ok;

	if (store_get(st, name, &b, &len) < 0)
		return want == NULL;
	ok = want != NULL && len == strlen(want) && memcmp(b, want, len) == 0;
	free(b);
	return ok;
}

static void
test_restore_after_a_torn_live_dir_is_one_generation_with_newer_contact_state(void **state)
{
	struct store *st = open_store(NULL, 3);
	struct creds *c = some_creds(), *d = creds_new();
	char name[128], path[1024], bdir[512];
	FILE *f;

	(void)state;
	assert_int_equal(store_save_creds(st, c), 0);
	assert_int_equal(store_put(st, "ss-alice.0", (const uint8_t *)"A1", 2), 0);
	assert_int_equal(store_put(st, "ss-carol.0", (const uint8_t *)"C1", 2), 0);
	assert_int_equal(store_put(st, "prekey-1", (const uint8_t *)"P1", 2), 0);
	assert_int_equal(store_put(st, "lid-map.log", (const uint8_t *)"L1", 2), 0);
	assert_int_equal(store_put(st, "id-alice.0", (const uint8_t *)"IA1", 3), 0);
	assert_int_equal(store_put(st, "tctokens", (const uint8_t *)"T1", 2), 0);
	assert_int_equal(store_backup(st, name, sizeof(name)), 0);
	usleep(2000);
	/* after the backup: alice's ratchet moves on, bob appears, a prekey
	 * is used up, another made, and then the live directory tears */
	assert_int_equal(store_put(st, "ss-alice.0", (const uint8_t *)"A2", 2), 0);
	assert_int_equal(store_put(st, "ss-bob.0", (const uint8_t *)"B2", 2), 0);
	assert_int_equal(store_del(st, "prekey-1"), 0);
	assert_int_equal(store_put(st, "prekey-2", (const uint8_t *)"P2", 2), 0);
	assert_int_equal(store_put(st, "lid-map.log", (const uint8_t *)"L2", 2), 0);
	/* bob's identity and privacy token, alice's new identity */
	assert_int_equal(store_put(st, "id-bob.0", (const uint8_t *)"IB2", 3), 0);
	assert_int_equal(store_put(st, "id-alice.0", (const uint8_t *)"IA2", 3), 0);
	assert_int_equal(store_put(st, "tctokens", (const uint8_t *)"T2", 2), 0);
	snprintf(path, sizeof(path), "%s/creds.json", store_session_dir(st));
	f = fopen(path, "w");
	fputs("{\"format\":1,\"noi", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/.tmp-ss-alice.0.x", store_session_dir(st));
	f = fopen(path, "w");	/* a crashed write's temp file */
	fputs("A3", f);
	fclose(f);

	assert_int_equal(store_restore_newest(st, name, sizeof(name)), 0);
	assert_int_equal(store_load_creds(st, d), 0);
	assert_int_equal(d->registration_id, c->registration_id);
	/* the snapshot's generation ... */
	assert_true(blob_is(st, "ss-carol.0", "C1"));
	assert_true(blob_is(st, "prekey-1", "P1"));
	assert_true(blob_is(st, "prekey-2", NULL));
	assert_true(blob_is(st, "lid-map.log", "L1"));
	assert_int_equal(access(path, F_OK), -1);
	/* ... whose ratchets never go back */
	assert_true(blob_is(st, "ss-alice.0", "A2"));
	assert_true(blob_is(st, "ss-bob.0", "B2"));
	/* nor do the identities those sessions stand on, nor privacy tokens */
	assert_true(blob_is(st, "id-alice.0", "IA2"));
	assert_true(blob_is(st, "id-bob.0", "IB2"));
	assert_true(blob_is(st, "tctokens", "T2"));
	/* the torn directory is kept aside, whole */
	snprintf(bdir, sizeof(bdir), "%s/whatsapp-session/backups", data_dir);
	assert_int_equal(count_prefixed(bdir, "replaced-bot1-"), 1);
	assert_int_equal(count_prefixed(bdir, ".tmp-"), 0);
	assert_int_equal(mode_of(store_session_dir(st)), 0700);
	store_close(st);
	creds_free(c);
	creds_free(d);
}

static void
test_open_finishes_a_restore_cut_between_its_renames(void **state)
{
	struct store *st = open_store(NULL, 3);
	struct creds *c = some_creds(), *d = creds_new();
	char name[128], gen[1024], live[1024];

	(void)state;
	assert_int_equal(store_save_creds(st, c), 0);
	assert_int_equal(store_backup(st, name, sizeof(name)), 0);
	store_close(st);
	/* what a crash after "live -> aside", before "gen -> live" leaves */
	snprintf(gen, sizeof(gen), "%s/whatsapp-session/backups/.tmp-restore-bot1-x",
	    data_dir);
	snprintf(live, sizeof(live), "%s/whatsapp-session/session-bot1", data_dir);
	assert_int_equal(rename(live, gen), 0);
	st = open_store(NULL, 3);
	assert_int_equal(store_load_creds(st, d), 0);
	assert_int_equal(d->registration_id, c->registration_id);
	assert_int_equal(access(gen, F_OK), -1);
	store_close(st);
	creds_free(c);
	creds_free(d);
}

static void
test_logout_syncs_both_directories_of_the_move(void **state)
{
	struct store *st = open_store(NULL, 2);
	struct creds *c = some_creds();
	char name[128], root[PATH_MAX], want[PATH_MAX + 16], path[600];

	(void)state;
	assert_int_equal(store_save_creds(st, c), 0);
	snprintf(path, sizeof(path), "%s/whatsapp-session", data_dir);
	assert_non_null(realpath(path, root));
	slowio_sync_reset();
	assert_int_equal(store_archive_logged_out(st, name, sizeof(name)), 0);
	assert_true(slowio_synced(root));	/* session-bot1 left it */
	snprintf(want, sizeof(want), "%s/backups", root);
	assert_true(slowio_synced(want));	/* and arrived here */
	store_close(st);
	creds_free(c);
}

static void
copy_file(const char *from, const char *to)
{
	char buf[4096];
	size_t n;
	FILE *a = fopen(from, "rb"), *b = fopen(to, "wb");

	assert_non_null(a);
	assert_non_null(b);
	n = fread(buf, 1, sizeof(buf), a);
	assert_int_equal(fwrite(buf, 1, n, b), n);
	fclose(a);
	fclose(b);
}

static void
test_sealed_file_copied_over_another_name_is_refused(void **state)
{
	struct seal_key *k = sodium_malloc(sizeof(*k));
	struct store *st;
	char a[1024], b[1024];
	uint8_t *out;
	size_t len;

	(void)state;
	assert_int_equal(seal_key_from_bytes((const uint8_t *)"0123456789abcdef0123", 20, k), 0);
	st = open_store(k, 0);
	assert_int_equal(store_put(st, "ss-alice.0", (const uint8_t *)"alice", 5), 0);
	assert_int_equal(store_put(st, "ss-bob.0", (const uint8_t *)"bob", 3), 0);
	snprintf(a, sizeof(a), "%s/ss-alice.0", store_session_dir(st));
	snprintf(b, sizeof(b), "%s/ss-bob.0", store_session_dir(st));
	copy_file(a, b);
	assert_int_equal(store_get(st, "ss-bob.0", &out, &len), -EKEYREJECTED);
	assert_int_equal(store_get(st, "ss-alice.0", &out, &len), 0);
	free(out);
	store_close(st);
	sodium_free(k);
}

/* A file sealed by an earlier release (secretbox, no name bound). */
static void
test_sealed_v1_file_opens_and_is_rewritten_bound_to_its_name(void **state)
{
	struct seal_key *k = sodium_malloc(sizeof(*k));
	uint8_t v1[SEAL_OVERHEAD + 5], *out, head[SEAL_MAGIC_LEN];
	struct store *st;
	char path[1024];
	size_t len;
	FILE *f;

	(void)state;
	assert_int_equal(seal_key_from_bytes((const uint8_t *)"0123456789abcdef0123", 20, k), 0);
	st = open_store(k, 0);
	memcpy(v1, SEAL_MAGIC_V1, SEAL_MAGIC_LEN);
	randombytes_buf(v1 + SEAL_MAGIC_LEN, crypto_secretbox_NONCEBYTES);
	assert_int_equal(crypto_secretbox_easy(v1 + SEAL_MAGIC_LEN +
	    crypto_secretbox_NONCEBYTES, (const uint8_t *)"carol", 5,
	    v1 + SEAL_MAGIC_LEN, k->k), 0);
	snprintf(path, sizeof(path), "%s/ss-carol.0", store_session_dir(st));
	assert_non_null(f = fopen(path, "wb"));
	fwrite(v1, 1, sizeof(v1), f);
	fclose(f);
	assert_int_equal(store_get(st, "ss-carol.0", &out, &len), 0);
	assert_memory_equal(out, "carol", 5);
	assert_int_equal(store_put(st, "ss-carol.0", out, len), 0);
	free(out);
	assert_non_null(f = fopen(path, "rb"));
	assert_int_equal(fread(head, 1, sizeof(head), f), sizeof(head));
	fclose(f);
	assert_memory_equal(head, SEAL_MAGIC_V3, SEAL_MAGIC_LEN);
	store_close(st);
	sodium_free(k);
}

static void
save_bytes(const char *path, uint8_t **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");

	assert_non_null(f);
	*buf = malloc(4096);
	*len = fread(*buf, 1, 4096, f);
	fclose(f);
}

static void
put_back(const char *path, const uint8_t *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	fclose(f);
}

/* The same file's older copy put back: refused, also after a restart. */
static void
test_sealed_file_rolled_back_to_an_older_copy_is_refused(void **state)
{
	struct seal_key *k = sodium_malloc(sizeof(*k));
	struct creds *c = some_creds(), *d = creds_new();
	char ss[1024], cr[1024];
	uint8_t *old_ss, *old_cr, *out;
	size_t old_ss_len, old_cr_len, len;
	struct store *st;

	(void)state;
	assert_int_equal(seal_key_from_bytes((const uint8_t *)"0123456789abcdef0123", 20, k), 0);
	st = open_store(k, 0);
	snprintf(ss, sizeof(ss), "%s/ss-alice.0", store_session_dir(st));
	snprintf(cr, sizeof(cr), "%s/creds.json", store_session_dir(st));
	assert_int_equal(store_put(st, "ss-alice.0", (const uint8_t *)"A1", 2), 0);
	assert_int_equal(store_save_creds(st, c), 0);
	save_bytes(ss, &old_ss, &old_ss_len);
	save_bytes(cr, &old_cr, &old_cr_len);
	c->registration_id = 78;
	assert_int_equal(store_put(st, "ss-alice.0", (const uint8_t *)"A2", 2), 0);
	assert_int_equal(store_save_creds(st, c), 0);

	put_back(ss, old_ss, old_ss_len);
	put_back(cr, old_cr, old_cr_len);
	assert_int_equal(store_get(st, "ss-alice.0", &out, &len), -WL_EROLLEDBACK);
	assert_int_equal(store_load_creds(st, d), -WL_EROLLEDBACK);
	assert_non_null(strstr(wl_strerror(-WL_EROLLEDBACK), "older than the copy last written"));
	/* the generations outlive the process */
	store_close(st);
	st = open_store(k, 0);
	assert_int_equal(store_get(st, "ss-alice.0", &out, &len), -WL_EROLLEDBACK);
	assert_int_equal(store_load_creds(st, d), -WL_EROLLEDBACK);
	/* a newer write is read again */
	assert_int_equal(store_put(st, "ss-alice.0", (const uint8_t *)"A3", 2), 0);
	assert_true(blob_is(st, "ss-alice.0", "A3"));
	/* a swapped file is still refused by its name */
	assert_int_equal(store_put(st, "ss-bob.0", (const uint8_t *)"B1", 2), 0);
	free(old_ss);
	save_bytes(ss, &old_ss, &old_ss_len);
	snprintf(ss, sizeof(ss), "%s/ss-bob.0", store_session_dir(st));
	put_back(ss, old_ss, old_ss_len);
	assert_int_equal(store_get(st, "ss-bob.0", &out, &len), -EKEYREJECTED);
	store_close(st);
	free(old_ss);
	free(old_cr);
	creds_free(c);
	creds_free(d);
	sodium_free(k);
}

/* A restore brings older copies back on purpose: they read. */
static void
test_sealed_restore_is_not_taken_for_a_rollback(void **state)
{
	struct seal_key *k = sodium_malloc(sizeof(*k));
	struct creds *c = some_creds(), *d = creds_new();
	char name[128], path[1024];
	struct store *st;
	FILE *f;

	(void)state;
	assert_int_equal(seal_key_from_bytes((const uint8_t *)"0123456789abcdef0123", 20, k), 0);
	st = open_store(k, 3);
	assert_int_equal(store_save_creds(st, c), 0);
	assert_int_equal(store_put(st, "prekey-1", (const uint8_t *)"P1", 2), 0);
	assert_int_equal(store_put(st, "ss-alice.0", (const uint8_t *)"A1", 2), 0);
	assert_int_equal(store_backup(st, name, sizeof(name)), 0);
	usleep(2000);
	assert_int_equal(store_put(st, "prekey-1", (const uint8_t *)"P2", 2), 0);
	assert_int_equal(store_put(st, "ss-alice.0", (const uint8_t *)"A2", 2), 0);
	snprintf(path, sizeof(path), "%s/creds.json", store_session_dir(st));
	assert_non_null(f = fopen(path, "w"));
	fputs("torn", f);
	fclose(f);
	assert_int_equal(store_restore_newest(st, name, sizeof(name)), 0);
	assert_int_equal(store_load_creds(st, d), 0);
	assert_true(blob_is(st, "prekey-1", "P1"));
	assert_true(blob_is(st, "ss-alice.0", "A2"));
	store_close(st);
	st = open_store(k, 3);
	assert_int_equal(store_load_creds(st, d), 0);
	assert_true(blob_is(st, "prekey-1", "P1"));
	store_close(st);
	creds_free(c);
	creds_free(d);
	sodium_free(k);
}

/* What a prekey upload stores: 50 blobs of 64 bytes. */
static void
test_put_many_stores_50_blobs_with_two_syncs(void **state)
{
	struct store *st = open_store(NULL, 0);
	struct store_item items[50];
	char names[50][32];
	uint8_t kp[50][64], *out;
	size_t len;
	int i, one_by_one, batched;

	(void)state;
	randombytes_buf(kp, sizeof(kp));
	slowio_sync_reset();
	for (i = 0; i < 50; i++) {
		snprintf(names[i], sizeof(names[i]), "prekey-%d", i + 1);
		assert_int_equal(store_put(st, names[i], kp[i], 64), 0);
	}
	one_by_one = slowio_sync_count();
	for (i = 0; i < 50; i++) {
		snprintf(names[i], sizeof(names[i]), "prekey-%d", i + 101);
		items[i] = (struct store_item){ names[i], kp[i], 64 };
	}
	slowio_sync_reset();
	assert_int_equal(store_put_many(st, items, 50), 0);
	batched = slowio_sync_count();
	printf("# 50 prekeys: %d syncs one by one, %d as one batch\n", one_by_one, batched);
	assert_int_equal(one_by_one, 100);
	assert_int_equal(batched, 2);
	for (i = 0; i < 50; i++) {
		assert_int_equal(store_get(st, names[i], &out, &len), 0);
		assert_int_equal(len, 64);
		assert_memory_equal(out, kp[i], 64);
		free(out);
	}
	store_close(st);
}

static void
test_put_many_failing_leaves_old_files_and_no_temps(void **state)
{
	struct store *st = open_store(NULL, 0);
	struct store_item items[2] = {
		{ "ss-a.0", (const uint8_t *)"new-a", 5 },
		{ "ss-b.0", (const uint8_t *)"new-b", 5 },
	};
	char bdir[1024];

	(void)state;
	assert_int_equal(store_put(st, "ss-a.0", (const uint8_t *)"old-a", 5), 0);
	atomicfile_fault_set(AF_OP_FSYNC, 1, EIO);	/* the group sync */
	assert_int_equal(store_put_many(st, items, 2), -EIO);
	atomicfile_fault_clear();
	assert_true(blob_is(st, "ss-a.0", "old-a"));
	assert_true(blob_is(st, "ss-b.0", NULL));
	snprintf(bdir, sizeof(bdir), "%s", store_session_dir(st));
	assert_int_equal(count_prefixed(bdir, ".ss-"), 0);
	assert_int_equal(store_put_many(st, items, 2), 0);
	assert_true(blob_is(st, "ss-a.0", "new-a"));
	assert_true(blob_is(st, "ss-b.0", "new-b"));
	store_close(st);
}

static void
test_restore_without_backup_is_enoent(void **state)
{
	struct store *st = open_store(NULL, 2);
	char name[128];

	(void)state;
	assert_int_equal(store_restore_newest(st, name, sizeof(name)), -ENOENT);
	store_close(st);
}

static void
test_logout_moves_session_aside_and_starts_empty(void **state)
{
	struct store *st = open_store(NULL, 2);
	struct creds *c = some_creds(), *d = creds_new();
	char name[128], path[1024];
	int i;

	(void)state;
	assert_int_equal(store_save_creds(st, c), 0);
	assert_int_equal(store_archive_logged_out(st, name, sizeof(name)), 0);
	assert_int_equal(strncmp(name, "logged-out-bot1-", 16), 0);
	assert_int_equal(store_load_creds(st, d), -ENOENT);
	snprintf(path, sizeof(path), "%s/whatsapp-session/backups/%s", data_dir, name);
	assert_int_equal(mode_of(path), 0700);
	for (i = 0; i < 3; i++) {
		usleep(2000);
		assert_int_equal(store_archive_logged_out(st, name, sizeof(name)), 0);
	}
	snprintf(path, sizeof(path), "%s/whatsapp-session/backups", data_dir);
	assert_int_equal(count_prefixed(path, "logged-out-bot1-"), 2);
	store_close(st);
	creds_free(c);
	creds_free(d);
}

struct slow_put {
	struct store	*st;
	int		 rc;
};

static void *
slow_put_main(void *arg)
{
	struct slow_put *sp = arg;

	sp->rc = store_put(sp->st, "ss-bob.0", (const uint8_t *)"B1", 2);
	return NULL;
}

/*
 * A writer thread's sealed write holds its disk sync (300 ms here,
 * through the shim) while the loop reads another sealed file: the read
 * checks the file's generation against the table, which must not wait
 * for the writer's append to the generations' log.
 */
static void
test_sealed_read_never_waits_on_another_threads_slow_write(void **state)
{
	struct seal_key *k = sodium_malloc(sizeof(*k));
	struct slow_put sp;
	struct timespec a, b;
	char gen_log[1024];
	pthread_t th;
	uint8_t *out;
	size_t len;
	long ms;
	int i;

	(void)state;
	assert_int_equal(seal_key_from_bytes((const uint8_t *)"0123456789abcdef0123", 20, k), 0);
	sp.st = open_store(k, 0);
	assert_int_equal(store_put(sp.st, "ss-alice.0", (const uint8_t *)"A1", 2), 0);
	snprintf(gen_log, sizeof(gen_log), "%s/seal-gen.log", store_session_dir(sp.st));
	slowio_sync_reset();
	setenv("WALINK_SHIM_FSYNC_DELAY_MS", "300", 1);
	assert_int_equal(pthread_create(&th, NULL, slow_put_main, &sp), 0);
	/* the thread is inside the generations' log sync (noted before its wait) */
	for (i = 0; i < 5000 && !slowio_synced(gen_log); i++)
		usleep(1000);
	assert_true(slowio_synced(gen_log));
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(store_get(sp.st, "ss-alice.0", &out, &len), 0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	free(out);
	pthread_join(th, NULL);
	unsetenv("WALINK_SHIM_FSYNC_DELAY_MS");
	assert_int_equal(sp.rc, 0);
	ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
	printf("# sealed read during a 300 ms sync of another thread: %ld ms\n", ms);
	assert_true(ms < 150);
	store_close(sp.st);
	sodium_free(k);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_creds_survive_reopen_with_private_modes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_second_holder_is_refused_with_pid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_client_id_and_blob_names_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sealed_store_needs_its_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_with_key_seals_plain_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backups_rotate_and_restore_newest_readable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restore_without_backup_is_enoent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_put_many_stores_50_blobs_with_two_syncs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_put_many_failing_leaves_old_files_and_no_temps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sealed_file_copied_over_another_name_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sealed_v1_file_opens_and_is_rewritten_bound_to_its_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_logout_syncs_both_directories_of_the_move, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restore_after_a_torn_live_dir_is_one_generation_with_newer_contact_state, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_finishes_a_restore_cut_between_its_renames, setup, teardown),
		cmocka_unit_test_setup_teardown(test_logout_moves_session_aside_and_starts_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sealed_file_rolled_back_to_an_older_copy_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sealed_read_never_waits_on_another_threads_slow_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sealed_restore_is_not_taken_for_a_rollback, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
