/* sig_internal.h: what sig.c and its stores share. Not for other modules. */
#ifndef WALINK_SIG_INTERNAL_H
#define WALINK_SIG_INTERNAL_H

#include <signal/signal_protocol.h>

#include "sig.h"

struct sig {
	struct store			*st;
	sig_creds_fn			*creds;
	void				*arg;
	signal_context			*ctx;
	signal_protocol_store_context	*sctx;
	int				 store_err;	/* last store failure, for sig.c */
};

extern const signal_crypto_provider sig_crypto_provider;

/* sig_store.c: plugs the five stores into sctx. */
int	sig_store_attach(struct sig *);

#endif
