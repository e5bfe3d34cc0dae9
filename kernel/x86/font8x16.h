/* Keel's own 8x16 console font: printable ASCII 0x20..0x7E (font8x16.c). */
#ifndef KEEL_X86_FONT8X16_H
#define KEEL_X86_FONT8X16_H

#include <stdint.h>

#define FONT_FIRST 0x20
#define FONT_LAST  0x7E
#define FONT_W 8
#define FONT_H 16

/* Row r of glyph c: bit 7 is the leftmost pixel. */
extern const uint8_t font8x16[FONT_LAST - FONT_FIRST + 1][FONT_H];

#endif
