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
	/* sig_cache.c: blobs changed, not yet in their files */
	bool				 write_back;
	struct sig_blob			*cache;
	size_t				 ncache, capcache;
	uint64_t			 gen;
};

/* sig_cache.c: every blob access of the stores goes through these. */
int	sig_blob_get(struct sig *, const char *name, uint8_t **out, size_t *len);
int	sig_blob_put(struct sig *, const char *name, const uint8_t *, size_t);
int	sig_blob_del(struct sig *, const char *name);
int	sig_blob_del_prefix(struct sig *, const char *prefix);
void	sig_cache_free(struct sig *);

extern const signal_crypto_provider sig_crypto_provider;

/* sig_store.c: plugs the five stores into sctx. */
int	sig_store_attach(struct sig *);

#endif
