/*
 * The kernel command line: the first line of keel.cfg in the directory the
 * image was loaded from (EFI/BOOT/ on the ESP), then the image's load options
 * (UCS-2, converted to ASCII) appended after a space.
 * Load options that are not printable text (some boot managers store binary
 * data there) are ignored with a message; the UEFI shell's argv[0] (the
 * image path) is dropped.
 */
#include "boot/loader.h"

#define CFG_NAME   u"keel.cfg"
#define PATH_MAX16 256

struct cmd_out {
	char *buf;
	UINTN n;
};

static int cmd_printable(UINT32 c)
{
	return c >= 0x20 && c < 0x7f;
}

/* Append one piece, trimmed, separated by a space; cut at the buffer's end. */
static void cmd_append(struct cmd_out *o, const char *s, UINTN len)
{
	while (len > 0 && s[0] == ' ') {
		s++;
		len--;
	}
	while (len > 0 && s[len - 1] == ' ')
		len--;
	if (len == 0)
		return;
	if (o->n > 0 && o->n + 1 < BOOTINFO_CMDLINE)
		o->buf[o->n++] = ' ';
	for (UINTN i = 0; i < len && o->n + 1 < BOOTINFO_CMDLINE; i++)
		o->buf[o->n++] = s[i];
	if (o->n + 1 >= BOOTINFO_CMDLINE)
		boot_printf("keel: command line cut at %u bytes\n", BOOTINFO_CMDLINE - 1);
	o->buf[o->n] = 0;
}

/* The directory of the loaded image's file path, plus "keel.cfg". */
static int cfg_path(EFI_LOADED_IMAGE *li, CHAR16 *out)
{
	UINTN n = 0, slash = 0;
	EFI_DEVICE_PATH *dp = li->FilePath;

	for (; dp != NULL && !IsDevicePathEnd(dp); dp = NextDevicePathNode(dp)) {
		UINTN len = DevicePathNodeLength(dp);
		const CHAR16 *name = ((FILEPATH_DEVICE_PATH *)dp)->PathName;

		if (len < sizeof(EFI_DEVICE_PATH))
			break;          /* malformed: stop walking */
		if (DevicePathType(dp) != MEDIA_DEVICE_PATH ||
		    DevicePathSubType(dp) != MEDIA_FILEPATH_DP)
			continue;
		len = (len - SIZE_OF_FILEPATH_DEVICE_PATH) / sizeof(CHAR16);
		/* consecutive file path nodes concatenate, with a separator */
		if (n > 0 && out[n - 1] != u'\\' && n + 1 < PATH_MAX16)
			out[n++] = u'\\';
		for (UINTN i = 0; i < len && name[i] != 0 && n + 1 < PATH_MAX16; i++)
			out[n++] = name[i];
	}
	for (UINTN i = 0; i < n; i++)
		if (out[i] == u'\\' || out[i] == u'/')
			slash = i + 1;
	n = slash;
	if (n == 0)
		out[n++] = u'\\';
	for (const CHAR16 *c = CFG_NAME; *c != 0; c++) {
		if (n + 1 >= PATH_MAX16)
			return -1;
		out[n++] = *c;
	}
	out[n] = 0;
	return 0;
}

static void cfg_read(EFI_LOADED_IMAGE *li, struct cmd_out *o)
{
	EFI_GUID fs_guid = SIMPLE_FILE_SYSTEM_PROTOCOL;
	EFI_SIMPLE_FILE_SYSTEM_PROTOCOL *fs = NULL;
	EFI_FILE_PROTOCOL *root = NULL, *file = NULL;
	CHAR16 path[PATH_MAX16];
	char text[BOOTINFO_CMDLINE];
	UINTN size = sizeof(text) - 1, len = 0;

	if (cfg_path(li, path) < 0)
		return;
	if (boot_bs->HandleProtocol(li->DeviceHandle, &fs_guid, (void **)&fs) != EFI_SUCCESS ||
	    fs == NULL || fs->OpenVolume(fs, &root) != EFI_SUCCESS)
		goto out;
	if (root->Open(root, &file, path, EFI_FILE_MODE_READ, 0) != EFI_SUCCESS) {
		boot_printf("keel: no keel.cfg\n");
		goto out;
	}
	if (file->Read(file, &size, text) != EFI_SUCCESS)
		size = 0;
	while (len < size && text[len] != '\r' && text[len] != '\n' && text[len] != 0) {
		if (text[len] == '\t' || !cmd_printable((unsigned char)text[len]))
			text[len] = ' ';
		len++;
	}
	cmd_append(o, text, len);
out:
	if (file != NULL)
		file->Close(file);
	if (root != NULL)
		root->Close(root);
}

/*
 * The UEFI shell passes its whole command line, image path first, as load
 * options (boot manager entries pass only their optional data): drop a
 * first word that names an .efi file.
 */
static const char *opts_skip_argv0(const char *s, UINTN *len)
{
	UINTN i = 0, w;

	while (i < *len && s[i] == ' ')
		i++;
	w = i;
	while (w < *len && s[w] != ' ')
		w++;
	if (w - i >= 4 && s[w - 4] == '.' && (s[w - 3] | 0x20) == 'e' &&
	    (s[w - 2] | 0x20) == 'f' && (s[w - 1] | 0x20) == 'i') {
		*len -= w;
		return s + w;
	}
	return s;
}

static void opts_read(EFI_LOADED_IMAGE *li, struct cmd_out *o)
{
	const CHAR16 *w = li->LoadOptions;
	UINTN nw = li->LoadOptionsSize / sizeof(CHAR16), len = 0;
	char text[BOOTINFO_CMDLINE];

	if (w == NULL || nw == 0)
		return;
	for (; len < nw && w[len] != 0; len++) {
		if (!cmd_printable(w[len]) && w[len] != u'\t') {
			boot_printf("keel: load options are not text (%u bytes), ignored\n",
				    li->LoadOptionsSize);
			return;
		}
		if (len + 1 >= sizeof(text))
			break;
		text[len] = w[len] == u'\t' ? ' ' : (char)w[len];
	}
	cmd_append(o, opts_skip_argv0(text, &len), len);
}

void boot_cmdline(EFI_LOADED_IMAGE *li, struct bootinfo *bi)
{
	struct cmd_out o = { .buf = bi->cmdline, .n = 0 };

	bi->cmdline[0] = 0;
	cfg_read(li, &o);
	opts_read(li, &o);
}
