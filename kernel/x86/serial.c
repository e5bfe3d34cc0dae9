/*
 * COM1 16550A console, polled in both directions (docs/protocols/gen2-platform.md
 * §6: Gen2 has COM1 at 0x3F8 only when configured with Set-VMComPort; QEMU
 * always has it). Register
 * numbers are the 16550 data sheet's. Without a UART the ports read all-ones
 * (§1), which the scratch-register probe catches.
 */
#include "kernel/x86/serial.h"

#include <stdint.h>

#include "kernel/x86/cpu.h"

#define COM1 0x3F8
enum {
	UART_THR = 0, UART_DLL = 0, UART_IER = 1, UART_DLM = 1, UART_FCR = 2,
	UART_LCR = 3, UART_MCR = 4, UART_LSR = 5, UART_SCR = 7,
};
#define LCR_8N1   0x03
#define LCR_DLAB  0x80
#define FCR_FIFO  0x07            /* enable and clear both FIFOs */
#define MCR_DTR_RTS 0x03
#define LSR_DR    0x01            /* a received byte is waiting */
#define LSR_THRE  0x20            /* transmit holding register empty */
#define THRE_SPIN 100000          /* bound: a stuck UART must not hang us */

static bool serial_present;

bool serial_init(void)
{
	outb(COM1 + UART_SCR, 0x5A);
	if (inb(COM1 + UART_SCR) != 0x5A)
		return serial_present = false;
	outb(COM1 + UART_IER, 0);                 /* polled: no interrupts */
	outb(COM1 + UART_LCR, LCR_DLAB);
	outb(COM1 + UART_DLL, 1);                 /* 115200 / 1 */
	outb(COM1 + UART_DLM, 0);
	outb(COM1 + UART_LCR, LCR_8N1);
	outb(COM1 + UART_FCR, FCR_FIFO);
	outb(COM1 + UART_MCR, MCR_DTR_RTS);
	return serial_present = true;
}

static void serial_putc(char c)
{
	for (int i = 0; i < THRE_SPIN; i++)
		if (inb(COM1 + UART_LSR) & LSR_THRE)
			break;
	outb(COM1 + UART_THR, (uint8_t)c);
}

/* Take what the receive FIFO holds, never waiting for more. */
size_t serial_read(char *buf, size_t max)
{
	size_t n = 0;

	while (serial_present && n < max && (inb(COM1 + UART_LSR) & LSR_DR))
		buf[n++] = (char)inb(COM1 + UART_THR);    /* RBR: same port */
	return n;
}

void serial_write(const char *s, size_t len)
{
	if (!serial_present)
		return;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\n')
			serial_putc('\r');
		serial_putc(s[i]);
	}
}
