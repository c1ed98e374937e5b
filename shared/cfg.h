/*
 * cfg.h: command-line and environment settings from one table per program,
 * so parsing, validation and --help cannot drift apart (STYLE.md, after
 * wireguard-tools' wg.c). A flag wins over its environment variable, which
 * wins over the default. Values are validated before any work starts.
 */
#ifndef WALINK_CFG_H
#define WALINK_CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum cfg_type {
	CFG_STR,	/* const char *, borrowed from argv/environ/the table */
	CFG_UINT,	/* uint64_t within [min, max] */
	CFG_MS,		/* uint64_t milliseconds: "30", "30s", "500ms", "5m", "1h", "30d"; a bare number is seconds */
	CFG_BOOL,	/* bool: --name, --no-name, --name=yes|no|true|false|1|0 */
};

struct cfg_opt {
	const char	*name;		/* "data" for --data; NULL: env only (secrets) */
	const char	*env;		/* "WA_DATA", or NULL */
	enum cfg_type	 type;
	size_t		 offset;	/* offsetof() into the program's settings */
	const char	*def;		/* default as text, parsed like input; NULL: none */
	uint64_t	 min, max;	/* CFG_UINT and CFG_MS bounds (max 0: none) */
	const char	*help;
};

/*
 * The logging settings every walink daemon takes, for its table; the
 * values go to log_setup() (log.h). type is the program's settings struct.
 */
#define CFG_OPTS_LOG(type, level, format)				\
	{ "log-level", "WA_LOG_LEVEL", CFG_STR, offsetof(type, level),	\
	  "info", 0, 0, "debug, info, warn or error." },		\
	{ "log-format", "WA_LOG_FORMAT", CFG_STR, offsetof(type, format), \
	  "text", 0, 0, "text, or json for one JSON object a line." }

#define CFG_ERR_MAX	256

/*
 * Fills `out` from defaults, then environment, then argv. Stops at the
 * first argument that is not an option (or after "--") and stores its
 * index in *first_arg (argc when none). Returns 0, 1 when --help was
 * asked, or -EINVAL with a message naming the setting in err.
 */
int	cfg_parse(const struct cfg_opt *, size_t n, void *out, int argc,
	    char *const argv[], int *first_arg, char err[CFG_ERR_MAX]);

/* Prints the table: flag, variable, default and help for each setting. */
void	cfg_usage(FILE *, const char *usage_line, const struct cfg_opt *,
	    size_t n);

/* Parses one duration as CFG_MS does; -EINVAL on anything else. */
int	cfg_parse_ms(const char *, uint64_t *ms);

#endif
