/*
 * route_session.c: "/api/sessions/ID/..." in front of the route table
 * (route.h). Every per-session route is the seed's route with the session
 * prefix, so one table still drives dispatch, auth and the OpenAPI text.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "http/route.h"

#define PREFIX	"/api/sessions/"

int
ctl_route_match_session(const char *method, const char *path,
    enum ctl_route *out, char param[CTL_PARAM_MAX + 1],
    char session[CTL_PARAM_MAX + 1])
{
	char rest[CTL_PATH_MAX + 8];
	const char *id, *slash;
	size_t len, i;
	int rc;

	session[0] = '\0';
	if (path == NULL || strncmp(path, PREFIX, sizeof(PREFIX) - 1) != 0 ||
	    (slash = strchr(path + sizeof(PREFIX) - 1, '/')) == NULL)
		return ctl_route_match(method, path, out, param);
	if (strnlen(path, CTL_PATH_MAX + 1) > CTL_PATH_MAX)
		return -ENAMETOOLONG;
	id = path + sizeof(PREFIX) - 1;
	len = (size_t)(slash - id);
	/* session ids are [A-Za-z0-9_-]: nothing to percent-decode */
	if (len == 0 || len > CTL_PARAM_MAX)
		return -EINVAL;
	for (i = 0; i < len; i++)
		if (!((id[i] >= 'a' && id[i] <= 'z') ||
		    (id[i] >= 'A' && id[i] <= 'Z') ||
		    (id[i] >= '0' && id[i] <= '9') || id[i] == '_' ||
		    id[i] == '-'))
			return -EINVAL;
	snprintf(rest, sizeof(rest), "/api%s", slash);
	if ((rc = ctl_route_match(method, rest, out, param)) < 0)
		return rc;
	if (!(ctl_route_def(*out)->flags & RF_SESSION))
		return -ENOENT;
	memcpy(session, id, len);
	session[len] = '\0';
	return 0;
}
