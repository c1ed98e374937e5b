/*
 * testvec.h: reading the protocol vectors (JSON files in tests/vectors,
 * written by tests/vectors/make-vectors.js; $WALINK_VECTORS_DIR picks
 * another folder) in place from unit tests. Every call aborts the test on a missing file or
 * field: a vector that cannot be read is a failed test, never a skipped one.
 */
#ifndef WALINK_TESTVEC_H
#define WALINK_TESTVEC_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* Loads <vectors folder>/<name>; the caller json_decref()s it. */
json_t	*testvec_load(const char *name);

/* The string at a dotted path ("keys.root.public"); borrowed from root. */
const char *testvec_str(json_t *root, const char *path);

/*
 * Decodes the hex string at path into a malloc'd buffer; *len gets its
 * size. The caller frees it.
 */
uint8_t	*testvec_hex(json_t *root, const char *path, size_t *len);

/* Decodes hex at path into exactly n bytes of out (fails on another size). */
void	 testvec_hex_exact(json_t *root, const char *path, uint8_t *out, size_t n);

#endif
