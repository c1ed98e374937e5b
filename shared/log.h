/*
 * log.h: walink's one logging module (STYLE.md rule 3, after OpenBSD's
 * log.c). Lines go to stderr (or the fd given to log_set_fd) as plain text
 * or JSON lines, chosen once at start-up. Each line is one write(2), so
 * threads never interleave half-lines; a line longer than LOG_LINE_MAX is
 * cut and marked. Nothing here waits on anything but that one write.
 *
 *   text:  2026-11-25T07:29:24.123Z worker[412] warn: store: ... (reason)
 *   json:  {"ts":"2026-11-25T07:29:24.123Z","level":"warn",
 *           "component":"worker","pid":412,"msg":"store: ..."}
 *
 * Never log secrets: keys, QR content, passwords, cookies, tokens. Use
 * key_fpr() to name a public key.
 */
#ifndef WALINK_LOG_H
#define WALINK_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest line written, escapes included; enough for a state dump. */
#define LOG_LINE_MAX	4096

/* Prefixed WL_: syslog.h owns LOG_DEBUG and LOG_INFO. */
enum log_level {
	WL_LOG_DEBUG,
	WL_LOG_INFO,
	WL_LOG_WARN,
	WL_LOG_ERROR,
};

enum log_format {
	LOG_FORMAT_TEXT,
	LOG_FORMAT_JSON,
};

/*
 * Sets the component prefix (e.g. "worker", at most 31 bytes, copied),
 * the lowest level written and the format. Call once before threads
 * start; before it, lines go out as text at info level with "walink".
 */
void	log_init(const char *component, enum log_level, enum log_format);
/* Where lines go (default 2). For tests; not thread-safe. */
void	log_set_fd(int fd);
bool	log_is_enabled(enum log_level);

/* "debug", "info", "warn" (or "warning"), "error" -> level; else -EINVAL. */
int	log_level_parse(const char *, enum log_level *out);
/* "text" or "json" -> format; else -EINVAL. */
int	log_format_parse(const char *, enum log_format *out);
/*
 * log_init from the text of the --log-level and --log-format settings.
 * -EINVAL, logged once and nothing changed, when either is unknown.
 */
int	log_setup(const char *component, const char *level,
	    const char *format);

#define LOG_PRINTF(a, b)	__attribute__((format(printf, a, b)))

void	log_debug(const char *fmt, ...) LOG_PRINTF(1, 2);
void	log_info(const char *fmt, ...) LOG_PRINTF(1, 2);
/* log_warn/log_error append " (" wl_strerror(err) ")"; err may be negative. */
void	log_warn(int err, const char *fmt, ...) LOG_PRINTF(2, 3);
void	log_warnx(const char *fmt, ...) LOG_PRINTF(1, 2);
void	log_error(int err, const char *fmt, ...) LOG_PRINTF(2, 3);
void	log_errorx(const char *fmt, ...) LOG_PRINTF(1, 2);
/* Start-up only (never for bytes from the wire, disk, HTTP or IPC). */
void	fatal(int err, const char *fmt, ...) LOG_PRINTF(2, 3)
	    __attribute__((noreturn));
void	fatalx(const char *fmt, ...) LOG_PRINTF(1, 2)
	    __attribute__((noreturn));

/* Core of the above; err == 0 appends nothing. */
void	log_emit(enum log_level, int err, const char *fmt, ...)
	    LOG_PRINTF(3, 4);

/*
 * A short fingerprint of a PUBLIC key for logs: the first 6 bytes of its
 * BLAKE2b-128 hash in hex (12 characters). The string lives in one of
 * LOG_FPR_SLOTS thread-local buffers, so up to that many may appear in
 * one log call. Never pass a private key: a hash of a secret is still
 * not something to print.
 */
#define LOG_FPR_SLOTS	4
const char	*key_fpr(const uint8_t *pub, size_t len);

#endif /* WALINK_LOG_H */
