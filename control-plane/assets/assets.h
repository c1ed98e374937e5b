/*
 * assets.h: the dashboard files, embedded at build time by embed.cmake
 * (assets_web.c is generated). Lookup is by exact name, so no request
 * path can reach the file system.
 */
#ifndef WALINK_CTL_ASSETS_H
#define WALINK_CTL_ASSETS_H

#include <stddef.h>

struct asset {
	const char		*path;	/* "/index.html" */
	const char		*type;
	const unsigned char	*bytes;
	size_t			 len;
};

extern const struct asset assets_table[];	/* ends with path NULL */

const struct asset *assets_find(const char *path);

#endif
