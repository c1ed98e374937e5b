/* cfg.c: see cfg.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cfg.h"

static int
parse_u64(const char *s, uint64_t *out, const char **rest)
{
	char *end;
	unsigned long long v;

	if (s[0] < '0' || s[0] > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		return -EINVAL;
	*out = v;
	*rest = end;
	return 0;
}

int
cfg_parse_ms(const char *s, uint64_t *ms)
{
	static const struct { const char *suffix; uint64_t mul; } units[] = {
		{ "", 1000 }, { "s", 1000 }, { "ms", 1 },
		{ "m", 60 * 1000 }, { "h", 3600 * 1000 }, { "d", 86400 * 1000 },
	};
	const char *rest;
	uint64_t v;
	size_t i;

	if (parse_u64(s, &v, &rest) < 0)
		return -EINVAL;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(rest, units[i].suffix) == 0) {
			if (v > UINT64_MAX / units[i].mul)
				return -EINVAL;
			*ms = v * units[i].mul;
			return 0;
		}
	return -EINVAL;
}

static int
parse_bool(const char *s, bool *out)
{
	static const char *yes[] = { "1", "true", "yes", "on" };
	static const char *no[] = { "0", "false", "no", "off" };
	size_t i;

	for (i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0)
			return *out = true, 0;
		if (strcasecmp(s, no[i]) == 0)
			return *out = false, 0;
	}
	return -EINVAL;
}

/* Stores one textual value; `from` names its source for the error. */
static int
set_value(const struct cfg_opt *o, void *out, const char *val,
    const char *from, char err[CFG_ERR_MAX])
{
	char *field = (char *)out + o->offset;
	uint64_t v = 0;
	const char *rest;
	int rc = 0;

	switch (o->type) {
	case CFG_STR:
		*(const char **)field = val;
		return 0;
	case CFG_BOOL:
		if (parse_bool(val, (bool *)field) < 0) {
			snprintf(err, CFG_ERR_MAX, "%s: '%s' is not yes or no", from, val);
			return -EINVAL;
		}
		return 0;
	case CFG_UINT:
		if (parse_u64(val, &v, &rest) < 0 || *rest != '\0')
			rc = -EINVAL;
		break;
	case CFG_MS:
		rc = cfg_parse_ms(val, &v);
		break;
	}
	if (rc < 0) {
		snprintf(err, CFG_ERR_MAX, "%s: '%s' is not a %s", from, val,
		    o->type == CFG_MS ? "duration (e.g. 30s, 500ms, 5m)" : "number");
		return rc;
	}
	if (v < o->min || (o->max != 0 && v > o->max)) {
		snprintf(err, CFG_ERR_MAX, "%s: %s is out of range (%llu to %llu%s)",
		    from, val, (unsigned long long)o->min,
		    (unsigned long long)o->max, o->type == CFG_MS ? " ms" : "");
		return -EINVAL;
	}
	*(uint64_t *)field = v;
	return 0;
}

static const struct cfg_opt *
find(const struct cfg_opt *opts, size_t n, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (opts[i].name != NULL && strlen(opts[i].name) == len &&
		    strncmp(opts[i].name, name, len) == 0)
			return &opts[i];
	return NULL;
}

static int
parse_flag(const struct cfg_opt *opts, size_t n, void *out, int argc,
    char *const argv[], int *i, char err[CFG_ERR_MAX])
{
	const char *arg = argv[*i] + 2, *eq = strchr(arg, '=');
	size_t len = eq != NULL ? (size_t)(eq - arg) : strlen(arg);
	const struct cfg_opt *o = find(opts, n, arg, len);
	char from[96];

	if (o == NULL && eq == NULL && strncmp(arg, "no-", 3) == 0 &&
	    (o = find(opts, n, arg + 3, len - 3)) != NULL && o->type == CFG_BOOL)
		return *(bool *)((char *)out + o->offset) = false, 0;
	if (o == NULL) {
		snprintf(err, CFG_ERR_MAX, "unknown option --%.*s (see --help)",
		    (int)len, arg);
		return -EINVAL;
	}
	snprintf(from, sizeof(from), "--%s", o->name);
	if (eq != NULL)
		return set_value(o, out, eq + 1, from, err);
	if (o->type == CFG_BOOL)
		return *(bool *)((char *)out + o->offset) = true, 0;
	if (*i + 1 >= argc) {
		snprintf(err, CFG_ERR_MAX, "--%s needs a value", o->name);
		return -EINVAL;
	}
	return set_value(o, out, argv[++*i], from, err);
}

int
cfg_parse(const struct cfg_opt *opts, size_t n, void *out, int argc,
    char *const argv[], int *first_arg, char err[CFG_ERR_MAX])
{
	const char *env;
	char from[96];
	size_t k;
	int i, rc;

	err[0] = '\0';
	for (k = 0; k < n; k++) {
		if (opts[k].def != NULL &&
		    (rc = set_value(&opts[k], out, opts[k].def, "default", err)) < 0)
			return rc;
		if (opts[k].env != NULL && (env = getenv(opts[k].env)) != NULL &&
		    *env != '\0') {
			snprintf(from, sizeof(from), "%s", opts[k].env);
			if ((rc = set_value(&opts[k], out, env, from, err)) < 0)
				return rc;
		}
	}
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return 1;
		if (strncmp(argv[i], "--", 2) != 0)
			break;
		if ((rc = parse_flag(opts, n, out, argc, argv, &i, err)) < 0)
			return rc;
	}
	if (first_arg != NULL)
		*first_arg = i;
	else if (i < argc) {
		snprintf(err, CFG_ERR_MAX, "unexpected argument '%s'", argv[i]);
		return -EINVAL;
	}
	return 0;
}

void
cfg_usage(FILE *f, const char *usage_line, const struct cfg_opt *opts,
    size_t n)
{
	size_t k;

	fprintf(f, "usage: %s\n\nSettings (a flag wins over its environment "
	    "variable):\n", usage_line);
	for (k = 0; k < n; k++) {
		const struct cfg_opt *o = &opts[k];

		if (o->name == NULL)
			fprintf(f, "  %s (environment only)", o->env);
		else
			fprintf(f, "  --%s%s", o->name, o->type == CFG_BOOL ?
			    "" : o->type == CFG_MS ? " DURATION" : " VALUE");
		if (o->name != NULL && o->env != NULL)
			fprintf(f, "  [env %s]", o->env);
		fprintf(f, "\n      %s", o->help);
		if (o->def != NULL && o->def[0] != '\0')
			fprintf(f, " (default: %s)", o->def);
		fputc('\n', f);
	}
	fprintf(f, "  --help\n      Print this and exit.\n");
}
