/* hosts.c: allowed Host names (see hosts.h). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "http/hosts.h"

/* "Name:port", "[v6]:port" -> "name" / "[v6]", lower case, no final dot.
 * 0, or -EINVAL for an empty or overlong name or a bad bracket. */
static int
host_part(const char *s, size_t len, char out[CTL_HOST_NAME_MAX + 1])
{
	const char *end;
	size_t n, i;

	while (len > 0 && (*s == ' ' || *s == '\t'))
		s++, len--;
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (len > 0 && s[0] == '[') {
		if ((end = memchr(s, ']', len)) == NULL)
			return -EINVAL;
		n = (size_t)(end - s) + 1;
		if (n < len && s[n] != ':')
			return -EINVAL;
	} else {
		end = memchr(s, ':', len);
		n = end != NULL ? (size_t)(end - s) : len;
	}
	if (n > 0 && s[n - 1] == '.')
		n--;
	if (n == 0 || n > CTL_HOST_NAME_MAX)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= ' ' || c >= 0x7f || c == '/' || c == '@')
			return -EINVAL;
		out[i] = (char)tolower(c);
	}
	out[n] = '\0';
	return 0;
}

static int
hosts_add(struct ctl_hosts *h, const char *s, size_t len)
{
	char name[CTL_HOST_NAME_MAX + 1];
	int i;

	if (host_part(s, len, name) < 0)
		return -EINVAL;
	for (i = 0; i < h->n; i++)
		if (strcmp(h->name[i], name) == 0)
			return 0;
	if (h->n == CTL_HOSTS_MAX)
		return -E2BIG;
	memcpy(h->name[h->n++], name, strlen(name) + 1);
	return 0;
}

static bool
is_wildcard(const char *name)
{
	return strcmp(name, "0.0.0.0") == 0 || strcmp(name, "[::]") == 0;
}

int
ctl_hosts_parse(const char *setting, const char *listen, struct ctl_hosts *out,
    char err[CTL_HOSTS_ERR_MAX])
{
	static const char *const local[] = { "localhost", "127.0.0.1", "[::1]" };
	const char *p, *comma;
	char lh[CTL_HOST_NAME_MAX + 1];
	size_t i, len;
	int rc;

	memset(out, 0, sizeof(*out));
	if (setting != NULL && strcmp(setting, "*") == 0) {
		out->any = true;
		return 0;
	}
	if (setting != NULL && setting[0] != '\0') {
		for (p = setting; ; p = comma + 1) {
			comma = strchr(p, ',');
			len = comma != NULL ? (size_t)(comma - p) : strlen(p);
			if ((rc = hosts_add(out, p, len)) == -E2BIG) {
				snprintf(err, CTL_HOSTS_ERR_MAX, "--allowed-hosts: "
				    "at most %d names", CTL_HOSTS_MAX);
				return -EINVAL;
			}
			if (rc < 0) {
				snprintf(err, CTL_HOSTS_ERR_MAX, "--allowed-hosts: "
				    "'%.*s' is not a host name",
				    len > 60 ? 60 : (int)len, p);
				return -EINVAL;
			}
			if (comma == NULL)
				break;
		}
		return 0;
	}
	/* "3000" alone (all interfaces) or "0.0.0.0:3000" name no host. */
	if (listen != NULL && strchr(listen, ':') != NULL &&
	    host_part(listen, strlen(listen), lh) == 0 && !is_wildcard(lh))
		hosts_add(out, lh, strlen(lh));
	for (i = 0; i < sizeof(local) / sizeof(local[0]); i++)
		hosts_add(out, local[i], strlen(local[i]));
	return 0;
}

bool
ctl_hosts_allow(const struct ctl_hosts *h, const char *header)
{
	char name[CTL_HOST_NAME_MAX + 1];
	int i;

	if (h->any)
		return true;
	if (header == NULL || host_part(header, strlen(header), name) < 0)
		return false;
	for (i = 0; i < h->n; i++)
		if (strcmp(h->name[i], name) == 0)
			return true;
	return false;
}

bool
ctl_hosts_loopback_only(const struct ctl_hosts *h)
{
	int i;

	if (h->any)
		return false;
	for (i = 0; i < h->n; i++)
		if (strcmp(h->name[i], "localhost") != 0 &&
		    strncmp(h->name[i], "127.", 4) != 0 &&
		    strcmp(h->name[i], "[::1]") != 0)
			return false;
	return true;
}
