/*
 * test_hook_run: hooks run beside a real lws loop, with a 10 ms timer
 * standing in for the keepalive. A hook's input of several MiB (what a
 * text of control characters escapes to), a hook that never reads it and
 * a hook that floods its output each leave the timer on time; the JSON
 * reaches the hook whole, NUL included.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <setjmp.h>
#include <cmocka.h>
#include <libwebsockets.h>

#include "hook/hook.h"
#include "transport/ws.h"

#define TICK_MS		10
/* A stalled loop misses by seconds; a busy ASan run on shared cores by tens of ms. */
#define TICK_LATE_MAX_MS 250
#define RUN_MAX_S	20

struct run {
	struct lws_context	*cx;
	lws_sorted_usec_list_t	 tick;
	lws_usec_t		 last, worst;
	bool			 done;
	enum hook_status	 st;
	int			 code;
	char			*reply;
	size_t			 reply_len;
};

static struct run *cur;

static void
on_tick(lws_sorted_usec_list_t *sul)
{
	struct run *r = lws_container_of(sul, struct run, tick);
	lws_usec_t now = lws_now_usecs();

	if (r->last != 0 && now - r->last > r->worst)
		r->worst = now - r->last;
	r->last = now;
	lws_sul_schedule(r->cx, 0, &r->tick, on_tick, TICK_MS * LWS_US_PER_MS);
}

static void
on_done(void *arg, const char *tag, enum hook_status st, int code,
    const char *reply, size_t len)
{
	struct run *r = arg;

	(void)tag;
	r->done = true;
	r->st = st;
	r->code = code;
	r->reply = malloc(len + 1);
	memcpy(r->reply, reply, len);
	r->reply[len] = '\0';
	r->reply_len = len;
}

static void
on_alarm(int sig)
{
	static const char msg[] = "test_hook_run: the loop stalled\n";

	(void)sig;
	(void)!write(STDERR_FILENO, msg, sizeof(msg) - 1);
	_exit(1);
}

/* Runs one hook to its end; returns the worst gap between ticks in ms. */
static long
run_hook(const char *cmd, uint64_t timeout_ms, const struct hook_input *in,
    struct run *r)
{
	struct lws_protocols protos[2] = { *hook_protocol(), { 0 } };
	struct hook_cfg cfg = { .cmd = cmd, .timeout_ms = timeout_ms, .max = 1 };
	struct hook *h;

	memset(r, 0, sizeof(*r));
	cur = r;
	assert_int_equal(ws_context_new_with(NULL, false, protos, NULL, &r->cx), 0);
	assert_int_equal(hook_new(r->cx, &cfg, on_done, r, &h), 0);
	lws_sul_schedule(r->cx, 0, &r->tick, on_tick, TICK_MS * LWS_US_PER_MS);
	/* The old blocking write never returned: fail instead of hanging. */
	signal(SIGALRM, on_alarm);
	alarm(RUN_MAX_S);
	assert_int_equal(hook_run(h, in, "4915112340001@s.whatsapp.net"), 0);
	r->last = lws_now_usecs();
	while (!r->done)
		lws_service(r->cx, 0);
	alarm(0);
	lws_sul_cancel(&r->tick);
	hook_free(h);
	ws_context_free(r->cx);
	printf("# %s: worst timer gap %ld ms\n", cmd, (long)(r->worst / LWS_US_PER_MS));
	return (long)(r->worst / LWS_US_PER_MS);
}

/* A text of n control characters: JSON escapes each to six bytes. */
static char *
control_text(size_t n)
{
	char *t = malloc(n + 1);

	memset(t, '\x01', n);
	t[n] = '\0';
	return t;
}

static void
test_hook_run_takes_a_6_mib_input_without_stalling_the_loop(void **state)
{
	char *text = control_text(1024 * 1024);
	struct hook_input in = { .from = "4915112340001", .id = "1", .text = text };
	struct run r;
	long worst;

	(void)state;
	/* wc -c: the hook reads every byte and says how many there were */
	worst = run_hook("wc -c", 10000, &in, &r);
	assert_int_equal(r.st, HOOK_OK);
	assert_true(strtoul(r.reply, NULL, 10) > 6u * 1024 * 1024);
	assert_true(worst < TICK_LATE_MAX_MS);
	free(r.reply);
	free(text);
}

static void
test_hook_run_a_hook_that_never_reads_its_input_still_answers(void **state)
{
	char *text = control_text(1024 * 1024);
	struct hook_input in = { .from = "4915112340001", .id = "1", .text = text };
	struct run r;
	long worst;

	(void)state;
	worst = run_hook("sleep 0.3; printf unread", 10000, &in, &r);
	assert_int_equal(r.st, HOOK_OK);
	assert_string_equal(r.reply, "unread");
	assert_true(worst < TICK_LATE_MAX_MS);
	free(r.reply);
	free(text);
}

static void
test_hook_run_kills_a_hook_flooding_its_output_and_keeps_the_timer(void **state)
{
	struct hook_input in = { .from = "4915112340001", .id = "1", .text = "hi" };
	struct run r;
	long worst;

	(void)state;
	/* endless output, long before the 10 s timeout */
	worst = run_hook("yes flood", 10000, &in, &r);
	assert_int_equal(r.st, HOOK_FAILED);
	assert_int_equal(r.code, SIGKILL);
	assert_true(worst < TICK_LATE_MAX_MS);
	free(r.reply);
}

static void
test_hook_run_gives_the_hook_a_nul_inside_the_text(void **state)
{
	static const char text[] = "a\0b";
	struct hook_input in = { .from = "4915112340001", .id = "1", .text = text,
	    .text_len = sizeof(text) - 1 };
	struct run r;

	(void)state;
	run_hook("cat", 10000, &in, &r);
	assert_int_equal(r.st, HOOK_OK);
	assert_non_null(strstr(r.reply, "\"text\":\"a\\u0000b\""));
	free(r.reply);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hook_run_takes_a_6_mib_input_without_stalling_the_loop),
		cmocka_unit_test(test_hook_run_a_hook_that_never_reads_its_input_still_answers),
		cmocka_unit_test(test_hook_run_kills_a_hook_flooding_its_output_and_keeps_the_timer),
		cmocka_unit_test(test_hook_run_gives_the_hook_a_nul_inside_the_text),
	};

	lws_set_log_level(LLL_ERR, NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
