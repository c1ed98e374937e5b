/*
 * link_version.c: `--wa-version auto`. At start and after each 405
 * (outdated), read the current WhatsApp Web version off the loop
 * (waversion.c); a newer one is used from the next connection on, and a link
 * stopped as outdated restarts with it once. Nothing newer, or no answer
 * (offline): the link keeps its version and its state, and the log says why.
 */
#include <errno.h>
#include <stdio.h>

#include "log.h"

#include "link_internal.h"
#include "waversion.h"

#define VERSION_POLL_MS	50

static void
version_poll(lws_sorted_usec_list_t *sul)
{
	struct link *l = LINK_OF(sul, sul_version);
	struct wa_version v, *cur = &l->cfg.version;
	char err[WA_VERSION_ERR_MAX];
	int rc;

	if (!wa_version_fetch_done(l->version_fetch, &v, &rc, err)) {
		link_schedule(l, &l->sul_version, version_poll, VERSION_POLL_MS);
		return;
	}
	wa_version_fetch_free(l->version_fetch);
	l->version_fetch = NULL;
	if (rc < 0) {
		log_warnx("link: could not read the current WhatsApp Web version "
		    "from %s (%s); keeping %u.%u.%u", l->cfg.version_url, err,
		    cur->primary, cur->secondary, cur->tertiary);
		if (l->state == LS_OUTDATED) {
			snprintf(l->detail, sizeof(l->detail), "client version "
			    "outdated (405); the current one could not be read "
			    "(%.60s): set --wa-version by hand", err);
			link_publish_state(l);
		}
		return;
	}
	if (wa_version_cmp(&v, cur) <= 0) {
		log_info("link: WhatsApp Web version %u.%u.%u read from %s; "
		    "%u.%u.%u is not older: kept", v.primary, v.secondary,
		    v.tertiary, l->cfg.version_url, cur->primary, cur->secondary,
		    cur->tertiary);
		return;
	}
	log_info("link: WhatsApp Web version now %u.%u.%u (was %u.%u.%u), read "
	    "from %s", v.primary, v.secondary, v.tertiary, cur->primary,
	    cur->secondary, cur->tertiary, l->cfg.version_url);
	*cur = v;
	if (l->state == LS_OUTDATED) {
		log_info("link: restarting with the newer version after 405");
		link_request_restart(l);
	}
}

void
link_version_refresh(struct link *l, const char *why)
{
	int rc;

	if (!l->cfg.version_auto || l->version_fetch != NULL || l->stopping)
		return;
	if ((rc = wa_version_fetch_start(l->cfg.version_url,
	    &l->version_fetch)) < 0) {
		log_warn(rc, "link: cannot start reading the WhatsApp Web version");
		return;
	}
	log_info("link: reading the current WhatsApp Web version (%s)", why);
	link_schedule(l, &l->sul_version, version_poll, VERSION_POLL_MS);
}

void
link_version_free(struct link *l)
{
	lws_sul_cancel(&l->sul_version);
	wa_version_fetch_free(l->version_fetch);	/* bounded: 15 s at most */
	l->version_fetch = NULL;
}
