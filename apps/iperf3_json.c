/*
 * apps/iperf3_json.c: the tolerant JSON reader of apps/iperf3_json.h
 * (RFC 8259 syntax, read loosely). Every step checks against the end of the
 * span before it looks at a byte: the text is the peer's, and its length
 * is all that bounds it. Containers are skipped by counting brackets
 * outside strings, without recursion, so hostile nesting costs no stack.
 */
#include "apps/iperf3_json.h"

#include <errno.h>
#include <string.h>

static const char *json_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	return p;
}

/* Past the string whose opening quote is at p; NULL when it never ends. */
static const char *json_string_end(const char *p, const char *end)
{
	for (p++; p < end; p++) {
		if (*p == '\\')
			p++;            /* the escaped byte, whatever it is */
		else if (*p == '"')
			return p + 1;
	}
	return NULL;
}

/* Past the object or array that opens at p: brackets counted outside
 * strings (their kinds are not matched: tolerant, and still bounded). */
static const char *json_container_end(const char *p, const char *end)
{
	int depth = 0;

	while (p < end) {
		if (*p == '"') {
			p = json_string_end(p, end);
			if (p == NULL)
				return NULL;
			continue;
		}
		if (*p == '{' || *p == '[') {
			if (++depth > IPERF3_JSON_DEPTH)
				return NULL;
		} else if (*p == '}' || *p == ']') {
			if (--depth == 0)
				return p + 1;
		}
		p++;
	}
	return NULL;
}

/* Past the value that starts at p (no white space before it); NULL when
 * there is none or it does not end inside the span. */
static const char *json_value_end(const char *p, const char *end)
{
	const char *q = p;

	if (p >= end)
		return NULL;
	if (*p == '"')
		return json_string_end(p, end);
	if (*p == '{' || *p == '[')
		return json_container_end(p, end);
	/* a number or a literal: up to the next delimiter */
	while (q < end && strchr(",:]}[{\" \t\r\n", *q) == NULL)
		q++;
	return q > p ? q : NULL;
}

/* Walk the members (is_obj) or elements of a container; stop at the one
 * `match` accepts. */
static int json_walk(struct iperf3_json c, bool is_obj, const char *key, unsigned index,
		     struct iperf3_json *val)
{
	const char *end = c.j_p + c.j_n;
	const char *p = json_ws(c.j_p, end);
	const char close = is_obj ? '}' : ']';
	size_t klen = key != NULL ? strlen(key) : 0;

	if (p >= end || *p != (is_obj ? '{' : '['))
		return -EINVAL;
	p = json_ws(p + 1, end);
	if (p < end && *p == close)
		return -ENOENT;
	for (unsigned i = 0;; i++) {
		const char *k = NULL, *ke = NULL, *ve;

		if (is_obj) {
			if (p >= end || *p != '"' || (ke = json_string_end(p, end)) == NULL)
				return -EINVAL;
			k = p + 1;
			p = json_ws(ke, end);
			if (p >= end || *p != ':')
				return -EINVAL;
			p = json_ws(p + 1, end);
		}
		ve = json_value_end(p, end);
		if (ve == NULL)
			return -EINVAL;
		if (is_obj ? (size_t)(ke - 1 - k) == klen && memcmp(k, key, klen) == 0
			   : i == index) {
			val->j_p = p;
			val->j_n = (size_t)(ve - p);
			return 0;
		}
		p = json_ws(ve, end);
		if (p < end && *p == ',')
			p = json_ws(p + 1, end);
		else if (p < end && *p == close)
			return -ENOENT;
		else
			return -EINVAL;
	}
}

int iperf3_json_get(struct iperf3_json obj, const char *key, struct iperf3_json *val)
{
	return json_walk(obj, true, key, 0, val);
}

int iperf3_json_elem(struct iperf3_json arr, unsigned index, struct iperf3_json *val)
{
	return json_walk(arr, false, NULL, index, val);
}

int iperf3_json_uint(struct iperf3_json v, uint64_t max, uint64_t *out)
{
	const char *end = v.j_p + v.j_n;
	const char *p = json_ws(v.j_p, end);
	uint64_t n = 0;
	bool big = false;

	if (p >= end || *p < '0' || *p > '9')
		return -EINVAL;
	for (; p < end && *p >= '0' && *p <= '9'; p++) {
		unsigned d = (unsigned)(*p - '0');

		if (n > (UINT64_MAX - d) / 10)
			big = true;
		else
			n = n * 10 + d;
	}
	if (p < end && *p == '.')            /* a fraction: dropped */
		for (p++; p < end && *p >= '0' && *p <= '9'; p++)
			;
	if (json_ws(p, end) != end)
		return -EINVAL;
	if (big || n > max)
		return -ERANGE;
	*out = n;
	return 0;
}

int iperf3_json_bool(struct iperf3_json v, bool *out)
{
	const char *end = v.j_p + v.j_n;
	const char *p = json_ws(v.j_p, end);
	size_t n = (size_t)(end - p);
	uint64_t u;

	while (n > 0 && strchr(" \t\r\n", p[n - 1]) != NULL)
		n--;
	if (n == 4 && memcmp(p, "true", 4) == 0) {
		*out = true;
		return 0;
	}
	if (n == 5 && memcmp(p, "false", 5) == 0) {
		*out = false;
		return 0;
	}
	if (iperf3_json_uint(v, UINT64_MAX, &u) < 0)
		return -EINVAL;
	*out = u != 0;
	return 0;
}
