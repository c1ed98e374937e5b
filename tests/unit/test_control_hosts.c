/* test_control_hosts: which Host headers wa-control answers (else 421). */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <setjmp.h>
#include <cmocka.h>

#include "http/hosts.h"

static void
test_hosts_default_is_the_listen_host_and_localhost(void **state)
{
	struct ctl_hosts h;
	char err[CTL_HOSTS_ERR_MAX];

	(void)state;
	assert_int_equal(ctl_hosts_parse("", "127.0.0.1:3000", &h, err), 0);
	assert_true(ctl_hosts_allow(&h, "127.0.0.1:3000"));
	assert_true(ctl_hosts_allow(&h, "localhost:3000"));
	assert_true(ctl_hosts_allow(&h, "LOCALHOST."));
	assert_true(ctl_hosts_allow(&h, "[::1]:3000"));
	assert_false(ctl_hosts_allow(&h, "rebind.example:3000"));
	assert_false(ctl_hosts_allow(&h, "127.0.0.1.rebind.example"));
	assert_false(ctl_hosts_allow(&h, NULL));
	assert_false(ctl_hosts_allow(&h, ""));
	assert_true(ctl_hosts_loopback_only(&h));
	assert_int_equal(ctl_hosts_parse("", "192.168.1.5:3000", &h, err), 0);
	assert_true(ctl_hosts_allow(&h, "192.168.1.5:3000"));
	assert_false(ctl_hosts_loopback_only(&h));
	/* a wildcard listen address names no host */
	assert_int_equal(ctl_hosts_parse("", "0.0.0.0:3000", &h, err), 0);
	assert_false(ctl_hosts_allow(&h, "0.0.0.0:3000"));
	assert_true(ctl_hosts_loopback_only(&h));
}

static void
test_hosts_setting_replaces_the_default(void **state)
{
	struct ctl_hosts h;
	char err[CTL_HOSTS_ERR_MAX];

	(void)state;
	assert_int_equal(ctl_hosts_parse("console.example, Bot.Example:443,[fd00::1]",
	    "127.0.0.1:3000", &h, err), 0);
	assert_true(ctl_hosts_allow(&h, "console.example"));
	assert_true(ctl_hosts_allow(&h, "bot.example:8443"));
	assert_true(ctl_hosts_allow(&h, "[fd00::1]:3000"));
	assert_false(ctl_hosts_allow(&h, "localhost:3000"));
	assert_int_equal(ctl_hosts_parse("*", "127.0.0.1:3000", &h, err), 0);
	assert_true(ctl_hosts_allow(&h, "anything.example"));
	assert_int_equal(ctl_hosts_parse("a b", "127.0.0.1:3000", &h, err), -EINVAL);
	assert_non_null(strstr(err, "'a b' is not a host name"));
	assert_int_equal(ctl_hosts_parse("ok,,x", "127.0.0.1:3000", &h, err), -EINVAL);
	assert_int_equal(ctl_hosts_parse("[::1", "127.0.0.1:3000", &h, err), -EINVAL);
	assert_int_equal(ctl_hosts_parse("a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q",
	    "127.0.0.1:3000", &h, err), -EINVAL);
	assert_non_null(strstr(err, "at most 16"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hosts_default_is_the_listen_host_and_localhost),
		cmocka_unit_test(test_hosts_setting_replaces_the_default),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
