/* Text console on the GOP framebuffer (docs/protocols/gen2-platform.md §3.2), 8x16 cells. */
#ifndef KEEL_X86_FBCONS_H
#define KEEL_X86_FBCONS_H

#include <stddef.h>

#include "boot/bootinfo.h"

/* 0, or -EINVAL when the mode is unusable (too small, unknown format). */
int fbcons_init(const struct bootfb *fb);
void fbcons_write(const char *s, size_t len);

#endif
