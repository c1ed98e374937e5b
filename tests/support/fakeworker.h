/*
 * fakeworker.h: a worker stand-in for the control plane's unit tests, on
 * in-process nanomsg sockets: a REP socket answering every request with a
 * State (its session name and link state) unless told to be silent, and
 * a PUB socket to publish events from.
 */
#ifndef WALINK_FAKEWORKER_H
#define WALINK_FAKEWORKER_H

#include <pthread.h>
#include <stdbool.h>

#include "ipc.h"

struct fakeworker {
	char		 rpc[64], events[64], name[16];
	int		 rep, pub;
	volatile bool	 silent;	/* stop answering */
	int		 state;		/* Wlipc__LinkState answered */
	pthread_t	 thread;
};

/* Binds inproc://<prefix>_rpc and _ev; name may be NULL (no session). */
void	fakeworker_start(struct fakeworker *, const char *prefix,
	    const char *name, int state);
void	fakeworker_stop(struct fakeworker *);
/* Fills in version, seq and time, then publishes e. */
void	fakeworker_publish(struct fakeworker *, Wlipc__Event *e);

#endif
