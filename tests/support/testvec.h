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

/*
 * Vectors of this tree alone: tests/vectors/<name> whatever
 * $WALINK_VECTORS_DIR says, for files the team's reference folder does
 * not hold (tests/CMakeLists.txt enters a test in that cross-check by the
 * name testvec_load, so a copy of the repository without ../shared runs
 * these the same). NULL, the reason on stderr, if it cannot be read: made
 * for a cmocka group setup, where failing returns -1.
 */
json_t	*testvec_own(const char *name);

/*
 * A cmocka group fixture for one such file: `static json_t *var` and the
 * group setup and teardown var##_setup, var##_teardown that load and
 * free it.
 */
#define TESTVEC_OWN_GROUP(var, name)					\
	static json_t *var;						\
	static int							\
	var##_setup(void **state)					\
	{								\
		(void)state;						\
		return (var = testvec_own(name)) == NULL ? -1 : 0;	\
	}								\
	static int							\
	var##_teardown(void **state)					\
	{								\
		(void)state;						\
		json_decref(var);					\
		return 0;						\
	}

#endif
