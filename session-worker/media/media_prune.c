/*
 * media_prune.c: see media_prune.h. One pass over the directory collects
 * (mtime, size, name) of every file; the list is sorted oldest first and
 * cut from the front. The directory holds one file per media message, so
 * the list stays small; it is capped anyway (PRUNE_MAX_FILES per pass,
 * the rest waits for the next pass).
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "media/media_prune.h"

#define PRUNE_MAX_FILES	200000
#define PART_STALE_S	86400	/* downloads time out after minutes */

struct entry {
	time_t		 mtime;
	uint64_t	 size;
	char		*name;
};

static int
by_age(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	if (x->mtime != y->mtime)
		return x->mtime < y->mtime ? -1 : 1;
	return strcmp(x->name, y->name);
}

static void
drop(int dfd, struct entry *e, struct media_prune_stats *st)
{
	if (unlinkat(dfd, e->name, 0) == 0) {
		st->removed++;
		st->freed += e->size;
	} else {
		st->kept++;	/* gone already or not ours to remove: counted as kept */
		st->kept_bytes += e->size;
	}
}

int
media_prune_run(const char *dir, time_t now, uint64_t max_age_s,
    uint64_t max_total, struct media_prune_stats *st)
{
	struct entry *v = NULL, *nv;
	size_t n = 0, cap = 0, i;
	uint64_t total = 0;
	struct dirent *de;
	struct stat sb;
	DIR *d;
	int dfd, rc = 0;

	memset(st, 0, sizeof(*st));
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -errno;
	if ((d = fdopendir(dfd)) == NULL) {
		rc = -errno;
		close(dfd);
		return rc;
	}
	while ((de = readdir(d)) != NULL && n < PRUNE_MAX_FILES) {
		if (fstatat(dfd, de->d_name, &sb, AT_SYMLINK_NOFOLLOW) != 0 ||
		    !S_ISREG(sb.st_mode))
			continue;
		if (de->d_name[0] == '.') {
			/* a download's temporary file: one left by a crash goes
			 * once it is older than any download can last */
			if (strstr(de->d_name, ".part-") != NULL && now > sb.st_mtime &&
			    now - sb.st_mtime > PART_STALE_S && unlinkat(dfd, de->d_name, 0) == 0) {
				st->removed++;
				st->freed += (uint64_t)sb.st_size;
			}
			continue;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((nv = realloc(v, cap * sizeof(*v))) == NULL) {
				rc = -ENOMEM;
				break;
			}
			v = nv;
		}
		if ((v[n].name = strdup(de->d_name)) == NULL) {
			rc = -ENOMEM;
			break;
		}
		v[n].mtime = sb.st_mtime;
		v[n].size = (uint64_t)sb.st_size;
		n++;
	}
	if (rc == 0 && n > 0) {
		qsort(v, n, sizeof(*v), by_age);
		for (i = 0; i < n; i++)
			total += v[i].size;
		for (i = 0; i < n; i++) {
			int old = max_age_s > 0 && now > v[i].mtime &&
			    (uint64_t)(now - v[i].mtime) > max_age_s;
			int over = max_total > 0 && total > max_total;

			if (old || over) {
				total -= v[i].size;
				drop(dfd, &v[i], st);
			} else {
				st->kept++;
				st->kept_bytes += v[i].size;
			}
		}
	}
	for (i = 0; i < n; i++)
		free(v[i].name);
	free(v);
	closedir(d);	/* closes dfd */
	return rc;
}
