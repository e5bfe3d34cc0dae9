/* 16550A UART on COM1 (docs/protocols/gen2-platform.md §6): polled output only. */
#ifndef KEEL_X86_SERIAL_H
#define KEEL_X86_SERIAL_H

#include <stdbool.h>
#include <stddef.h>

/* Program COM1 for 115200 8N1; returns false when no UART answers. */
bool serial_init(void);
void serial_write(const char *s, size_t len);

#endif
