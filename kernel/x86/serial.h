/* 16550A UART on COM1 (docs/protocols/gen2-platform.md §6): polled output and input. */
#ifndef KEEL_X86_SERIAL_H
#define KEEL_X86_SERIAL_H

#include <stdbool.h>
#include <stddef.h>

/* Program COM1 for 115200 8N1; returns false when no UART answers. */
bool serial_init(void);
void serial_write(const char *s, size_t len);
/* Up to max received bytes, without waiting: 0 when none arrived. */
size_t serial_read(char *buf, size_t max);

#endif
