/*
 * fuzz_ipc_request: the worker's first look at request bytes from IPC
 * (STYLE.md rule 17): envelope peek, version check and unpack. Whatever
 * comes in, the worker must be able to build an answer: a request that
 * unpacks carries our version, its id agrees with the peek and it packs
 * again; one that does not maps to an error code.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "ipc.h"
#include "wl_error.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_accepted(Wlipc__Request *rq, const uint8_t *data, size_t size)
{
	struct ipc_envelope e;
	Wlipc__Request *again;
	uint8_t *buf;
	size_t len;

	if (rq->version != WL_IPC_VERSION ||
	    rq->body_case == WLIPC__REQUEST__BODY__NOT_SET)
		abort();
	if (ipc_envelope_peek(data, size, &e) != 0 || !e.has_id ||
	    e.id != rq->id || e.version != WL_IPC_VERSION)
		abort();
	if (ipc_request_pack(rq, &buf, &len) != 0)
		abort();
	if (ipc_request_unpack(buf, len, &again) != 0 || again->id != rq->id ||
	    again->body_case != rq->body_case)
		abort();
	ipc_request_free(again);
	free(buf);
}

/* The error reply the worker would send for rc must build and pack. */
static void
check_refused(int rc)
{
	Wlipc__ErrorCode code = ipc_errcode_for(rc);
	Wlipc__Reply *rp;
	uint8_t *buf;
	size_t len;

	if (rc != -EBADMSG && rc != -WL_EVERSION && rc != -WL_ENOBODY &&
	    rc != -EMSGSIZE)
		abort();
	if (code != WLIPC__ERROR_CODE__ERR_BAD_VERSION &&
	    code != WLIPC__ERROR_CODE__ERR_BAD_REQUEST)
		abort();
	if ((rp = ipc_reply_error(0, code, wl_strerror(rc))) == NULL)
		return;
	if (ipc_reply_pack(rp, &buf, &len) != 0)
		abort();
	free(buf);
	ipc_reply_free(rp);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	Wlipc__Request *rq = NULL;
	int rc;

	rc = ipc_request_unpack(data, size, &rq);
	if (rc == 0) {
		check_accepted(rq, data, size);
		ipc_request_free(rq);
		return 0;
	}
	if (rq != NULL)
		abort();	/* nothing half-built escapes */
	check_refused(rc);
	return 0;
}
