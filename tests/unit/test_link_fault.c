/*
 * test_link_fault: the words a connection ends with when the bytes of one
 * WebSocket message could not be handled. A failure of ours while
 * answering a well-formed stanza (a full send queue, -ENOBUFS) must read
 * as ours; only the frame reader's own errors blame the server.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <setjmp.h>
#include <cmocka.h>

#include "link/link_internal.h"

static void
test_link_fault_a_full_send_queue_is_ours(void **state)
{
	char msg[LINK_DETAIL_MAX];

	(void)state;
	/* frame_reader_feed passes the callback's error up unchanged */
	link_feed_fault_text(-ENOBUFS, -ENOBUFS, msg, sizeof(msg));
	assert_null(strstr(msg, "from server"));
	assert_non_null(strstr(msg, "not the server's"));
	assert_non_null(strstr(msg, "could not answer the server"));
}

static void
test_link_fault_bad_framing_is_the_servers(void **state)
{
	char msg[LINK_DETAIL_MAX];

	(void)state;
	link_feed_fault_text(-EBADMSG, 0, msg, sizeof(msg));
	assert_string_equal(msg, "malformed frames from server");
	link_feed_fault_text(-EMSGSIZE, 0, msg, sizeof(msg));
	assert_string_equal(msg, "oversized frame from server");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_link_fault_a_full_send_queue_is_ours),
		cmocka_unit_test(test_link_fault_bad_framing_is_the_servers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
