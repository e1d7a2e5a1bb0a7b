/*
 * elf_needed.h - does a shared object depend on a library, by its file alone?
 *
 * Used before a module is loaded, so the answer comes from the file's
 * dynamic section (its DT_NEEDED entries), not from the dynamic linker.
 */
#ifndef HPGSHIM_ELF_NEEDED_H
#define HPGSHIM_ELF_NEEDED_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Whether the 64-bit ELF file at path names, among the libraries it needs,
 * one whose name starts with prefix ("libpq" matches libpq.so.5 and a
 * bundled libpq-3f2a9c1b.so.5.15).  False for anything it cannot read.
 */
bool elf_needs_library(const char *path, const char *prefix);

/*
 * The same question of a file's bytes already in memory (size of them,
 * 8-byte aligned, as a mapping is): the parser itself, which the fuzz
 * target calls.  Reads nothing outside bytes[0..size).
 */
bool elf_image_needs_library(const void *bytes, size_t size, const char *prefix);

#endif
