/*
 * The payload of the zboot loader: the kernel image (build/keel-kernel.efi)
 * as one LZ4 frame, which mk/efi.mk names in ZBOOT_PAYLOAD. Read-only data
 * between zboot_payload and zboot_payload_end (boot/zboot/zboot.c).
 */
	.section .rodata.zboot_payload, "a"
	.balign 16
	.globl zboot_payload
	.hidden zboot_payload
zboot_payload:
	.incbin ZBOOT_PAYLOAD
	.globl zboot_payload_end
	.hidden zboot_payload_end
zboot_payload_end:
	.section .note.GNU-stack, "", @progbits
