/*
 * fuzz_control_body: the request-body path of wa-control (api/body.c) as a
 * civetweb worker thread runs it: on a thread with civetweb's 100 KiB
 * stack, the nesting check, then the login, add and bulk parsers with the
 * caps the HTTP layer applies. Deep nesting (its corpus holds 1000-level
 * bodies) must be refused without overflowing that stack; whatever the
 * nesting check refuses, no parser may accept.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/body.h"

#define CIVETWEB_STACK	(100 * 1024)	/* Debian's libcivetweb: USE_STACK_SIZE */

struct run {
	const char	*buf;
	size_t		 len;
};

static void *
body_path(void *arg)
{
	const struct run *r = arg;
	char d[PHONE_BUF], err[CTL_ERR_MAX], pw[CTL_PASSWORD_MAX + 1];
	struct ctl_numbers nums;
	bool deep = ctl_body_shape_ok(r->buf, r->len, CTL_JSON_DEPTH_MAX) < 0;
	size_t i;

	if (r->len <= CTL_LOGIN_BODY_MAX &&
	    ctl_body_parse_login(r->buf, r->len, pw, err) == 0 &&
	    (deep || strlen(pw) > CTL_PASSWORD_MAX))
		abort();
	if (ctl_body_parse_add(r->buf, r->len, d, err) == 0 &&
	    (deep || !phone_is_valid(d)))
		abort();
	if (ctl_body_parse_bulk(r->buf, r->len, &nums, err) == 0) {
		if (deep || nums.ninvalid != 0)
			abort();
		for (i = 0; i < nums.n; i++)
			if (!phone_is_valid(nums.v[i]))
				abort();
	}
	/* refused entries are cut strings, short scalars or a kind: never a
	 * dump of a container a stranger built */
	for (i = 0; i < nums.ninvalid; i++)
		if (strlen(nums.invalid[i]) > CTL_NUMBER_INPUT_MAX)
			abort();
	ctl_numbers_fini(&nums);
	return NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct run r = { (const char *)data, size };
	pthread_attr_t a;
	pthread_t t;

	if (size > CTL_BODY_MAX)
		return 0;
	if (pthread_attr_init(&a) != 0 ||
	    pthread_attr_setstacksize(&a, CIVETWEB_STACK) != 0 ||
	    pthread_create(&t, &a, body_path, &r) != 0)
		abort();
	pthread_join(t, NULL);
	pthread_attr_destroy(&a);
	return 0;
}
