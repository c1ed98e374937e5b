/*
 * wl_error.c: text for walink's error codes (see wl_error.h).
 */
#include <string.h>

#include <nanomsg/nn.h>

#include "wl_error.h"

static const char *const wl_errtext[WL_E__MAX - WL_EBASE] = {
	[WL_EVERSION - WL_EBASE] =
	    "the peer speaks another IPC protocol version",
	[WL_EBADNUMBER - WL_EBASE] =
	    "not a phone number of 10 to 15 digits",
	[WL_EBADFILE - WL_EBASE] =
	    "the file's content is not in the expected format",
	[WL_EUNSAFEMODE - WL_EBASE] =
	    "the directory is group- or world-writable",
	[WL_EIPCPATH - WL_EBASE] =
	    "the ipc:// socket path is longer than 107 bytes",
	[WL_EFULL - WL_EBASE] =
	    "the whitelist is full",
	[WL_ENOBODY - WL_EBASE] =
	    "the IPC message carries no known body",
	[WL_EROLLEDBACK - WL_EBASE] =
	    "the sealed file is older than the copy last written here "
	    "(an earlier copy put back: refused; see README \"Backups and restore\")",
};

const char *
wl_strerror(int rc)
{
	const char *s;

	if (rc == 0)
		return "success";
	if (rc < 0) {
		if (rc == -2147483647 - 1)	/* -INT_MIN overflows */
			return "unknown error";
		rc = -rc;
	}
	if (rc > WL_EBASE && rc < WL_E__MAX)
		return wl_errtext[rc - WL_EBASE];
	if (rc >= NN_HAUSNUMERO)	/* nanomsg's own codes (nn.h) */
		return nn_strerror(rc);
	/* strerrordesc_np: static text, no locale, thread-safe (glibc 2.32) */
	if ((s = strerrordesc_np(rc)) != NULL)
		return s;
	return "unknown error";
}
