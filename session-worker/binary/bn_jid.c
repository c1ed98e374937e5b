/*
 * bn_jid.c: JID text forms (protocol-notes §5): user[_agent][:device]@server.
 * Parsing splits as Baileys' jidDecode does (first '@', then first ':',
 * then first '_') but accepts canonical numbers only, so that a parsed JID
 * formats back to the very same string.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "binary/bn.h"

/* Canonical decimal: digits, no leading zero (except "0"), at most max. */
static int
dec_parse(const char *s, size_t len, unsigned long max)
{
	unsigned long v = 0;
	size_t i;

	if (len == 0 || len > 5 || (len > 1 && s[0] == '0'))
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	return v > max ? -1 : (int)v;
}

int
bn_jid_parse(const char *s, size_t len, struct bn_jid *out)
{
	const char *at, *colon, *us;
	size_t ulen;
	int device = -1, agent = -1;

	if ((at = memchr(s, '@', len)) == NULL || at == s + len - 1)
		return -EINVAL;
	ulen = (size_t)(at - s);
	if ((colon = memchr(s, ':', ulen)) != NULL) {
		device = dec_parse(colon + 1, (size_t)(at - colon - 1), 65535);
		if (device < 0)
			return -EINVAL;
		ulen = (size_t)(colon - s);
	}
	/* "_agent" only when what follows is a number: "a_b@x" is a user */
	if ((us = memchr(s, '_', ulen)) != NULL &&
	    (agent = dec_parse(us + 1, (size_t)(s + ulen - us - 1), 255)) >= 0)
		ulen = (size_t)(us - s);
	out->user = s;
	out->user_len = ulen;
	out->server = at + 1;
	out->server_len = len - (size_t)(at - s) - 1;
	out->agent = agent;
	out->device = device;
	return 0;
}

static size_t
dec_format(char *p, unsigned int v)
{
	char t[8];
	size_t n = 0, i;

	do {
		t[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	for (i = 0; i < n; i++)
		p[i] = t[n - 1 - i];
	return n;
}

int
bn_jid_format(const struct bn_jid *j, char *buf, size_t cap, size_t *len)
{
	char num[16];
	size_t need, off;

	if (j->agent > 255 || j->device > 65535 || j->server_len == 0)
		return -EINVAL;
	need = j->user_len + 1 + j->server_len + 1;
	if (j->agent >= 0)
		need += 1 + dec_format(num, (unsigned int)j->agent);
	if (j->device >= 0)
		need += 1 + dec_format(num, (unsigned int)j->device);
	if (need > cap)
		return -EMSGSIZE;
	memcpy(buf, j->user, j->user_len);
	off = j->user_len;
	if (j->agent >= 0) {
		buf[off++] = '_';
		off += dec_format(buf + off, (unsigned int)j->agent);
	}
	if (j->device >= 0) {
		buf[off++] = ':';
		off += dec_format(buf + off, (unsigned int)j->device);
	}
	buf[off++] = '@';
	memcpy(buf + off, j->server, j->server_len);
	off += j->server_len;
	buf[off] = '\0';
	if (len != NULL)
		*len = off;
	return 0;
}

const char *
bn_jid_domain_server(unsigned int d)
{
	switch (d) {
	case 1:
		return "lid";
	case 128:
		return "hosted";
	case 129:
		return "hosted.lid";
	default:
		return "s.whatsapp.net";	/* Baileys readAdJid's default */
	}
}
