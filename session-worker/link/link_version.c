/*
 * link_version.c: `--wa-version auto`, the decision. At start and after
 * each 405 (outdated) link.c reads the current WhatsApp Web version off the
 * loop (waversion.c) and asks here what the answer means: a newer one is
 * used from the next connection on, and a link stopped as outdated restarts
 * with it once. Nothing newer, or no answer (offline): the link keeps its
 * version and its state, and the log says why. Writes no field of struct
 * link: link.c applies the struct link_version_step.
 */
#include <stdio.h>
#include <string.h>

#include "log.h"

#include "link_internal.h"
#include "waversion.h"

bool
link_version_wanted(bool version_auto, bool fetching, bool stopping)
{
	return version_auto && !fetching && !stopping;
}

struct link_version_step
link_version_decide(const struct wa_version *cur, enum link_state state,
    int rc, const struct wa_version *got, const char *url, const char *err)
{
	struct link_version_step s;

	memset(&s, 0, sizeof(s));
	if (rc < 0) {
		s.kind = LVS_UNREAD;
		log_warnx("link: could not read the current WhatsApp Web version "
		    "from %s (%s); keeping %u.%u.%u", url, err,
		    cur->primary, cur->secondary, cur->tertiary);
		if (state == LS_OUTDATED) {
			s.detail_set = true;
			snprintf(s.detail, sizeof(s.detail), "client version "
			    "outdated (405); the current one could not be read "
			    "(%.60s): set --wa-version by hand", err);
		}
		return s;
	}
	if (wa_version_cmp(got, cur) <= 0) {
		s.kind = LVS_NOT_NEWER;
		log_info("link: WhatsApp Web version %u.%u.%u read from %s; "
		    "%u.%u.%u is not older: kept", got->primary, got->secondary,
		    got->tertiary, url, cur->primary, cur->secondary,
		    cur->tertiary);
		return s;
	}
	s.kind = LVS_NEWER;
	s.use = *got;
	log_info("link: WhatsApp Web version now %u.%u.%u (was %u.%u.%u), read "
	    "from %s", got->primary, got->secondary, got->tertiary, cur->primary,
	    cur->secondary, cur->tertiary, url);
	if (state == LS_OUTDATED) {
		s.restart = true;
		log_info("link: restarting with the newer version after 405");
	}
	return s;
}
