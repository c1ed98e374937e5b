/*
 * test_ipc: envelopes (round trips, wrong version, garbage, no body,
 * oversized) and real nanomsg sockets over ipc:// in a temp directory:
 * REQ/REP round trips with id matching, error replies for bad requests,
 * PUB/SUB delivery, socket file modes, and a PUB that never waits.
 */
#include "ipc.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <pthread.h>
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
#include <nanomsg/nn.h>

#include "wl_error.h"
#include "testdir.h"

static const char num15[] = "123456789012345";

/*
 * nanomsg 1.1.5 leaks its endpoint (nn_bipc_create) when an ipc:// bind
 * fails with EADDRINUSE; the worker exits then anyway. LeakSanitizer
 * reads this hook; the suppression is as narrow as the bug.
 */
const char	*__lsan_default_suppressions(void);

const char *
__lsan_default_suppressions(void)
{
	return "leak:nn_bipc_create\n";
}

/* ---- envelopes ---- */

static void
pack_request(Wlipc__Request *rq, uint8_t **buf, size_t *len)
{
	assert_int_equal(ipc_request_pack(rq, buf, len), 0);
}

static void
test_ipc_request_round_trip_keeps_id_and_body(void **state)
{
	Wlipc__Request rq = WLIPC__REQUEST__INIT, *out = NULL;
	uint8_t *buf;
	size_t len;

	(void)state;
	rq.id = 42;
	rq.body_case = WLIPC__REQUEST__BODY_WHITELIST_ADD;
	rq.whitelist_add = "+971 50-147 6598";
	pack_request(&rq, &buf, &len);
	assert_int_equal(rq.version, WL_IPC_VERSION);	/* stamped */
	assert_int_equal(ipc_request_unpack(buf, len, &out), 0);
	assert_int_equal(out->version, WL_IPC_VERSION);
	assert_int_equal(out->id, 42);
	assert_int_equal(out->body_case, WLIPC__REQUEST__BODY_WHITELIST_ADD);
	assert_string_equal(out->whitelist_add, "+971 50-147 6598");
	ipc_request_free(out);
	free(buf);
}

/* Bytes of a request as a peer of another version would send it. */
static uint8_t *
request_of_version(uint32_t version, uint64_t id, size_t *len)
{
	Wlipc__Request rq = WLIPC__REQUEST__INIT;
	Wlipc__Empty e = WLIPC__EMPTY__INIT;
	uint8_t *buf;

	rq.version = version;
	rq.id = id;
	rq.body_case = WLIPC__REQUEST__BODY_PING;
	rq.ping = &e;
	*len = wlipc__request__get_packed_size(&rq);
	buf = malloc(*len);
	assert_non_null(buf);
	wlipc__request__pack(&rq, buf);
	return buf;
}

static void
test_ipc_request_unpack_refuses_other_version(void **state)
{
	Wlipc__Request *out = NULL;
	struct ipc_envelope e;
	uint8_t *buf;
	size_t len;

	(void)state;
	buf = request_of_version(WL_IPC_VERSION + 1, 77, &len);
	assert_int_equal(ipc_request_unpack(buf, len, &out), -WL_EVERSION);
	assert_null(out);
	assert_int_equal(ipc_envelope_peek(buf, len, &e), 0);
	assert_true(e.has_id);
	assert_int_equal(e.id, 77);	/* so the error reply can carry it */
	assert_int_equal(e.version, WL_IPC_VERSION + 1);
	assert_int_equal(ipc_errcode_for(-WL_EVERSION),
	    WLIPC__ERROR_CODE__ERR_BAD_VERSION);
	free(buf);
}

static void
test_ipc_request_unpack_refuses_version_zero(void **state)
{
	Wlipc__Request *out = NULL;
	uint8_t *buf;
	size_t len;

	(void)state;
	buf = request_of_version(0, 1, &len);
	assert_int_equal(ipc_request_unpack(buf, len, &out), -WL_EVERSION);
	free(buf);
}

/*
 * Fuzzer find (corpus ipc_request/crash-version-varint-over-32-bits): a
 * repeated version whose varint passes 32 bits. protobuf-c keeps the last
 * one, cut to its low 32 bits; the peek must agree with it.
 */
static void
test_ipc_request_version_is_last_field_cut_to_32_bits(void **state)
{
	static const uint8_t v_ffffffff[] = { 0x08, 0x01, 0x10, 0x2a, 0x08,
	    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x08, 0x52, 0x00 };
	static const uint8_t v_2p32_plus_1[] = { 0x08, 0x05, 0x10, 0x2a, 0x08,
	    0x81, 0x80, 0x80, 0x80, 0x10, 0x52, 0x00 };
	Wlipc__Request *out = NULL;
	struct ipc_envelope e;

	(void)state;
	assert_int_equal(ipc_request_unpack(v_ffffffff, sizeof(v_ffffffff),
	    &out), -WL_EVERSION);
	assert_null(out);
	assert_int_equal(ipc_request_unpack(v_2p32_plus_1,
	    sizeof(v_2p32_plus_1), &out), 0);
	assert_int_equal(out->version, WL_IPC_VERSION);
	assert_int_equal(ipc_envelope_peek(v_2p32_plus_1,
	    sizeof(v_2p32_plus_1), &e), 0);
	assert_int_equal(e.version, WL_IPC_VERSION);
	ipc_request_free(out);
}

/*
 * Fuzzer find (corpus ipc_request/crash-field-zero-multibyte-tag): field 0
 * written as the two-byte tag 85 00. protobuf-c keeps it as an unknown
 * field, then refuses its own re-encoding; we refuse it up front, also
 * inside a nested message.
 */
static void
test_ipc_request_refuses_field_zero(void **state)
{
	static const uint8_t top[] = { 0x10, 0x01, 0x52, 0x00, 0x08, 0x01,
	    0x85, 0x00, 0x52, 0x00, 0x52, 0x00 };
	/* whitelist_replace (19) = NumberList holding field 0 as 80 00 00 */
	static const uint8_t nested[] = { 0x08, 0x01, 0x10, 0x02, 0x9a, 0x01,
	    0x03, 0x80, 0x00, 0x00 };
	static const uint8_t fine[] = { 0x08, 0x01, 0x10, 0x02, 0x9a, 0x01,
	    0x02, 0x0a, 0x00 };
	Wlipc__Request *out = NULL;

	(void)state;
	assert_int_equal(ipc_request_unpack(top, sizeof(top), &out), -EBADMSG);
	assert_null(out);
	assert_int_equal(ipc_request_unpack(nested, sizeof(nested), &out), -EBADMSG);
	assert_null(out);
	assert_int_equal(ipc_request_unpack(fine, sizeof(fine), &out), 0);
	assert_int_equal(out->body_case, WLIPC__REQUEST__BODY_WHITELIST_REPLACE);
	ipc_request_free(out);
}

static void
test_ipc_request_unpack_refuses_garbage(void **state)
{
	static const uint8_t garbage[] = { 0xff, 0xff, 0xff, 0xff, 0x0f, 0x12 };
	static const uint8_t truncated[] = { 0x08, 0x01, 0x10, 0x80 };
	static const uint8_t text[] = "GET / HTTP/1.1\r\n\r\n";
	Wlipc__Request *out = NULL;

	(void)state;
	assert_int_equal(ipc_request_unpack(garbage, sizeof(garbage), &out),
	    -EBADMSG);
	assert_int_equal(ipc_request_unpack(truncated, sizeof(truncated),
	    &out), -EBADMSG);
	assert_int_equal(ipc_request_unpack(text, sizeof(text) - 1, &out),
	    -EBADMSG);
	assert_null(out);
	assert_int_equal(ipc_errcode_for(-EBADMSG),
	    WLIPC__ERROR_CODE__ERR_BAD_REQUEST);
}

static void
test_ipc_request_unpack_refuses_empty_input(void **state)
{
	Wlipc__Request *out = NULL;

	(void)state;
	assert_int_equal(ipc_request_unpack((const uint8_t *)"", 0, &out),
	    -EBADMSG);
}

static void
test_ipc_request_unpack_refuses_missing_id(void **state)
{
	static const uint8_t only_version[] = { 0x08, 0x01, 0x52, 0x00 };
	Wlipc__Request *out = NULL;

	(void)state;	/* version 1, ping, but the required id is absent */
	assert_int_equal(ipc_request_unpack(only_version,
	    sizeof(only_version), &out), -EBADMSG);
}

static void
test_ipc_request_unpack_refuses_missing_body(void **state)
{
	Wlipc__Request rq = WLIPC__REQUEST__INIT, *out = NULL;
	uint8_t *buf;
	size_t len;

	(void)state;
	rq.id = 5;
	pack_request(&rq, &buf, &len);
	assert_int_equal(ipc_request_unpack(buf, len, &out), -WL_ENOBODY);
	assert_null(out);
	assert_int_equal(ipc_errcode_for(-WL_ENOBODY),
	    WLIPC__ERROR_CODE__ERR_BAD_REQUEST);
	free(buf);
}

static void
test_ipc_unpack_refuses_max_plus_one_before_decoding(void **state)
{
	uint8_t *big = calloc(1, WL_IPC_MSG_MAX + 1);
	Wlipc__Request *rq = NULL;
	Wlipc__Reply *rp = NULL;
	Wlipc__Event *ev = NULL;

	(void)state;
	assert_non_null(big);
	assert_int_equal(ipc_request_unpack(big, WL_IPC_MSG_MAX + 1, &rq),
	    -EMSGSIZE);
	assert_int_equal(ipc_reply_unpack(big, WL_IPC_MSG_MAX + 1, &rp),
	    -EMSGSIZE);
	assert_int_equal(ipc_event_unpack(big, WL_IPC_MSG_MAX + 1, &ev),
	    -EMSGSIZE);
	free(big);
}

/* A bulk replace of n numbers of 15 digits. */
static void
make_replace(Wlipc__Request *rq, Wlipc__NumberList *nl, size_t n)
{
	size_t i;

	nl->n_numbers = n;
	nl->numbers = malloc(n * sizeof(char *));
	assert_non_null(nl->numbers);
	for (i = 0; i < n; i++)
		nl->numbers[i] = (char *)num15;
	rq->id = 9;
	rq->body_case = WLIPC__REQUEST__BODY_WHITELIST_REPLACE;
	rq->whitelist_replace = nl;
}

static void
test_ipc_bulk_replace_of_100000_numbers_fits(void **state)
{
	Wlipc__Request rq = WLIPC__REQUEST__INIT, *out = NULL;
	Wlipc__NumberList nl = WLIPC__NUMBER_LIST__INIT;
	uint8_t *buf;
	size_t len;

	(void)state;
	make_replace(&rq, &nl, 100000);
	pack_request(&rq, &buf, &len);
	assert_true(len > (1u << 20));	/* why 1 MiB was not enough */
	assert_true(len <= WL_IPC_MSG_MAX);
	assert_int_equal(ipc_request_unpack(buf, len, &out), 0);
	assert_int_equal(out->whitelist_replace->n_numbers, 100000);
	assert_string_equal(out->whitelist_replace->numbers[99999], num15);
	ipc_request_free(out);
	free(buf);
	free(nl.numbers);
}

static void
test_ipc_pack_refuses_message_over_max(void **state)
{
	Wlipc__Request rq = WLIPC__REQUEST__INIT;
	Wlipc__NumberList nl = WLIPC__NUMBER_LIST__INIT;
	uint8_t *buf = NULL;
	size_t len = 0;

	(void)state;
	make_replace(&rq, &nl, WL_IPC_MSG_MAX / 17 + 1);	/* 17 B each */
	assert_int_equal(ipc_request_pack(&rq, &buf, &len), -EMSGSIZE);
	assert_null(buf);
	free(nl.numbers);
}

static void
test_ipc_pack_refuses_missing_required_submessage(void **state)
{
	Wlipc__Reply rp = WLIPC__REPLY__INIT;
	Wlipc__Error err = WLIPC__ERROR__INIT;	/* required message NULL */
	uint8_t *buf = NULL;
	size_t len;

	(void)state;
	rp.error = &err;
	assert_int_equal(ipc_reply_pack(&rp, &buf, &len), -EINVAL);
	assert_null(buf);
}

static void
test_ipc_reply_error_round_trip_lists_invalid_inputs(void **state)
{
	Wlipc__Reply *rp, *out = NULL;
	uint8_t *buf;
	size_t len;

	(void)state;
	rp = ipc_reply_error(31, WLIPC__ERROR_CODE__ERR_INVALID_NUMBER,
	    "2 numbers are invalid");
	assert_non_null(rp);
	assert_int_equal(ipc_reply_add_invalid(rp, "abc"), 0);
	assert_int_equal(ipc_reply_add_invalid(rp, "123"), 0);
	assert_int_equal(ipc_reply_pack(rp, &buf, &len), 0);
	assert_int_equal(ipc_reply_unpack(buf, len, &out), 0);
	assert_int_equal(out->id, 31);
	assert_non_null(out->error);
	assert_int_equal(out->error->code,
	    WLIPC__ERROR_CODE__ERR_INVALID_NUMBER);
	assert_string_equal(out->error->message, "2 numbers are invalid");
	assert_int_equal(out->error->n_invalid, 2);
	assert_string_equal(out->error->invalid[1], "123");
	assert_int_equal(out->body_case, WLIPC__REPLY__BODY__NOT_SET);
	ipc_reply_free(out);
	ipc_reply_free(rp);
	free(buf);
}

static void
test_ipc_reply_without_error_or_body_is_refused(void **state)
{
	Wlipc__Reply *rp = ipc_reply_new(3), *out = NULL;
	uint8_t *buf;
	size_t len;

	(void)state;
	assert_non_null(rp);
	assert_int_equal(ipc_reply_add_invalid(rp, "x"), -EINVAL);
	assert_int_equal(ipc_reply_pack(rp, &buf, &len), 0);
	assert_int_equal(ipc_reply_unpack(buf, len, &out), -WL_ENOBODY);
	ipc_reply_free(rp);
	free(buf);
	ipc_reply_free(NULL);
	ipc_request_free(NULL);
	ipc_event_free(NULL);
}

static void
test_ipc_event_round_trip(void **state)
{
	Wlipc__Event ev = WLIPC__EVENT__INIT, *out = NULL;
	Wlipc__Heartbeat hb = WLIPC__HEARTBEAT__INIT;
	uint8_t *buf;
	size_t len;

	(void)state;
	hb.state = WLIPC__LINK_STATE__LS_CONNECTED;
	hb.rtt_ms = 87;
	hb.timestamp_ms = 1764055764123ULL;
	ev.seq = 12;
	ev.time_ms = 1764055764123ULL;
	ev.body_case = WLIPC__EVENT__BODY_HEARTBEAT;
	ev.heartbeat = &hb;
	assert_int_equal(ipc_event_pack(&ev, &buf, &len), 0);
	assert_int_equal(ipc_event_unpack(buf, len, &out), 0);
	assert_int_equal(out->seq, 12);
	assert_int_equal(out->heartbeat->rtt_ms, 87);
	ipc_event_free(out);
	free(buf);
}

static void
test_ipc_errcode_for_maps_operation_errors(void **state)
{
	(void)state;
	assert_int_equal(ipc_errcode_for(0), WLIPC__ERROR_CODE__ERR_NONE);
	assert_int_equal(ipc_errcode_for(-EMSGSIZE),
	    WLIPC__ERROR_CODE__ERR_BAD_REQUEST);
	assert_int_equal(ipc_errcode_for(-WL_EBADNUMBER),
	    WLIPC__ERROR_CODE__ERR_INVALID_NUMBER);
	assert_int_equal(ipc_errcode_for(-EEXIST),
	    WLIPC__ERROR_CODE__ERR_DUPLICATE);
	assert_int_equal(ipc_errcode_for(-ENOENT),
	    WLIPC__ERROR_CODE__ERR_NOT_FOUND);
	assert_int_equal(ipc_errcode_for(-EIO),
	    WLIPC__ERROR_CODE__ERR_INTERNAL);
}

/* ---- URLs ---- */

static void
test_ipc_default_urls_are_absolute_under_run(void **state)
{
	char rpc[IPC_URL_MAX], ev[IPC_URL_MAX], cwd[512], want[1024];

	(void)state;
	assert_int_equal(ipc_default_urls("/srv/walink/data/", rpc, ev), 0);
	assert_string_equal(rpc, "ipc:///srv/walink/data/run/worker.rpc");
	assert_string_equal(ev, "ipc:///srv/walink/data/run/worker.events");
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	if (strlen(cwd) < 60) {
		assert_int_equal(ipc_default_urls("data", rpc, ev), 0);
		snprintf(want, sizeof(want), "ipc://%s/data/run/worker.rpc",
		    strcmp(cwd, "/") == 0 ? "" : cwd);
		assert_string_equal(rpc, want);
	}
	if (strlen(cwd) < 60) {
		assert_int_equal(ipc_default_urls("./data/", rpc, ev), 0);
		assert_string_equal(rpc, want);
		assert_int_equal(ipc_default_urls(".", rpc, ev), 0);
		snprintf(want, sizeof(want), "ipc://%s/run/worker.events",
		    strcmp(cwd, "/") == 0 ? "" : cwd);
		assert_string_equal(ev, want);
	}
	assert_int_equal(ipc_default_urls("", rpc, ev), -EINVAL);
}

static void
test_ipc_default_urls_refuse_path_over_sun_path(void **state)
{
	char rpc[IPC_URL_MAX], ev[IPC_URL_MAX], dir[200];
	size_t room = IPC_PATH_MAX - strlen("/run/worker.events");

	(void)state;
	memset(dir, 'd', sizeof(dir));
	dir[0] = '/';
	dir[room] = '\0';			/* exactly 107 bytes: fits */
	assert_int_equal(ipc_default_urls(dir, rpc, ev), 0);
	assert_int_equal(strlen(ev), strlen("ipc://") + IPC_PATH_MAX);
	dir[room] = 'd';
	dir[room + 1] = '\0';			/* 108: refused */
	assert_int_equal(ipc_default_urls(dir, rpc, ev), -WL_EIPCPATH);
}

static void
test_ipc_url_check_limits_ipc_paths_only(void **state)
{
	char url[300];

	(void)state;
	memset(url, 'p', sizeof(url));
	memcpy(url, "ipc:///", 7);
	url[6 + IPC_PATH_MAX] = '\0';
	assert_int_equal(ipc_url_check(url), 0);
	url[6 + IPC_PATH_MAX] = 'p';
	url[6 + IPC_PATH_MAX + 1] = '\0';
	assert_int_equal(ipc_url_check(url), -WL_EIPCPATH);
	assert_int_equal(ipc_bind_rep(url), -WL_EIPCPATH);
	assert_int_equal(ipc_connect_req(url, 100), -WL_EIPCPATH);
	assert_int_equal(ipc_url_check("tcp://127.0.0.1:7601"), 0);
	assert_int_equal(ipc_url_check("ipc://"), -EINVAL);
	assert_int_equal(ipc_url_check(""), -EINVAL);
}

/* ---- sockets ---- */

struct fx {
	char	dir[64];
	char	rpc[IPC_URL_MAX];
	char	events[IPC_URL_MAX];
};

static int
setup_dir(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	if (testdir_make(f->dir, sizeof(f->dir), "ipc") < 0)
		return -1;
	if (ipc_default_urls(f->dir, f->rpc, f->events) < 0)
		return -1;
	*state = f;
	return 0;
}

static int
teardown_dir(void **state)
{
	struct fx *f = *state;

	if (testdir_remove(f->dir) < 0)
		return -1;
	free(f);
	return 0;
}

static mode_t
mode_of(const char *path, bool *is_sock)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	if (is_sock != NULL)
		*is_sock = S_ISSOCK(st.st_mode);
	return st.st_mode & 07777;
}

enum serve_how { SERVE_PONG, SERVE_WRONG_ID, SERVE_BIG_LIST };

struct server {
	int		sock;
	enum serve_how	how;
	int		served;
	int		sent_rc;
};

/* A whitelist reply echoing every number of a bulk replace. */
static void
big_list_body(Wlipc__Reply *rp, const Wlipc__Request *rq)
{
	const Wlipc__NumberList *nl = rq->whitelist_replace;
	Wlipc__Whitelist *w = malloc(sizeof(*w));
	size_t i;

	assert_non_null(w);
	wlipc__whitelist__init(w);
	w->numbers = calloc(nl->n_numbers, sizeof(char *));
	assert_non_null(w->numbers);
	for (i = 0; i < nl->n_numbers; i++)
		w->numbers[i] = strdup(nl->numbers[i]);
	w->n_numbers = nl->n_numbers;
	w->count = (uint32_t)nl->n_numbers;
	rp->body_case = WLIPC__REPLY__BODY_WHITELIST;
	rp->whitelist = w;
}

/* A one-request worker: what the worker's REP handler does. */
static void *
serve_one(void *arg)
{
	struct server *s = arg;
	Wlipc__Request *rq;
	Wlipc__Reply *rp;
	void *msg;
	size_t len;
	int rc;

	if (ipc_recv(s->sock, 0, &msg, &len) < 0)
		return NULL;
	rc = ipc_request_unpack(msg, len, &rq);
	if (rc < 0) {
		ipc_reply_send_unpack_error(s->sock, msg, len, rc);
	} else {
		rp = ipc_reply_new(s->how == SERVE_WRONG_ID ? rq->id + 1 :
		    rq->id);
		if (s->how == SERVE_BIG_LIST)
			big_list_body(rp, rq);
		else {
			rp->body_case = WLIPC__REPLY__BODY_PONG;
			rp->pong = malloc(sizeof(*rp->pong));
			wlipc__empty__init(rp->pong);
		}
		s->sent_rc = ipc_reply_send(s->sock, rp);
		ipc_reply_free(rp);
		ipc_request_free(rq);
	}
	ipc_msg_free(msg);
	s->served++;
	return NULL;
}

static int
bind_rep_with_timeout(const char *url)
{
	int s = ipc_bind_rep(url), ms = 5000;

	assert_true(s >= 0);
	assert_int_equal(nn_setsockopt(s, NN_SOL_SOCKET, NN_RCVTIMEO, &ms,
	    sizeof(ms)), 0);
	return s;
}

static void
test_ipc_rep_bind_makes_run_dir_0750_and_socket_0660(void **state)
{
	struct fx *f = *state;
	char run[128];
	bool is_sock;
	int s;
	mode_t old = umask(0);	/* the widest umask: modes must still hold */

	s = ipc_bind_rep(f->rpc);
	umask(old);
	assert_true(s >= 0);
	snprintf(run, sizeof(run), "%s/run", f->dir);
	assert_int_equal(mode_of(run, NULL), IPC_RUN_DIR_MODE);
	assert_int_equal(mode_of(f->rpc + 6, &is_sock), IPC_SOCKET_MODE);
	assert_true(is_sock);
	ipc_close(s);
}

static void
test_ipc_bind_replaces_stale_socket_left_by_a_crash(void **state)
{
	struct fx *f = *state;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char run[128];
	int fd, s;

	snprintf(run, sizeof(run), "%s/run", f->dir);
	assert_int_equal(mkdir(run, 0750), 0);
	/* what kill -9 leaves behind: a socket file nobody listens on */
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", f->rpc + 6);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	s = ipc_bind_rep(f->rpc);
	assert_true(s >= 0);
	ipc_close(s);
}

static void
test_ipc_bind_refuses_socket_a_live_worker_holds(void **state)
{
	struct fx *f = *state;
	int s = ipc_bind_rep(f->rpc);

	assert_true(s >= 0);
	assert_int_equal(ipc_bind_rep(f->rpc), -EADDRINUSE);
	ipc_close(s);
}

static void
test_ipc_bind_refuses_world_writable_run_dir(void **state)
{
	struct fx *f = *state;
	char run[128];

	snprintf(run, sizeof(run), "%s/run", f->dir);
	assert_int_equal(mkdir(run, 0700), 0);
	assert_int_equal(chmod(run, 0777), 0);
	assert_int_equal(ipc_bind_rep(f->rpc), -WL_EUNSAFEMODE);
}

static void
test_ipc_call_round_trip_matches_id(void **state)
{
	struct fx *f = *state;
	struct server srv = { .how = SERVE_PONG };
	Wlipc__Request rq = WLIPC__REQUEST__INIT;
	Wlipc__Empty e = WLIPC__EMPTY__INIT;
	Wlipc__Reply *rp = NULL;
	pthread_t t;
	int c;

	srv.sock = bind_rep_with_timeout(f->rpc);
	assert_int_equal(pthread_create(&t, NULL, serve_one, &srv), 0);
	c = ipc_connect_req(f->rpc, 5000);
	assert_true(c >= 0);
	rq.body_case = WLIPC__REQUEST__BODY_PING;
	rq.ping = &e;
	assert_int_equal(ipc_call(c, &rq, &rp, 5000), 0);
	assert_int_not_equal(rq.id, 0);		/* a fresh id was picked */
	assert_int_equal(rp->id, rq.id);
	assert_int_equal(rp->body_case, WLIPC__REPLY__BODY_PONG);
	pthread_join(t, NULL);
	assert_int_equal(srv.served, 1);
	ipc_reply_free(rp);
	ipc_close(c);
	ipc_close(srv.sock);
}

static void
test_ipc_call_refuses_reply_with_other_id(void **state)
{
	struct fx *f = *state;
	struct server srv = { .how = SERVE_WRONG_ID };
	Wlipc__Request rq = WLIPC__REQUEST__INIT;
	Wlipc__Empty e = WLIPC__EMPTY__INIT;
	Wlipc__Reply *rp = NULL;
	pthread_t t;
	int c;

	srv.sock = bind_rep_with_timeout(f->rpc);
	assert_int_equal(pthread_create(&t, NULL, serve_one, &srv), 0);
	c = ipc_connect_req(f->rpc, 1000);
	assert_true(c >= 0);
	rq.id = 1000;
	rq.body_case = WLIPC__REQUEST__BODY_PING;
	rq.ping = &e;
	assert_int_equal(ipc_call(c, &rq, &rp, 1000), -EPROTO);
	assert_null(rp);
	pthread_join(t, NULL);
	assert_int_equal(srv.served, 1);	/* it did answer, wrongly */
	ipc_close(c);
	ipc_close(srv.sock);
}

static void
test_ipc_bulk_replace_and_list_of_100000_cross_the_socket(void **state)
{
	struct fx *f = *state;
	struct server srv = { .how = SERVE_BIG_LIST };
	Wlipc__Request rq = WLIPC__REQUEST__INIT;
	Wlipc__NumberList nl = WLIPC__NUMBER_LIST__INIT;
	Wlipc__Reply *rp = NULL;
	pthread_t t;
	int c;

	srv.sock = bind_rep_with_timeout(f->rpc);
	assert_int_equal(pthread_create(&t, NULL, serve_one, &srv), 0);
	c = ipc_connect_req(f->rpc, 10000);
	assert_true(c >= 0);
	make_replace(&rq, &nl, 100000);
	assert_int_equal(ipc_call(c, &rq, &rp, 10000), 0);
	pthread_join(t, NULL);
	assert_int_equal(srv.sent_rc, 0);	/* REP never waited */
	assert_int_equal(rp->body_case, WLIPC__REPLY__BODY_WHITELIST);
	assert_int_equal(rp->whitelist->n_numbers, 100000);
	assert_string_equal(rp->whitelist->numbers[99999], num15);
	ipc_reply_free(rp);
	free(nl.numbers);
	ipc_close(c);
	ipc_close(srv.sock);
}

static void
test_ipc_call_without_worker_times_out(void **state)
{
	struct fx *f = *state;
	Wlipc__Request rq = WLIPC__REQUEST__INIT;
	Wlipc__Empty e = WLIPC__EMPTY__INIT;
	Wlipc__Reply *rp = NULL;
	struct timespec a, b;
	int c;

	c = ipc_connect_req(f->rpc, 200);	/* nothing bound there */
	assert_true(c >= 0);
	rq.body_case = WLIPC__REQUEST__BODY_GET_STATE;
	rq.get_state = &e;
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(ipc_call(c, &rq, &rp, 200), -ETIMEDOUT);
	clock_gettime(CLOCK_MONOTONIC, &b);
	assert_true(b.tv_sec - a.tv_sec < 5);	/* bounded, not 60 s */
	ipc_close(c);
}

static void
test_ipc_worker_answers_other_version_with_bad_version_and_id(void **state)
{
	struct fx *f = *state;
	struct server srv = { .how = SERVE_PONG };
	Wlipc__Reply *rp = NULL;
	pthread_t t;
	uint8_t *req;
	void *msg;
	size_t len;
	int c;

	srv.sock = bind_rep_with_timeout(f->rpc);
	assert_int_equal(pthread_create(&t, NULL, serve_one, &srv), 0);
	c = ipc_connect_req(f->rpc, 5000);
	assert_true(c >= 0);
	req = request_of_version(WL_IPC_VERSION + 1, 555, &len);
	assert_int_equal(nn_send(c, req, len, 0), (int)len);
	free(req);
	assert_int_equal(ipc_recv(c, 0, &msg, &len), 0);
	assert_int_equal(ipc_reply_unpack(msg, len, &rp), 0);
	assert_int_equal(rp->id, 555);
	assert_non_null(rp->error);
	assert_int_equal(rp->error->code, WLIPC__ERROR_CODE__ERR_BAD_VERSION);
	pthread_join(t, NULL);
	ipc_reply_free(rp);
	ipc_msg_free(msg);
	ipc_close(c);
	ipc_close(srv.sock);
}

static void
test_ipc_worker_answers_garbage_with_bad_request(void **state)
{
	struct fx *f = *state;
	struct server srv = { .how = SERVE_PONG };
	Wlipc__Reply *rp = NULL;
	pthread_t t;
	void *msg;
	size_t len;
	int c;

	srv.sock = bind_rep_with_timeout(f->rpc);
	assert_int_equal(pthread_create(&t, NULL, serve_one, &srv), 0);
	c = ipc_connect_req(f->rpc, 5000);
	assert_true(c >= 0);
	assert_int_equal(nn_send(c, "\xff\xfe garbage", 10, 0), 10);
	assert_int_equal(ipc_recv(c, 0, &msg, &len), 0);
	assert_int_equal(ipc_reply_unpack(msg, len, &rp), 0);
	assert_int_equal(rp->id, 0);
	assert_int_equal(rp->error->code, WLIPC__ERROR_CODE__ERR_BAD_REQUEST);
	pthread_join(t, NULL);
	ipc_reply_free(rp);
	ipc_msg_free(msg);
	ipc_close(c);
	ipc_close(srv.sock);
}

static void
publish_ping_state(struct ipc_publisher *pub)
{
	Wlipc__Event ev = WLIPC__EVENT__INIT;
	Wlipc__Empty e = WLIPC__EMPTY__INIT;

	ev.body_case = WLIPC__EVENT__BODY_QR_EXPIRED;
	ev.qr_expired = &e;
	assert_int_equal(ipc_publish(pub, &ev), 0);
}

static void
test_ipc_pub_sub_delivers_stamped_events(void **state)
{
	struct fx *f = *state;
	struct ipc_publisher pub = { 0 };
	Wlipc__Event *ev = NULL;
	bool is_sock;
	void *msg;
	size_t len;
	int sub, i, rc = -1;

	pub.sock = ipc_bind_pub(f->events);
	assert_true(pub.sock >= 0);
	assert_int_equal(mode_of(f->events + 6, &is_sock), IPC_SOCKET_MODE);
	assert_true(is_sock);
	sub = ipc_connect_sub(f->events, 50);
	assert_true(sub >= 0);
	/* the subscription reaches the PUB asynchronously: retry, bounded */
	for (i = 0; i < 100 && rc != 0; i++) {
		publish_ping_state(&pub);
		rc = ipc_recv(sub, 0, &msg, &len);
	}
	assert_int_equal(rc, 0);
	assert_int_equal(ipc_event_unpack(msg, len, &ev), 0);
	assert_int_equal(ev->version, WL_IPC_VERSION);
	assert_true(ev->seq >= 1 && ev->seq <= pub.seq);
	assert_true(ev->time_ms > 1700000000000ULL);
	assert_int_equal(ev->body_case, WLIPC__EVENT__BODY_QR_EXPIRED);
	assert_int_equal(pub.sent, pub.seq);
	assert_int_equal(pub.dropped, 0);
	ipc_event_free(ev);
	ipc_msg_free(msg);
	ipc_close(sub);
	ipc_close(pub.sock);
}

/* Publishes n events of ~size bytes; every call must return at once. */
static void
flood(struct ipc_publisher *pub, int n, size_t size)
{
	Wlipc__Event ev = WLIPC__EVENT__INIT;
	Wlipc__MessageSeen ms = WLIPC__MESSAGE_SEEN__INIT;
	char *from = malloc(size + 1);
	int i;

	assert_non_null(from);
	memset(from, 'f', size);
	from[size] = '\0';
	ms.accepted = true;
	ms.from = from;
	ev.body_case = WLIPC__EVENT__BODY_MESSAGE;
	ev.message = &ms;
	for (i = 0; i < n; i++) {
		ev.time_ms = 0;
		assert_int_equal(ipc_publish(pub, &ev), 0);
	}
	free(from);
}

static void
test_ipc_pub_without_subscriber_never_blocks(void **state)
{
	struct fx *f = *state;
	struct ipc_publisher pub = { 0 };

	pub.sock = ipc_bind_pub(f->events);
	assert_true(pub.sock >= 0);
	flood(&pub, 20000, 1024);	/* ctest's timeout catches a stall */
	assert_int_equal(pub.seq, 20000);
	ipc_close(pub.sock);
}

static void
test_ipc_pub_with_stalled_subscriber_never_blocks(void **state)
{
	struct fx *f = *state;
	struct ipc_publisher pub = { 0 };
	int sub;

	pub.sock = ipc_bind_pub(f->events);
	assert_true(pub.sock >= 0);
	sub = ipc_connect_sub(f->events, 50);	/* connected, never reads */
	assert_true(sub >= 0);
	usleep(100 * 1000);
	flood(&pub, 5000, 64 * 1024);	/* 320 MB: far past any buffer */
	assert_int_equal(pub.seq, 5000);
	ipc_close(sub);
	ipc_close(pub.sock);
}

static void
test_ipc_publish_counts_oversized_event_as_dropped(void **state)
{
	struct ipc_publisher pub = { .sock = -1 };
	Wlipc__Event ev = WLIPC__EVENT__INIT;
	Wlipc__MessageSeen ms = WLIPC__MESSAGE_SEEN__INIT;
	char *from = malloc(WL_IPC_MSG_MAX + 1);

	(void)state;
	assert_non_null(from);
	memset(from, 'f', WL_IPC_MSG_MAX);
	from[WL_IPC_MSG_MAX] = '\0';
	ms.accepted = false;
	ms.from = from;
	ev.body_case = WLIPC__EVENT__BODY_MESSAGE;
	ev.message = &ms;
	assert_int_equal(ipc_publish(&pub, &ev), -EMSGSIZE);
	assert_int_equal(pub.dropped, 1);
	assert_int_equal(pub.sent, 0);
	free(from);
}

/* Answers its first request too late, then the next one at once. */
static void *
serve_late_then_prompt(void *arg)
{
	struct server *s = arg;

	s->how = SERVE_PONG;
	usleep(400 * 1000);	/* the client gives up after 100 ms */
	serve_one(s);		/* this reply is stale when it arrives */
	serve_one(s);
	return NULL;
}

static void
test_ipc_call_after_timeout_gets_its_own_reply_not_the_stale_one(void **state)
{
	struct fx *f = *state;
	struct server srv = { .how = SERVE_PONG };
	Wlipc__Request rq = WLIPC__REQUEST__INIT;
	Wlipc__Empty e = WLIPC__EMPTY__INIT;
	Wlipc__Reply *rp = NULL;
	pthread_t t;
	int c;

	srv.sock = bind_rep_with_timeout(f->rpc);
	assert_int_equal(pthread_create(&t, NULL, serve_late_then_prompt,
	    &srv), 0);
	c = ipc_connect_req(f->rpc, 2000);
	assert_true(c >= 0);
	rq.id = 1;
	rq.body_case = WLIPC__REQUEST__BODY_PING;
	rq.ping = &e;
	assert_int_equal(ipc_call(c, &rq, &rp, 100), -ETIMEDOUT);
	usleep(600 * 1000);	/* the stale reply to id 1 is in flight now */
	rq.id = 2;
	assert_int_equal(ipc_call(c, &rq, &rp, 2000), 0);
	assert_int_equal(rp->id, 2);
	pthread_join(t, NULL);
	assert_int_equal(srv.served, 2);
	ipc_reply_free(rp);
	ipc_close(c);
	ipc_close(srv.sock);
}

#define TD(fn)	cmocka_unit_test_setup_teardown(fn, setup_dir, teardown_dir)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipc_request_round_trip_keeps_id_and_body),
		cmocka_unit_test(test_ipc_request_unpack_refuses_other_version),
		cmocka_unit_test(test_ipc_request_unpack_refuses_version_zero),
		cmocka_unit_test(test_ipc_request_version_is_last_field_cut_to_32_bits),
		cmocka_unit_test(test_ipc_request_refuses_field_zero),
		cmocka_unit_test(test_ipc_request_unpack_refuses_garbage),
		cmocka_unit_test(test_ipc_request_unpack_refuses_empty_input),
		cmocka_unit_test(test_ipc_request_unpack_refuses_missing_id),
		cmocka_unit_test(test_ipc_request_unpack_refuses_missing_body),
		cmocka_unit_test(test_ipc_unpack_refuses_max_plus_one_before_decoding),
		cmocka_unit_test(test_ipc_bulk_replace_of_100000_numbers_fits),
		cmocka_unit_test(test_ipc_pack_refuses_message_over_max),
		cmocka_unit_test(test_ipc_pack_refuses_missing_required_submessage),
		cmocka_unit_test(test_ipc_reply_error_round_trip_lists_invalid_inputs),
		cmocka_unit_test(test_ipc_reply_without_error_or_body_is_refused),
		cmocka_unit_test(test_ipc_event_round_trip),
		cmocka_unit_test(test_ipc_errcode_for_maps_operation_errors),
		cmocka_unit_test(test_ipc_default_urls_are_absolute_under_run),
		cmocka_unit_test(test_ipc_default_urls_refuse_path_over_sun_path),
		cmocka_unit_test(test_ipc_url_check_limits_ipc_paths_only),
		TD(test_ipc_rep_bind_makes_run_dir_0750_and_socket_0660),
		TD(test_ipc_bind_replaces_stale_socket_left_by_a_crash),
		TD(test_ipc_bind_refuses_socket_a_live_worker_holds),
		TD(test_ipc_bind_refuses_world_writable_run_dir),
		TD(test_ipc_call_round_trip_matches_id),
		TD(test_ipc_call_refuses_reply_with_other_id),
		TD(test_ipc_bulk_replace_and_list_of_100000_cross_the_socket),
		TD(test_ipc_call_without_worker_times_out),
		TD(test_ipc_call_after_timeout_gets_its_own_reply_not_the_stale_one),
		TD(test_ipc_worker_answers_other_version_with_bad_version_and_id),
		TD(test_ipc_worker_answers_garbage_with_bad_request),
		TD(test_ipc_pub_sub_delivers_stamped_events),
		TD(test_ipc_pub_without_subscriber_never_blocks),
		TD(test_ipc_pub_with_stalled_subscriber_never_blocks),
		cmocka_unit_test(test_ipc_publish_counts_oversized_event_as_dropped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
