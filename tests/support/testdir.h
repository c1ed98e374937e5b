/*
 * testdir.h: throwaway directories for unit tests that touch files
 * (/tmp/walink-test-<name>-XXXXXX), removed whole at teardown.
 */
#ifndef WALINK_TESTDIR_H
#define WALINK_TESTDIR_H

#include <stddef.h>

/* Makes a fresh 0700 directory; its path goes to buf. 0, or -1. */
int	testdir_make(char *buf, size_t cap, const char *name);

/* Writes text to path the plain way (a test's precondition); fails the test. */
void	testdir_put(const char *path, const char *text);

/* Removes dir and everything below it, without a shell. 0, or -1. */
int	testdir_remove(const char *dir);

#endif
