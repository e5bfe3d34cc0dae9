/*
 * apps/iperf3_json.h: a small, tolerant JSON reader for the iperf3 server
 * (apps/iperf3.c, docs/protocols/iperf3.md "Messages"). It reads values out
 * of a byte span that the peer wrote, without copying and without needing a
 * NUL: an object's member by key, an array's element by index, unsigned
 * integers and booleans. Anything it does not need (escapes in keys,
 * fractions, exponents, unbalanced input) is skipped or refused, never
 * trusted; nesting deeper than IPERF3_JSON_DEPTH is refused.
 */
#ifndef KEEL_APPS_IPERF3_JSON_H
#define KEEL_APPS_IPERF3_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IPERF3_JSON_DEPTH 16

/* A span of JSON text: one value (object, array, string, number or
 * literal), possibly with white space around it. */
struct iperf3_json {
	const char *j_p;
	size_t j_n;
};

/* The member `key` of object `obj` (top level of obj only; the first match
 * when a key repeats): 0 and *val, -ENOENT when absent, -EINVAL when obj is
 * not a well-formed object up to that member. */
int iperf3_json_get(struct iperf3_json obj, const char *key, struct iperf3_json *val);
/* Element `index` (from 0) of array `arr`: 0, -ENOENT, -EINVAL. */
int iperf3_json_elem(struct iperf3_json arr, unsigned index, struct iperf3_json *val);
/* A non-negative integer; a fraction after it is dropped ("10.5" is 10).
 * 0, -EINVAL (not a number, negative), -ERANGE (above max). */
int iperf3_json_uint(struct iperf3_json v, uint64_t max, uint64_t *out);
/* true/false, or a number (non-zero is true): 0, -EINVAL. */
int iperf3_json_bool(struct iperf3_json v, bool *out);

#endif
