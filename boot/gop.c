/*
 * The GOP framebuffer, saved before ExitBootServices so the kernel can keep
 * drawing to it afterwards (docs/protocols/gen2-platform.md §3.2: one mode, 1024x768 BGRX on
 * Gen2; OVMF's standard VGA is BGRX too). A GOP without a linear
 * framebuffer (BltOnly) or with a bit-mask format counts as none.
 */
#include "boot/loader.h"

static const struct {
	EFI_GRAPHICS_PIXEL_FORMAT efi;
	enum bootfb_format fmt;
} gop_formats[] = {
	{ PixelRedGreenBlueReserved8BitPerColor, BOOTFB_RGBX },
	{ PixelBlueGreenRedReserved8BitPerColor, BOOTFB_BGRX },
};

void boot_gop(struct bootinfo *bi)
{
	EFI_GUID gop_guid = EFI_GRAPHICS_OUTPUT_PROTOCOL_GUID;
	EFI_GRAPHICS_OUTPUT_PROTOCOL *gop = NULL;
	EFI_GRAPHICS_OUTPUT_PROTOCOL_MODE *mode;
	EFI_GRAPHICS_OUTPUT_MODE_INFORMATION *info;

	boot_memset(&bi->fb, 0, sizeof(bi->fb));
	if (boot_bs->LocateProtocol(&gop_guid, NULL, (void **)&gop) != EFI_SUCCESS ||
	    gop == NULL || gop->Mode == NULL || gop->Mode->Info == NULL)
		return;
	mode = gop->Mode;
	info = mode->Info;
	for (UINTN i = 0; i < sizeof(gop_formats) / sizeof(gop_formats[0]); i++) {
		if (gop_formats[i].efi != info->PixelFormat)
			continue;
		bi->fb.format = gop_formats[i].fmt;
		bi->fb.base = mode->FrameBufferBase;
		bi->fb.size = mode->FrameBufferSize;
		bi->fb.width = info->HorizontalResolution;
		bi->fb.height = info->VerticalResolution;
		bi->fb.stride = info->PixelsPerScanLine;
		bi->fb.mode = mode->Mode;
		return;
	}
}
