/*
 * wh_store.c: see wh_store.h.
 */
#include <sys/queue.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomicfile.h"
#include "log.h"

#include "webhook/wh_store.h"

struct wh_order {
	STAILQ_ENTRY(wh_order)	 entry;
	char			 path[PATH_MAX];
	char			*data;		/* NULL: remove */
	size_t			 len;
};

struct wh_store {
	char			 dir[PATH_MAX - 64];
	pthread_t		 thread;
	pthread_mutex_t		 mu;
	pthread_cond_t		 work, idle;
	STAILQ_HEAD(, wh_order)	 orders;
	bool			 busy, stop;
};

static void
order_run(struct wh_order *o)
{
	int rc;

	if (o->data != NULL)
		rc = atomicfile_write(o->path, o->data, o->len, 0600);
	else if ((rc = unlink(o->path) == 0 ? 0 : -errno) == -ENOENT)
		rc = 0;
	if (rc < 0)
		log_warn(rc, "webhook queue: cannot %s %s",
		    o->data != NULL ? "write" : "remove", o->path);
}

static void *
writer(void *arg)
{
	struct wh_store *s = arg;
	struct wh_order *o;

	pthread_mutex_lock(&s->mu);
	for (;;) {
		while (STAILQ_EMPTY(&s->orders) && !s->stop) {
			s->busy = false;
			pthread_cond_broadcast(&s->idle);
			pthread_cond_wait(&s->work, &s->mu);
		}
		if ((o = STAILQ_FIRST(&s->orders)) == NULL)
			break;		/* stop, and nothing left */
		STAILQ_REMOVE_HEAD(&s->orders, entry);
		s->busy = true;
		pthread_mutex_unlock(&s->mu);
		order_run(o);
		free(o->data);
		free(o);
		pthread_mutex_lock(&s->mu);
	}
	s->busy = false;
	pthread_cond_broadcast(&s->idle);
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

int
wh_store_open(const char *dir, struct wh_store **out)
{
	char path[PATH_MAX];
	struct wh_store *s;
	int rc;

	if (strlen(dir) >= sizeof(s->dir))
		return -ENAMETOOLONG;
	if ((rc = mkdir_mode(dir, 0700, 0)) < 0)
		return rc;
	snprintf(path, sizeof(path), "%s/pending", dir);
	if ((rc = mkdir_mode(path, 0700, 0)) < 0)
		return rc;
	snprintf(path, sizeof(path), "%s/dead", dir);
	if ((rc = mkdir_mode(path, 0700, 0)) < 0)
		return rc;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return -ENOMEM;
	snprintf(s->dir, sizeof(s->dir), "%s", dir);
	STAILQ_INIT(&s->orders);
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->work, NULL);
	pthread_cond_init(&s->idle, NULL);
	if ((rc = pthread_create(&s->thread, NULL, writer, s)) != 0) {
		pthread_mutex_destroy(&s->mu);
		pthread_cond_destroy(&s->work);
		pthread_cond_destroy(&s->idle);
		free(s);
		return -rc;
	}
	*out = s;
	return 0;
}

static int
enqueue(struct wh_store *s, const char *sub, const char *name,
    const char *data, size_t len)
{
	struct wh_order *o;

	if (strchr(name, '/') != NULL || name[0] == '.' || name[0] == '\0')
		return -EINVAL;
	if ((o = calloc(1, sizeof(*o))) == NULL)
		return -ENOMEM;
	snprintf(o->path, sizeof(o->path), "%s/%s/%s", s->dir, sub, name);
	if (data != NULL) {
		if ((o->data = malloc(len > 0 ? len : 1)) == NULL) {
			free(o);
			return -ENOMEM;
		}
		memcpy(o->data, data, len);
		o->len = len;
	}
	pthread_mutex_lock(&s->mu);
	STAILQ_INSERT_TAIL(&s->orders, o, entry);
	s->busy = true;
	pthread_cond_signal(&s->work);
	pthread_mutex_unlock(&s->mu);
	return 0;
}

int
wh_store_put(struct wh_store *s, const char *sub, const char *name,
    const char *data, size_t len)
{
	return enqueue(s, sub, name, data, len);
}

int
wh_store_del(struct wh_store *s, const char *sub, const char *name)
{
	return enqueue(s, sub, name, NULL, 0);
}

void
wh_store_flush(struct wh_store *s)
{
	pthread_mutex_lock(&s->mu);
	while (s->busy || !STAILQ_EMPTY(&s->orders))
		pthread_cond_wait(&s->idle, &s->mu);
	pthread_mutex_unlock(&s->mu);
}

void
wh_store_close(struct wh_store *s)
{
	if (s == NULL)
		return;
	pthread_mutex_lock(&s->mu);
	s->stop = true;
	pthread_cond_signal(&s->work);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->thread, NULL);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->work);
	pthread_cond_destroy(&s->idle);
	free(s);
}

int
wh_store_load(const char *dir, const char *sub, size_t max_len,
    void (*fn)(void *, const char *, const uint8_t *, size_t), void *arg)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;
	int n = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	if ((d = opendir(path)) == NULL)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d)) != NULL) {
		uint8_t *buf;
		size_t len;
		int rc;

		if (de->d_name[0] == '.') {
			/* a crash's temp (".NAME.tmp-PID-N"): never read */
			if (strstr(de->d_name, ".tmp-") != NULL) {
				snprintf(path, sizeof(path), "%s/%s/%s", dir, sub,
				    de->d_name);
				unlink(path);
			}
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s/%s", dir, sub, de->d_name);
		if ((rc = atomicfile_read(path, max_len, &buf, &len)) < 0) {
			log_warn(rc, "webhook queue: skipping %s", path);
			continue;
		}
		fn(arg, de->d_name, buf, len);
		free(buf);
		n++;
	}
	closedir(d);
	return n;
}
