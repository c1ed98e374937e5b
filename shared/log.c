/*
 * log.c: text or JSON-lines logging to one fd (see log.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "log.h"
#include "wl_error.h"

/* Room kept after the message for the closing quote, brace and newline. */
#define LOG_TAIL_RESERVE	8
#define LOG_TRUNC_MARK		"[...]"

static struct {
	char		component[32];
	enum log_level	min;
	enum log_format	format;
	int		fd;
} lg = { "walink", WL_LOG_INFO, LOG_FORMAT_TEXT, 2 };

static const char *const level_names[] = {
	[WL_LOG_DEBUG] = "debug",
	[WL_LOG_INFO] = "info",
	[WL_LOG_WARN] = "warn",
	[WL_LOG_ERROR] = "error",
};

/* A bounded line under construction; full means later appends are dropped. */
struct lbuf {
	char	p[LOG_LINE_MAX];
	size_t	len;
	size_t	cap;	/* usable bytes: sizeof(p) minus what the tail needs */
	bool	cut;
};

void
log_init(const char *component, enum log_level min, enum log_format format)
{
	if (component != NULL)
		snprintf(lg.component, sizeof(lg.component), "%s", component);
	lg.min = min;
	lg.format = format;
}

void
log_set_fd(int fd)
{
	lg.fd = fd;
}

bool
log_is_enabled(enum log_level level)
{
	return level >= lg.min;
}

int
log_level_parse(const char *s, enum log_level *out)
{
	size_t i;

	if (s == NULL)
		return -EINVAL;
	for (i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcmp(s, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	if (strcmp(s, "warning") == 0) {
		*out = WL_LOG_WARN;
		return 0;
	}
	return -EINVAL;
}

int
log_format_parse(const char *s, enum log_format *out)
{
	if (s != NULL && strcmp(s, "text") == 0)
		*out = LOG_FORMAT_TEXT;
	else if (s != NULL && strcmp(s, "json") == 0)
		*out = LOG_FORMAT_JSON;
	else
		return -EINVAL;
	return 0;
}

int
log_setup(const char *component, const char *level, const char *format)
{
	enum log_level lv;
	enum log_format lf;

	if (log_level_parse(level, &lv) < 0 ||
	    log_format_parse(format, &lf) < 0) {
		log_errorx("--log-level must be debug|info|warn|error and "
		    "--log-format text|json");
		return -EINVAL;
	}
	log_init(component, lv, lf);
	return 0;
}

static void
lb_put(struct lbuf *b, const char *s, size_t n)
{
	if (b->cut)
		return;
	if (n > b->cap - b->len) {
		b->cut = true;
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void
lb_puts(struct lbuf *b, const char *s)
{
	lb_put(b, s, strlen(s));
}

/* Length of the valid UTF-8 sequence at p (RFC 3629), or 0. */
static size_t
utf8_seq_len(const unsigned char *p, size_t n)
{
	unsigned char c = p[0];
	size_t len, i;
	unsigned char lo = 0x80, hi = 0xbf;

	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)	/* no UTF-16 surrogates */
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)	/* nothing past U+10FFFF */
		hi = 0x8f;
	if (n < len || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return len;
}

/*
 * Appends s escaped: for JSON every control character, quote, backslash
 * and invalid UTF-8 byte is escaped so the line always parses; for text
 * only control characters are, so one message is always one line.
 */
static void
lb_put_escaped(struct lbuf *b, const char *str, bool json)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str), i = 0, k;
	char esc[8];

	while (i < n && !b->cut) {
		if (s[i] == '"' && json) {
			lb_puts(b, "\\\"");
			i++;
		} else if (s[i] == '\\' && json) {
			lb_puts(b, "\\\\");
			i++;
		} else if (s[i] == '\n') {
			lb_puts(b, "\\n");
			i++;
		} else if (s[i] < 0x20 || s[i] == 0x7f) {
			snprintf(esc, sizeof(esc), json ? "\\u%04x" : "\\x%02x",
			    s[i]);
			lb_puts(b, esc);
			i++;
		} else if (s[i] < 0x80 || !json) {
			lb_put(b, (const char *)s + i, 1);
			i++;
		} else if ((k = utf8_seq_len(s + i, n - i)) > 0) {
			lb_put(b, (const char *)s + i, k);	/* whole or nothing */
			i += k;
		} else {
			lb_puts(b, "\\ufffd");
			i++;
		}
	}
}

static void
lb_put_time(struct lbuf *b)
{
	struct timespec ts;
	struct tm tm;
	char t[40];
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(t + n, sizeof(t) - n, ".%03ldZ", ts.tv_nsec / 1000000);
	lb_puts(b, t);
}

static void
log_write(const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(lg.fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;		/* nowhere left to complain to */
		p += w;
		n -= (size_t)w;
	}
}

static void	log_vemit(enum log_level, int, const char *, va_list)
		    LOG_PRINTF(3, 0);

static void
log_vemit(enum log_level level, int err, const char *fmt, va_list ap)
{
	struct lbuf b;
	char msg[LOG_LINE_MAX], pid[24];
	int n, saved = errno;
	bool json = lg.format == LOG_FORMAT_JSON;

	if (!log_is_enabled(level) || (unsigned)level > WL_LOG_ERROR)
		return;
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (n >= 0 && (size_t)n < sizeof(msg) && err != 0)
		snprintf(msg + n, sizeof(msg) - (size_t)n, " (%s)",
		    wl_strerror(err));
	b.len = 0;
	b.cut = false;
	b.cap = sizeof(b.p) - LOG_TAIL_RESERVE - sizeof(LOG_TRUNC_MARK);
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	if (json) {
		lb_puts(&b, "{\"ts\":\"");
		lb_put_time(&b);
		lb_puts(&b, "\",\"level\":\"");
		lb_puts(&b, level_names[level]);
		lb_puts(&b, "\",\"component\":\"");
		lb_put_escaped(&b, lg.component, true);
		lb_puts(&b, "\",\"pid\":");
		lb_puts(&b, pid);
		lb_puts(&b, ",\"msg\":\"");
	} else {
		lb_put_time(&b);
		lb_puts(&b, " ");
		lb_put_escaped(&b, lg.component, false);
		lb_puts(&b, "[");
		lb_puts(&b, pid);
		lb_puts(&b, "] ");
		lb_puts(&b, level_names[level]);
		lb_puts(&b, ": ");
	}
	lb_put_escaped(&b, msg, json);
	if (b.cut || n < 0 || (size_t)n >= sizeof(msg)) {
		b.cut = false;
		b.cap = sizeof(b.p);
		lb_puts(&b, LOG_TRUNC_MARK);
	}
	b.cap = sizeof(b.p);
	lb_puts(&b, json ? "\"}\n" : "\n");
	log_write(b.p, b.len);
	errno = saved;
}

void
log_emit(enum log_level level, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit(level, err, fmt, ap);
	va_end(ap);
}

#define LOG_FN(name, level, err)			\
void							\
name(const char *fmt, ...)				\
{							\
	va_list ap;					\
							\
	va_start(ap, fmt);				\
	log_vemit(level, err, fmt, ap);			\
	va_end(ap);					\
}
#define LOG_FN_ERR(name, level)				\
void							\
name(int err, const char *fmt, ...)			\
{							\
	va_list ap;					\
							\
	va_start(ap, fmt);				\
	log_vemit(level, err, fmt, ap);			\
	va_end(ap);					\
}

LOG_FN(log_debug, WL_LOG_DEBUG, 0)
LOG_FN(log_info, WL_LOG_INFO, 0)
LOG_FN(log_warnx, WL_LOG_WARN, 0)
LOG_FN(log_errorx, WL_LOG_ERROR, 0)
LOG_FN_ERR(log_warn, WL_LOG_WARN)
LOG_FN_ERR(log_error, WL_LOG_ERROR)

void
fatal(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit(WL_LOG_ERROR, err, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit(WL_LOG_ERROR, 0, fmt, ap);
	va_end(ap);
	exit(1);
}

const char *
key_fpr(const uint8_t *pub, size_t len)
{
	static _Thread_local char slots[LOG_FPR_SLOTS][13];
	static _Thread_local unsigned next;
	unsigned char h[crypto_generichash_BYTES_MIN];
	char *out = slots[next++ % LOG_FPR_SLOTS];

	if (pub == NULL || len == 0)
		return "(none)";
	crypto_generichash(h, sizeof(h), pub, len, NULL, 0);
	sodium_bin2hex(out, 13, h, 6);
	return out;
}
