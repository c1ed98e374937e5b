/* hook_env.c: the hook's minimal environment (see hook_env.h). */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "hook_env.h"

#define HOOK_ENV_MAX	64	/* kept entries; more WALINK_* are dropped */

static const char *const kept[] = { "PATH=", "HOME=", "LANG=", "LC_ALL=",
    "TZ=" };

static bool
is_kept(const char *e)
{
	size_t i;

	if (strncmp(e, "WALINK_", 7) == 0 && strchr(e, '=') != NULL)
		return true;
	for (i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
		if (strncmp(e, kept[i], strlen(kept[i])) == 0)
			return true;
	return false;
}

char **
hook_env_build(char *const *from)
{
	char **env;
	size_t n = 0, i;
	bool has_path = false;

	if ((env = calloc(HOOK_ENV_MAX + 2, sizeof(*env))) == NULL)
		return NULL;
	for (i = 0; from != NULL && from[i] != NULL && n < HOOK_ENV_MAX; i++) {
		if (!is_kept(from[i]))
			continue;
		if ((env[n] = strdup(from[i])) == NULL)
			goto fail;
		has_path |= strncmp(from[i], "PATH=", 5) == 0;
		n++;
	}
	if (!has_path &&
	    (env[n++] = strdup("PATH=/usr/local/bin:/usr/bin:/bin")) == NULL)
		goto fail;
	return env;
fail:
	hook_env_free(env);
	return NULL;
}

void
hook_env_free(char **env)
{
	size_t i;

	if (env == NULL)
		return;
	for (i = 0; env[i] != NULL; i++)
		free(env[i]);
	free(env);
}
