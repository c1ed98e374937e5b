/* fakeworker.c: see fakeworker.h. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <setjmp.h>
#include <cmocka.h>

#include <nanomsg/nn.h>
#include <nanomsg/pubsub.h>
#include <nanomsg/reqrep.h>

#include "fakeworker.h"

static void *
serve(void *arg)
{
	struct fakeworker *w = arg;
	Wlipc__Reply rep = WLIPC__REPLY__INIT;
	Wlipc__State st = WLIPC__STATE__INIT;
	Wlipc__Request *q;
	uint8_t out[256];
	void *buf;
	int n;

	while ((n = nn_recv(w->rep, &buf, NN_MSG, 0)) >= 0) {
		q = wlipc__request__unpack(NULL, (size_t)n, buf);
		nn_freemsg(buf);
		if (q == NULL)
			continue;
		rep.version = q->version;
		rep.id = q->id;
		st.state = w->state;
		st.session = w->name[0] != '\0' ? w->name : NULL;
		rep.body_case = WLIPC__REPLY__BODY_STATE;
		rep.state = &st;
		wlipc__request__free_unpacked(q, NULL);
		if (!w->silent)
			nn_send(w->rep, out, wlipc__reply__pack(&rep, out), 0);
	}
	return NULL;
}

void
fakeworker_start(struct fakeworker *w, const char *prefix, const char *name,
    int state)
{
	memset(w, 0, sizeof(*w));
	snprintf(w->name, sizeof(w->name), "%s", name != NULL ? name : "");
	snprintf(w->rpc, sizeof(w->rpc), "inproc://%s_rpc", prefix);
	snprintf(w->events, sizeof(w->events), "inproc://%s_ev", prefix);
	w->state = state;
	w->rep = nn_socket(AF_SP, NN_REP);
	w->pub = nn_socket(AF_SP, NN_PUB);
	assert_true(nn_bind(w->rep, w->rpc) >= 0);
	assert_true(nn_bind(w->pub, w->events) >= 0);
	assert_int_equal(pthread_create(&w->thread, NULL, serve, w), 0);
}

void
fakeworker_stop(struct fakeworker *w)
{
	nn_close(w->rep);
	nn_close(w->pub);
	pthread_join(w->thread, NULL);
}

void
fakeworker_publish(struct fakeworker *w, Wlipc__Event *e)
{
	static uint64_t seq;
	uint8_t out[256];

	e->version = WL_IPC_VERSION;
	e->seq = ++seq;
	e->time_ms = 1;
	nn_send(w->pub, out, wlipc__event__pack(e, out), 0);
}
