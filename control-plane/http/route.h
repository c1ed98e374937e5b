/*
 * route.h: the control plane's routes as one table. The same table drives
 * dispatch, the auth/CSRF gate, the metrics labels and /api/openapi.json,
 * so the documented API cannot drift from the served one (wg.c's idea).
 * ctl_route_match() is pure: method and raw path in, route and parameter
 * out.
 */
#ifndef WALINK_CTL_ROUTE_H
#define WALINK_CTL_ROUTE_H

#include <stddef.h>

#define CTL_PATH_MAX	512	/* longer request paths are refused (414) */
#define CTL_PARAM_MAX	128	/* one ":param" segment, percent-decoded */

enum ctl_route {
	RT_NONE = 0,
	RT_INDEX,
	RT_STATIC,
	RT_HEALTHZ,
	RT_METRICS,
	RT_OPENAPI,
	RT_AUTH_LOGIN,
	RT_AUTH_LOGOUT,
	RT_AUTH_SESSION,
	RT_WL_LIST,
	RT_WL_ADD,
	RT_WL_REMOVE,
	RT_WL_BULK,
	RT_WL_EXPORT,
	RT_WA_STATE,
	RT_WA_QR,
	RT_WA_LOGOUT,
	RT_WA_RESTART,
	RT_WA_QR_NEW,
	RT_WA_PAIR_CODE,
	RT_EVENTS,
	RT_AUTH_LOGOUT_ALL,
	RT_SESSIONS,
	RT_SESSION_ONE,
	RT_MSG_SEND,
	RT_MSG_LIST,
	RT_MSG_ONE,
	RT_WH_DEAD,
	RT_WH_REDELIVER,
	RT__MAX
};

#define RF_AUTH		0x1	/* needs a session cookie or the bearer token */
#define RF_MUTATES	0x2	/* cookie requests must pass the CSRF check */
#define RF_WORKER	0x4	/* answers 503 while the worker is unreachable */
#define RF_SESSION	0x8	/* also served as /api/sessions/:id/<path after /api> */

struct ctl_route_def {
	enum ctl_route	 id;
	const char	*method;
	const char	*pattern;	/* ":name" marks the one parameter */
	unsigned	 flags;
	const char	*name;		/* metrics label */
	const char	*summary;	/* OpenAPI summary */
};

extern const struct ctl_route_def ctl_routes[];	/* ends with RT_NONE */

/*
 * 0 and *out set (param filled for ":name" routes); -ENOENT when no
 * pattern matches the path (404); -EPERM when the path matches but not
 * with this method (405); -ENAMETOOLONG past CTL_PATH_MAX (414); -EINVAL
 * for a parameter that is empty, too long or badly percent-encoded (400).
 */
int	ctl_route_match(const char *method, const char *path,
	    enum ctl_route *out, char param[CTL_PARAM_MAX + 1]);

const struct ctl_route_def *ctl_route_def(enum ctl_route);

/*
 * ctl_route_match() that also knows "/api/sessions/ID/REST": when REST
 * names an RF_SESSION route ("/api" + REST), *out is that route and
 * session gets ID (percent-decoded); otherwise session is "". Errors as
 * ctl_route_match(); a session path whose REST is no RF_SESSION route is
 * -ENOENT. (route_session.c)
 */
int	ctl_route_match_session(const char *method, const char *path,
	    enum ctl_route *out, char param[CTL_PARAM_MAX + 1],
	    char session[CTL_PARAM_MAX + 1]);

#endif
