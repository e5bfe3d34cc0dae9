/*
 * efi_main of keel.efi as shipped: the zboot loader. keel.efi is this small
 * EFI application plus the kernel image (build/keel-kernel.efi, the one the
 * rest of boot/ starts) compressed as an LZ4 frame (payload.S), so that the
 * file on the ESP stays within its size budget (README "Size"); Linux's EFI
 * zboot images do the same.
 *
 * At entry it decompresses the kernel image into pages from boot services,
 * hands them to the firmware's own PE loader (LoadImage with this image's
 * device path, so the kernel's EFI_LOADED_IMAGE names the same device and
 * file and the kernel finds keel.cfg beside it), gives the kernel this
 * image's load options (the command line), and starts it. The kernel leaves
 * boot services itself; StartImage returns only if it fails first, and its
 * status is this image's exit status. A payload that fails any check of the
 * decoder (boot/zboot/lz4.c) is a message on the console and a failed boot.
 */
#include "boot/loader.h"
#include "boot/zboot/lz4.h"
#include "boot/zboot/zboot_info.h"

EFI_SYSTEM_TABLE *boot_st;      /* boot/console.c prints through these */
EFI_BOOT_SERVICES *boot_bs;

/* payload.S */
extern const UINT8 zboot_payload[] __attribute__((visibility("hidden")));
extern const UINT8 zboot_payload_end[] __attribute__((visibility("hidden")));

/* Far above any kernel image: a larger size field is refused, not allocated. */
#define ZBOOT_MAX_IMAGE (64ull << 20)

static UINT64 zboot_rdtsc(void)
{
	UINT32 lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((UINT64)hi << 32) | lo;
}

static void zboot_copy(void *dst, const void *src, UINTN n)
{
	volatile UINT8 *d = dst;        /* volatile: keep clang from calling memcpy */
	const UINT8 *s = src;

	while (n-- > 0)
		*d++ = *s++;
}

/* Bytes of a device path up to and including its end node; 0 if malformed. */
static UINTN zboot_path_size(EFI_DEVICE_PATH *dp)
{
	UINTN n = 0;

	for (;;) {
		UINTN len = DevicePathNodeLength(dp);

		if (len < sizeof(EFI_DEVICE_PATH))
			return 0;
		n += len;
		if (IsDevicePathEnd(dp))
			return n;
		dp = NextDevicePathNode(dp);
	}
}

/*
 * This image's whole device path (device, then file): the firmware's
 * EFI_LOADED_IMAGE_DEVICE_PATH_PROTOCOL, else the device's path with the
 * loaded image's file path appended (pool memory, never freed: the firmware
 * keeps its own copy). NULL if neither is there.
 */
static EFI_DEVICE_PATH *zboot_self_path(EFI_HANDLE image, EFI_LOADED_IMAGE *li)
{
	EFI_GUID lidp_guid = EFI_LOADED_IMAGE_DEVICE_PATH_PROTOCOL_GUID;
	EFI_GUID dp_guid = DEVICE_PATH_PROTOCOL;
	EFI_DEVICE_PATH *dp = NULL, *dev = NULL;
	UINTN dev_n, file_n;
	UINT8 *out = NULL;

	if (boot_bs->HandleProtocol(image, &lidp_guid, (void **)&dp) == EFI_SUCCESS && dp != NULL)
		return dp;
	if (li->FilePath == NULL ||
	    boot_bs->HandleProtocol(li->DeviceHandle, &dp_guid, (void **)&dev) != EFI_SUCCESS ||
	    dev == NULL)
		return NULL;
	dev_n = zboot_path_size(dev);
	file_n = zboot_path_size(li->FilePath);
	if (dev_n == 0 || file_n == 0 ||
	    boot_bs->AllocatePool(EfiLoaderData, dev_n + file_n, (void **)&out) != EFI_SUCCESS)
		return NULL;
	dev_n -= END_DEVICE_PATH_LENGTH;        /* the file path brings its own end */
	zboot_copy(out, dev, dev_n);
	zboot_copy(out + dev_n, li->FilePath, file_n);
	return (EFI_DEVICE_PATH *)out;
}

/* The kernel image, unpacked into fresh pages (*pages of them); 0 or an LZ4_E_* code. */
static int zboot_unpack(EFI_PHYSICAL_ADDRESS *buf, UINTN *pages, struct zboot_info *zi)
{
	UINTN packed = (UINTN)(zboot_payload_end - zboot_payload);
	UINT64 size = 0;
	int rc = lz4_frame_content_size(zboot_payload, packed, &size);

	if (rc < 0)
		return rc;
	if (size == 0 || size > ZBOOT_MAX_IMAGE)
		return LZ4_E_OVERFLOW;
	*pages = EFI_SIZE_TO_PAGES(size);
	if (boot_bs->AllocatePages(AllocateAnyPages, EfiLoaderData, *pages, buf) != EFI_SUCCESS) {
		*pages = 0;
		return 1;       /* not the payload's fault: the caller says so */
	}
	zi->packed_bytes = packed;
	zi->image_bytes = size;
	zi->tsc_unpack_start = zboot_rdtsc();
	rc = lz4_frame_decode(zboot_payload, packed, (UINT8 *)(UINTN)*buf, (UINTN)size);
	zi->tsc_unpack_end = zboot_rdtsc();
	return rc;
}

/*
 * The kernel's EFI_LOADED_IMAGE gets this image's command line; device and
 * file come from the device path given to LoadImage, and are this image's
 * when the firmware could not resolve them (an unresolved file path is left
 * NULL: the kernel then reads keel.cfg from the volume's root).
 */
static EFI_STATUS zboot_pass_on(EFI_HANDLE kernel, EFI_LOADED_IMAGE *li)
{
	EFI_GUID lip_guid = LOADED_IMAGE_PROTOCOL;
	EFI_LOADED_IMAGE *kli = NULL;
	EFI_STATUS status = boot_bs->HandleProtocol(kernel, &lip_guid, (void **)&kli);

	if (status != EFI_SUCCESS || kli == NULL)
		return status != EFI_SUCCESS ? status : EFI_NOT_FOUND;
	kli->LoadOptions = li->LoadOptions;
	kli->LoadOptionsSize = li->LoadOptionsSize;
	if (kli->DeviceHandle == NULL)
		kli->DeviceHandle = li->DeviceHandle;
	return EFI_SUCCESS;
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st)
{
	static struct zboot_info zi;    /* in this image: lives as long as it does */
	EFI_GUID lip_guid = LOADED_IMAGE_PROTOCOL, zi_guid = ZBOOT_INFO_GUID;
	EFI_LOADED_IMAGE *li = NULL;
	EFI_PHYSICAL_ADDRESS buf = 0;
	EFI_HANDLE kernel = NULL;
	UINTN pages = 0;
	EFI_STATUS status;
	int rc;

	zi.tsc_entry = zboot_rdtsc();
	zi.magic = ZBOOT_INFO_MAGIC;
	boot_st = st;
	boot_bs = st->BootServices;
	status = boot_bs->HandleProtocol(image, &lip_guid, (void **)&li);
	if (status != EFI_SUCCESS || li == NULL) {
		boot_printf("keel: no LoadedImage protocol (%lx)\n", (UINT64)status);
		return status != EFI_SUCCESS ? status : EFI_NOT_FOUND;
	}
	rc = zboot_unpack(&buf, &pages, &zi);
	if (rc != 0) {
		if (rc > 0)
			boot_printf("keel: no memory for the kernel image\n");
		else
			boot_printf("keel: the kernel image in keel.efi is corrupt (LZ4: %s), "
				    "not booting\n", lz4_strerror(rc));
		status = rc > 0 ? EFI_OUT_OF_RESOURCES : EFI_LOAD_ERROR;
		goto out;
	}
	status = boot_bs->LoadImage(FALSE, image, zboot_self_path(image, li),
				    (void *)(UINTN)buf, (UINTN)zi.image_bytes, &kernel);
	if (status != EFI_SUCCESS) {
		boot_printf("keel: LoadImage of the kernel image failed (%lx)\n", (UINT64)status);
		kernel = NULL;
		goto out;
	}
	boot_bs->FreePages(buf, pages);         /* the firmware has its own copy now */
	pages = 0;
	status = zboot_pass_on(kernel, li);
	if (status != EFI_SUCCESS) {
		boot_printf("keel: the kernel image has no LoadedImage (%lx)\n", (UINT64)status);
		boot_bs->UnloadImage(kernel);
		goto out;
	}
	boot_bs->InstallConfigurationTable(&zi_guid, &zi);
	/* Returns only if the kernel returned before leaving boot services. */
	status = boot_bs->StartImage(kernel, NULL, NULL);
	boot_bs->InstallConfigurationTable(&zi_guid, NULL);
out:
	if (pages != 0)
		boot_bs->FreePages(buf, pages);
	return status;
}
