/*
 * hook_env.h: the environment a --hook-cmd runs with. The hook reads
 * strangers' messages, so it gets only what a shell script needs (PATH,
 * HOME, LANG, LC_ALL, TZ) and the WALINK_* variables meant for it, never
 * the rest of the worker's environment (WA_ADMIN_PASSWORD, WA_API_TOKEN,
 * cloud credentials...), however the worker was started.
 */
#ifndef WALINK_HOOK_ENV_H
#define WALINK_HOOK_ENV_H

/*
 * From a NULL-terminated "NAME=value" list (the worker's environ) to a
 * new one for execve; PATH defaults to /usr/local/bin:/usr/bin:/bin.
 * Built before fork (a child of a threaded process must not malloc).
 * NULL on ENOMEM. Free with hook_env_free().
 */
char	**hook_env_build(char *const *from);
void	hook_env_free(char **);

#endif
