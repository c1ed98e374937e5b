/*
 * hub_ring.c: the SSE frames of every session in one ring (hub.h): the
 * event thread pushes, SSE handlers wait for frames of one session or of
 * all of them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hub_impl.h"

void
hub_push(struct ctl_hub *h, const struct ctl_watch *s, const char *event,
    json_t *data)
{
	char *body, *frame;
	size_t len;
	unsigned k;

	if (data == NULL)
		return;
	json_object_set_new(data, "session", json_string(s->id));
	body = json_dumps(data, JSON_COMPACT);
	json_decref(data);
	if (body == NULL)
		return;
	len = strlen(event) + strlen(body) + 32;
	if ((frame = malloc(len)) != NULL) {
		snprintf(frame, len, "event: %s\ndata: %s\n\n", event, body);
		pthread_mutex_lock(&h->lock);
		k = (unsigned)(h->seq % CTL_HUB_RING);
		free(h->ring[k].text);
		h->ring[k].text = frame;
		h->ring[k].session = s->index;
		h->seq++;
		pthread_cond_broadcast(&h->cond);
		pthread_mutex_unlock(&h->lock);
	}
	free(body);
}

void
ctl_hub_end_streams(struct ctl_hub *h)
{
	pthread_mutex_lock(&h->lock);
	h->stopping = true;
	pthread_cond_broadcast(&h->cond);
	pthread_mutex_unlock(&h->lock);
}

uint64_t
ctl_hub_seq(struct ctl_hub *h)
{
	uint64_t s;

	pthread_mutex_lock(&h->lock);
	s = h->seq;
	pthread_mutex_unlock(&h->lock);
	return s;
}

static bool
frame_wanted(const struct hub_frame *f, const struct ctl_watch *only)
{
	return only == NULL || f->session == only->index;
}

/* Concatenate wanted frames [from, h->seq); caller holds the lock. */
static char *
ring_collect_locked(struct ctl_hub *h, const struct ctl_watch *only,
    uint64_t from)
{
	size_t len = 1, off = 0, n;
	const struct hub_frame *f;
	uint64_t i;
	char *out;

	for (i = from; i < h->seq; i++) {
		f = &h->ring[i % CTL_HUB_RING];
		if (frame_wanted(f, only))
			len += strlen(f->text);
	}
	if (len == 1 || (out = malloc(len)) == NULL)
		return NULL;
	for (i = from; i < h->seq; i++) {
		f = &h->ring[i % CTL_HUB_RING];
		if (!frame_wanted(f, only))
			continue;
		n = strlen(f->text);
		memcpy(out + off, f->text, n);
		off += n;
	}
	out[off] = '\0';
	return out;
}

int
ctl_hub_wait(struct ctl_hub *h, const struct ctl_watch *only, uint64_t *seq,
    int timeout_ms, char **text)
{
	struct timespec until;
	int rc = 0;

	*text = NULL;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += timeout_ms / 1000;
	until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&h->lock);
	for (;;) {
		while (!h->stopping && h->seq == *seq &&
		    pthread_cond_timedwait(&h->cond, &h->lock, &until) == 0)
			;
		if (h->stopping) {
			rc = -ESHUTDOWN;
			break;
		}
		if (h->seq - *seq > CTL_HUB_RING) {
			rc = -ESTALE;
			*seq = h->seq;
			break;
		}
		if (h->seq == *seq)
			break;		/* timed out */
		*text = ring_collect_locked(h, only, *seq);
		*seq = h->seq;
		if (*text != NULL)
			break;
		/* only other sessions' frames: keep waiting */
	}
	pthread_mutex_unlock(&h->lock);
	return rc;
}
