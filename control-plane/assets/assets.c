/* assets.c: exact-name lookup in the embedded table (see assets.h). */
#include <string.h>

#include "assets/assets.h"

const struct asset *
assets_find(const char *path)
{
	const struct asset *a;

	for (a = assets_table; a->path != NULL; a++)
		if (strcmp(a->path, path) == 0)
			return a;
	return NULL;
}
