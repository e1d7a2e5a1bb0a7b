/*
 * fuzz_elf_needed.c - elf_image_needs_library(), the parser behind the
 * dlopen hook's "does this module need libpq?", on any bytes.
 *
 * The dlopen hook runs it on whatever file a program asks to load, before
 * the dynamic linker has looked at it: a truncated, hostile or simply
 * foreign file must get an answer, never a read outside the file.
 *
 * Input: the file's bytes.  libFuzzer's buffer has exactly that size, so
 * ASan catches a read one past the end; it is copied to 8-byte-aligned
 * memory, as a mapping would be, so that UBSan's alignment checks see what
 * the library sees.
 *
 * Properties:
 *   - it answers, for every prefix, without reading outside the buffer;
 *   - a "yes" is true: the prefix is in the bytes, and so is any longer
 *     name it matched (the "libpq" answer implies "libp", "lib", "l", "");
 *   - the answer from a file (elf_needs_library, through mmap) is the same.
 */
#define _GNU_SOURCE
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "elf_needed.h"
#include "support.h"

/* The file-based entry point on the same bytes, through a memfd. */
static bool needs_from_file(const uint8_t *data, size_t size, const char *prefix)
{
	static int fd = -1;
	static char path[64];
	if (fd < 0) {
		fd = memfd_create("fuzz_elf_needed", MFD_CLOEXEC);
		FUZZ_CHECK(fd >= 0);
		snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	}
	FUZZ_CHECK(ftruncate(fd, 0) == 0);
	FUZZ_CHECK(pwrite(fd, data, size, 0) == (ssize_t)size);
	return elf_needs_library(path, prefix);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* malloc's alignment (16 on x86-64) is at least a mapping's 8. */
	void *bytes = malloc(size ? size : 1);
	FUZZ_CHECK(bytes != NULL);
	memcpy(bytes, data, size);

	bool libpq = elf_image_needs_library(bytes, size, "libpq");
	if (libpq)
		FUZZ_CHECK(memmem(data, size, "libpq", 5) != NULL);
	if (libpq)
		FUZZ_CHECK(elf_image_needs_library(bytes, size, "lib"));
	FUZZ_CHECK(elf_image_needs_library(bytes, size, "libpq.so.5") ? libpq : true);
	FUZZ_CHECK(needs_from_file(data, size, "libpq") == libpq);

	free(bytes);
	return 0;
}
