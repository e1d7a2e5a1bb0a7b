/*
 * elf_seed.c - the source of fuzz_elf_needed's seeds: a shared object that
 * needs libpq (built with -lpq) or only libc.  The seeds are built, not kept
 * in git (Makefile, ELF_SEEDS).
 */
#ifdef NEEDS_LIBPQ
#include <libpq-fe.h>

int elf_seed(void)
{
	return PQlibVersion();
}
#else
int elf_seed(void)
{
	return 0;
}
#endif
