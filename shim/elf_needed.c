/*
 * elf_needed.c - see elf_needed.h.
 *
 * The file is mapped read-only and every offset is checked against its size
 * before use: it is whatever the program asked to load.
 */
#include "elf_needed.h"

#include <elf.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

struct image {
	const unsigned char *bytes;
	size_t size;
};

static bool in_bounds(const struct image *image, size_t offset, size_t length)
{
	return offset <= image->size && length <= image->size - offset;
}

/* The file offset of virtual address vaddr, through the PT_LOAD segments. */
static bool file_offset(const struct image *image, const Elf64_Ehdr *header, Elf64_Addr vaddr,
			size_t *offset)
{
	*offset = 0;
	for (size_t i = 0; i < header->e_phnum; i++) {
		const Elf64_Phdr *segment = (const Elf64_Phdr *)(image->bytes + header->e_phoff) + i;
		if (segment->p_type == PT_LOAD && vaddr >= segment->p_vaddr &&
		    vaddr - segment->p_vaddr < segment->p_filesz) {
			*offset = (size_t)(vaddr - segment->p_vaddr + segment->p_offset);
			return true;
		}
	}
	return false;
}

bool elf_image_needs_library(const void *bytes, size_t size, const char *prefix)
{
	const struct image image_of_bytes = { bytes, size };
	const struct image *image = &image_of_bytes;
	const Elf64_Ehdr *header = (const Elf64_Ehdr *)image->bytes;
	if (!in_bounds(image, 0, sizeof *header) || memcmp(header->e_ident, ELFMAG, SELFMAG) != 0 ||
	    header->e_ident[EI_CLASS] != ELFCLASS64 || header->e_phentsize != sizeof(Elf64_Phdr) ||
	    header->e_phoff % _Alignof(Elf64_Phdr) != 0 ||
	    !in_bounds(image, header->e_phoff, (size_t)header->e_phnum * sizeof(Elf64_Phdr)))
		return false;

	const Elf64_Phdr *dynamic = NULL;
	for (size_t i = 0; i < header->e_phnum; i++) {
		const Elf64_Phdr *segment = (const Elf64_Phdr *)(image->bytes + header->e_phoff) + i;
		if (segment->p_type == PT_DYNAMIC)
			dynamic = segment;
	}
	if (dynamic == NULL || dynamic->p_offset % _Alignof(Elf64_Dyn) != 0 ||
	    !in_bounds(image, dynamic->p_offset, dynamic->p_filesz))
		return false;
	const Elf64_Dyn *entries = (const Elf64_Dyn *)(image->bytes + dynamic->p_offset);
	size_t count = dynamic->p_filesz / sizeof(Elf64_Dyn);

	/* First the string table, which DT_NEEDED entries index into. */
	size_t strtab = 0, strsz = 0;
	bool have_strtab = false;
	for (size_t i = 0; i < count && entries[i].d_tag != DT_NULL; i++) {
		if (entries[i].d_tag == DT_STRTAB)
			have_strtab = file_offset(image, header, entries[i].d_un.d_ptr, &strtab);
		else if (entries[i].d_tag == DT_STRSZ)
			strsz = entries[i].d_un.d_val;
	}
	if (!have_strtab || !in_bounds(image, strtab, strsz))
		return false;

	size_t prefix_length = strlen(prefix);
	for (size_t i = 0; i < count && entries[i].d_tag != DT_NULL; i++) {
		if (entries[i].d_tag != DT_NEEDED || entries[i].d_un.d_val >= strsz)
			continue;
		const char *name = (const char *)image->bytes + strtab + entries[i].d_un.d_val;
		size_t room = strsz - entries[i].d_un.d_val;
		if (strnlen(name, room) < room && strncmp(name, prefix, prefix_length) == 0)
			return true;
	}
	return false;
}

bool elf_needs_library(const char *path, const char *prefix)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	struct stat st;
	bool found = false;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
		void *bytes = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (bytes != MAP_FAILED) {
			found = elf_image_needs_library(bytes, (size_t)st.st_size, prefix);
			munmap(bytes, (size_t)st.st_size);
		}
	}
	close(fd);
	return found;
}
