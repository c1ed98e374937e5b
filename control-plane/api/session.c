/* session.c: /api/auth/login, /api/auth/logout, /api/auth/session. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <civetweb.h>
#include <sodium.h>

#include "api/body.h"
#include "api/handlers.h"
#include "auth/auth.h"
#include "auth/ratelimit.h"
#include "http/server.h"
#include "log.h"

int
api_auth_login(struct ctl_req *r)
{
	struct ctl_ratelimit *rl = ctl_auth_limiter(r->srv->auth);
	uint64_t now = (uint64_t)time(NULL);
	char pw[CTL_PASSWORD_MAX + 1], err[CTL_ERR_MAX], hdr[320];
	char cookie[CTL_COOKIE_MAX], csrf[CTL_CSRF_LEN + 1];
	unsigned wait;
	int ok;

	/* Parse first: a malformed body costs no token. */
	if (ctl_body_parse_login(r->body, r->body_len, pw, err) < 0)
		return ctl_reply_error(r, 400, err);
	/* The token is taken before the hash, so parallel guesses cannot
	 * all pass one check; a right password gives it back. */
	if ((wait = ctl_ratelimit_take(rl, r->ri->remote_addr, now)) > 0) {
		sodium_memzero(pw, sizeof(pw));
		snprintf(hdr, sizeof(hdr), "Retry-After: %u\r\n", wait);
		snprintf(err, sizeof(err), "too many failed logins: try again "
		    "in %u s", wait);
		return ctl_reply_error_h(r, 429, err, hdr);
	}
	ok = ctl_auth_password_try(r->srv->auth, pw, strlen(pw));
	sodium_memzero(pw, sizeof(pw));
	if (ok == -EBUSY) {
		ctl_ratelimit_refund(rl, r->ri->remote_addr, now);
		return ctl_reply_error_h(r, 429, "another login is being "
		    "checked: try again in 1 s", "Retry-After: 1\r\n");
	}
	if (ok == 0) {
		log_warnx("failed login from %s", r->ri->remote_addr);
		return ctl_reply_error(r, 401, "wrong password");
	}
	ctl_ratelimit_refund(rl, r->ri->remote_addr, now);
	ctl_auth_session_new(r->srv->auth, now, cookie, csrf);
	snprintf(hdr, sizeof(hdr), "Set-Cookie: " CTL_COOKIE_NAME "=%s; "
	    "HttpOnly; SameSite=Strict; Path=/; Max-Age=%d%s\r\n", cookie,
	    CTL_SESSION_TTL_S, r->ri->is_ssl ? "; Secure" : "");
	sodium_memzero(cookie, sizeof(cookie));
	{
		json_t *o = json_pack("{s:b, s:s, s:i}", "success", 1,
		    "csrfToken", csrf, "expiresIn", CTL_SESSION_TTL_S);
		char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;

		json_decref(o);
		if (text == NULL)
			return ctl_reply_error(r, 500, "out of memory");
		ctl_reply_raw(r, 200, "application/json", hdr, text,
		    strlen(text));
		free(text);
	}
	return r->status;
}

int
api_auth_logout(struct ctl_req *r)
{
	static const char clear[] = "Set-Cookie: " CTL_COOKIE_NAME "=; "
	    "HttpOnly; SameSite=Strict; Path=/; Max-Age=0\r\n";
	static const char body[] = "{\"success\":true}";

	if (r->session && ctl_auth_session_revoke(r->srv->auth, r->cookie,
	    (uint64_t)time(NULL)) < 0)
		log_warnx("logout: the revocation could not be written; "
		    "the session ends now but would return after a restart");
	return ctl_reply_raw(r, 200, "application/json", clear, body,
	    sizeof(body) - 1);
}

/* Every session of every browser ends, this one too; bearer unaffected. */
int
api_auth_logout_all(struct ctl_req *r)
{
	static const char clear[] = "Set-Cookie: " CTL_COOKIE_NAME "=; "
	    "HttpOnly; SameSite=Strict; Path=/; Max-Age=0\r\n";
	static const char body[] = "{\"success\":true}";

	if (ctl_auth_end_all_sessions(r->srv->auth) < 0) {
		log_warnx("log out everywhere: the new session generation "
		    "could not be written; sessions end now but would "
		    "return after a restart");
		return ctl_reply_error(r, 500, "sessions ended, but not on "
		    "disk: they would come back after a restart; check the "
		    "data directory");
	}
	log_info("all dashboard sessions ended (log out everywhere)");
	return ctl_reply_raw(r, 200, "application/json", clear, body,
	    sizeof(body) - 1);
}

int
api_auth_session(struct ctl_req *r)
{
	json_t *o = json_pack("{s:b, s:b, s:s}", "success", 1,
	    "authenticated", 1, "via", r->bearer ? "bearer" : "cookie");

	if (o != NULL && r->session && !r->bearer)
		json_object_set_new(o, "csrfToken", json_string(r->csrf));
	return ctl_reply_json(r, 200, o);
}
