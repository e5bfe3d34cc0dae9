/*
 * The storage unit-test runner's shared bits (tests/storage/test_*.c):
 * a test is {name, function}; CHECK marks the running test failed.
 */
#ifndef KEEL_TESTS_STORAGE_TESTS_H
#define KEEL_TESTS_STORAGE_TESTS_H

#include <stdio.h>

extern int storage_t_failed;

#define CHECK(x) do {                                                        \
	if (!(x)) {                                                          \
		fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__,     \
			__LINE__, #x);                                       \
		storage_t_failed = 1;                                        \
	}                                                                    \
} while (0)

struct storage_test {
	const char *name;
	void (*fn)(void);
};

/* tests/storage/test_storvsc_host.c, NULL-terminated */
extern const struct storage_test storvsc_host_tests[];

#endif
