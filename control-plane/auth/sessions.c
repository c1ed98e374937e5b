/* sessions.c: the session generation and revocations on disk (sessions.h). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "atomicfile.h"
#include "auth/sessions.h"

/*
 * Layout: magic, generation, password fingerprint, count (u32 LE), then
 * count entries of token and expiry (u64 LE). Fixed sizes: a file of any
 * other length is damaged.
 */
static const char magic[8] = "WASESS1\n";
#define HEAD_LEN	(sizeof(magic) + CTL_GEN_LEN + CTL_PWFP_LEN + 4)
#define ENTRY_LEN	(CTL_TOKEN_LEN + 8)
#define FILE_MAX	(HEAD_LEN + CTL_REVOKED_MAX * ENTRY_LEN)

static int
sessions_path(const char *dir, char path[PATH_MAX])
{
	if ((size_t)snprintf(path, PATH_MAX, "%s/%s", dir, CTL_SESSIONS_FILE) >=
	    PATH_MAX)
		return -ENAMETOOLONG;
	return 0;
}

static uint64_t
get_le64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void
put_le64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

int
ctl_sessions_load(const char *dir, struct ctl_sessions *s)
{
	char path[PATH_MAX];
	uint8_t *buf, *p;
	size_t len, i;
	uint32_t n;
	int rc;

	if ((rc = sessions_path(dir, path)) < 0)
		return rc;
	if ((rc = atomicfile_read(path, FILE_MAX, &buf, &len)) < 0)
		return rc == -EFBIG ? -EBADMSG : rc;
	rc = -EBADMSG;
	if (len < HEAD_LEN || memcmp(buf, magic, sizeof(magic)) != 0)
		goto out;
	p = buf + sizeof(magic) + CTL_GEN_LEN + CTL_PWFP_LEN;
	n = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
	if (n > CTL_REVOKED_MAX || len != HEAD_LEN + n * ENTRY_LEN)
		goto out;
	memset(s, 0, sizeof(*s));
	memcpy(s->gen, buf + sizeof(magic), CTL_GEN_LEN);
	memcpy(s->pwfp, buf + sizeof(magic) + CTL_GEN_LEN, CTL_PWFP_LEN);
	for (i = 0, p = buf + HEAD_LEN; i < n; i++, p += ENTRY_LEN) {
		memcpy(s->revoked[i].token, p, CTL_TOKEN_LEN);
		s->revoked[i].expiry = get_le64(p + CTL_TOKEN_LEN);
	}
	rc = 0;
out:
	sodium_memzero(buf, len);
	free(buf);
	return rc;
}

int
ctl_sessions_save(const char *dir, const struct ctl_sessions *s, uint64_t now)
{
	char path[PATH_MAX];
	uint8_t *buf, *p;
	uint32_t n = 0;
	size_t i;
	int rc;

	if ((rc = sessions_path(dir, path)) < 0)
		return rc;
	if ((buf = malloc(FILE_MAX)) == NULL)
		return -ENOMEM;
	memcpy(buf, magic, sizeof(magic));
	memcpy(buf + sizeof(magic), s->gen, CTL_GEN_LEN);
	memcpy(buf + sizeof(magic) + CTL_GEN_LEN, s->pwfp, CTL_PWFP_LEN);
	for (i = 0, p = buf + HEAD_LEN; i < CTL_REVOKED_MAX; i++) {
		if (s->revoked[i].expiry <= now)
			continue;
		memcpy(p, s->revoked[i].token, CTL_TOKEN_LEN);
		put_le64(p + CTL_TOKEN_LEN, s->revoked[i].expiry);
		p += ENTRY_LEN;
		n++;
	}
	p = buf + HEAD_LEN - 4;
	p[0] = (uint8_t)n;
	p[1] = (uint8_t)(n >> 8);
	p[2] = (uint8_t)(n >> 16);
	p[3] = (uint8_t)(n >> 24);
	rc = atomicfile_write(path, buf, HEAD_LEN + n * ENTRY_LEN, 0600);
	sodium_memzero(buf, FILE_MAX);
	free(buf);
	return rc;
}
