/*
 * hosts.h: the Host names wa-control answers to. A DNS-rebinding page
 * reaches 127.0.0.1 under its own name; refusing every Host not listed
 * (421) keeps it from logging in or reading /metrics. Pure: setting and
 * header in, verdict out.
 */
#ifndef WALINK_CTL_HOSTS_H
#define WALINK_CTL_HOSTS_H

#include <stdbool.h>

#define CTL_HOSTS_MAX		16
#define CTL_HOST_NAME_MAX	255
#define CTL_HOSTS_ERR_MAX	160

struct ctl_hosts {
	bool	any;			/* "*": every Host (behind a proxy that checks) */
	int	n;
	char	name[CTL_HOSTS_MAX][CTL_HOST_NAME_MAX + 1];	/* lower case */
};

/*
 * setting: comma-separated names (a ":port" is ignored, "[::1]" form
 * for IPv6), or "*", or "" for the default: the listen address's host
 * (unless it is a wildcard) and localhost, 127.0.0.1, [::1]. 0, or
 * -EINVAL with err filled.
 */
int	ctl_hosts_parse(const char *setting, const char *listen,
	    struct ctl_hosts *out, char err[CTL_HOSTS_ERR_MAX]);

/* Host header value (NULL when absent) -> allowed? */
bool	ctl_hosts_allow(const struct ctl_hosts *, const char *host_header);

/* True when only loopback names are allowed (for a start-up hint). */
bool	ctl_hosts_loopback_only(const struct ctl_hosts *);

#endif
