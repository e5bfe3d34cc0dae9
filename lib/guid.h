/*
 * GUID helpers: compare and format the mixed-endian binary GUIDs VMBus uses
 * (docs/protocols/vmbus.md §0: Data1 LE u32, Data2 LE u16, Data3 LE u16, Data4 bytes).
 */
#ifndef KEEL_LIB_GUID_H
#define KEEL_LIB_GUID_H

#include <stdbool.h>

#include "include/hyperv/vmbus_wire.h"

#define GUID_STR_LEN 37  /* 36 characters and the NUL */

bool guid_equal(const struct vmbus_guid *a, const struct vmbus_guid *b);
bool guid_is_zero(const struct vmbus_guid *g);
/* Text form "f8615163-df3e-46c5-913f-f2d2f965ed0e" into buf[GUID_STR_LEN]; returns buf. */
char *guid_format(const struct vmbus_guid *g, char buf[GUID_STR_LEN]);
/* Parse the text form; 0 or -EINVAL. */
int guid_parse(const char *s, struct vmbus_guid *out);

#endif
