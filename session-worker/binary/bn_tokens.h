/*
 * bn_tokens.h: dictionary v3 token tables (protocol-notes §5), internal to
 * binary/. The tables are generated into bn_tokens.c by
 * tests/interop/gen-tokens.js from the Baileys 7 package.
 */
#ifndef WALINK_BN_TOKENS_H
#define WALINK_BN_TOKENS_H

#include <stddef.h>
#include <stdint.h>

#define BN_TOKENS_SINGLE	236	/* index 0 is "" and never encoded */
#define BN_TOKENS_DICTS		4	/* DICTIONARY_0..3, 256 entries each */
#define BN_TOKEN_LEN_MAX	48	/* longest token; gen-tokens.js checks it */

extern const char *const bn_tokens_single[BN_TOKENS_SINGLE];
extern const uint8_t bn_tokens_single_len[BN_TOKENS_SINGLE];
extern const char *const bn_tokens_double[BN_TOKENS_DICTS][256];
extern const uint8_t bn_tokens_double_len[BN_TOKENS_DICTS][256];

/*
 * The token for s: 1..235 for a single-byte token, 256 * (dict + 1) + index
 * for a double-byte one, -1 when s is no token. When a string sits in two
 * tables the later one wins, as in Baileys' TOKEN_MAP.
 */
int	bn_token_find(const char *s, size_t len);

#endif
