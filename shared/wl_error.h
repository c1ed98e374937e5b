/*
 * wl_error.h: walink's error codes and their one-line descriptions.
 *
 * Action functions return 0 or a negative error code (STYLE.md rule 3): a
 * negative errno where errno has a word for the failure, otherwise a
 * negative WL_E* code. WL_E* values start above the kernel's errno range
 * (MAX_ERRNO is 4095 in linux/err.h), so the two never collide and
 * wl_strerror() reads both.
 */
#ifndef WALINK_WL_ERROR_H
#define WALINK_WL_ERROR_H

#define WL_EBASE	4096	/* first value past the kernel's MAX_ERRNO */

enum wl_errcode {
	WL_EVERSION = WL_EBASE + 1,	/* IPC peer speaks another version */
	WL_EBADNUMBER,		/* not a 10-15 digit phone number */
	WL_EBADFILE,		/* a data file's content is invalid */
	WL_EUNSAFEMODE,		/* directory is group- or world-writable */
	WL_EIPCPATH,		/* ipc:// path longer than sun_path allows */
	WL_EFULL,		/* the whitelist is at its maximum size */
	WL_ENOBODY,		/* IPC message carries no body */
	WL_EROLLEDBACK,		/* a sealed file older than the one last written */
	WL_E__MAX
};

/*
 * One human sentence for rc: 0, a negative errno, a negative nanomsg
 * error or a negative WL_E* code. Positive values are read as errno too.
 * Never NULL; the string is static and safe to use from any thread.
 */
const char	*wl_strerror(int rc);

#endif /* WALINK_WL_ERROR_H */
