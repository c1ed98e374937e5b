/* testdir.c: see testdir.h. */
#include <ftw.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <setjmp.h>
#include <cmocka.h>

#include "testdir.h"

int
testdir_make(char *buf, size_t cap, const char *name)
{
	int n = snprintf(buf, cap, "/tmp/walink-test-%s-XXXXXX", name);

	if (n < 0 || (size_t)n >= cap)
		return -1;
	return mkdtemp(buf) == NULL ? -1 : 0;
}

static int
remove_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path) == 0 ? 0 : -1;
}

int
testdir_remove(const char *dir)
{
	/* depth first, links not followed: a test's symlink stays a link */
	return nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

void
testdir_put(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	if (fp == NULL)
		fail_msg("cannot create %s", path);
	if (fputs(text, fp) < 0 || fclose(fp) != 0)
		fail_msg("cannot write %s", path);
}
