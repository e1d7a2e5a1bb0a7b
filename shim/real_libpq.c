/*
 * real_libpq.c - find the real libpq functions behind the hooks, for each caller.
 *
 * A process may hold several libpqs: the system's, and a copy that a wheel
 * bundles under a soname of its own (psycopg2-binary), each serving the
 * modules linked with it.  A hook reaches the libpq its caller would have
 * reached without the shim.  The dynamic linker binds a call from an object
 * to the first definition in that object's lookup scope: the global scope
 * (the program and its dependencies, LD_PRELOAD, RTLD_GLOBAL modules), then
 * the object's own dependencies when it was loaded RTLD_LOCAL.  So, for the
 * object that called the hook:
 *   1. dlsym(RTLD_NEXT): a libpq in the global scope, after the shim;
 *   2. dlsym on the caller's own handle: its dependencies (python's
 *      psycopg2, perl's DBD::Pg, a libpq bundled under another soname);
 *   3. a libpq.so.5 that is already loaded (RTLD_NOLOAD), and
 *   4. every loaded object, in load order: for a caller linked with no
 *      libpq at all (ctypes calls psycopg 3's libpq from libffi).
 * Whatever finds PQconnectdb, every function is then taken from the object
 * that defines it, so they all come from one libpq.  The shim's own symbols
 * are never taken.  Nothing is ever loaded here: only libpq that the
 * program already has.
 *
 * Each libpq object gets one table, bound once and kept.  Each caller
 * object gets a slot in a small array, read without a lock: its address
 * range and its libpq's table.  The hooks' fast path is a scan of those few
 * ranges.  Both objects are made RTLD_NODELETE, so that a range always
 * belongs to the object it was found for and a table's functions never go
 * away.  The dynamic linker is only called without the lock held: a hook
 * runs inside dlopen (a module's constructor connecting), where a lock
 * taken before the dynamic linker's own would deadlock with another thread
 * that loads a module.
 */
#define _GNU_SOURCE
#include "real_libpq.h"

#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fork_safety.h"
#include "glibc_dl.h"

/* Objects that call libpq: the program, its libpqs, a few modules. */
#define MAX_CALLERS 64
/* libpqs in one process: the system's, and a few bundled copies. */
#define MAX_LIBPQS 16

struct caller {
	uintptr_t start, end;		/* the object's mapped range: [start, end) */
	const struct libpq_api *pq;
};

/* One per libpq object, kept for good: connections outlive any lookup.  No
 * malloc: a hook that finds libpq never fails for want of memory. */
struct table {
	const void *base;		/* the libpq's load address */
	struct libpq_api pq;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct caller callers[MAX_CALLERS];
/* Slots below it are complete: read with one acquire load, without the lock. */
static size_t caller_count;
static struct table tables[MAX_LIBPQS];
static size_t table_count;	/* under the lock */

/* An object mapped into the process, as dl_iterate_phdr() describes it. */
struct object {
	const char *name;		/* "" for the program itself */
	uintptr_t start, end;
};

/* The load address of this shared object, to refuse our own symbols. */
static const void *own_base(void)
{
	Dl_info info;
	return dladdr((const void *)own_base, &info) ? info.dli_fbase : NULL;
}

/* Whether address lies in an object other than the shim; *info then says which. */
static bool outside_shim(const void *address, Dl_info *info)
{
	return address != NULL && dladdr(address, info) && info->dli_fbase != own_base() &&
	       info->dli_fname != NULL;
}

/* PQconnectdb as seen from handle, if it is not ours. */
static bool libpq_seen_from(void *handle, Dl_info *libpq)
{
	return handle != NULL && outside_shim(glibc_dlsym()(handle, "PQconnectdb"), libpq);
}

/* libpq_seen_from() the loaded object named name, which stays as loaded as it was. */
static bool libpq_seen_from_object(const char *name, Dl_info *libpq)
{
	if (name == NULL || name[0] == '\0')
		return false;
	void *handle = glibc_dlopen()(name, RTLD_LAZY | RTLD_NOLOAD);
	bool found = libpq_seen_from(handle, libpq);
	if (handle != NULL)
		dlclose(handle);
	return found;
}

static int scan_object(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	return libpq_seen_from_object(info->dlpi_name, data);	/* non-zero stops the walk */
}

/* Steps 1 to 4 (the file's comment) for the object caller (NULL: not known). */
static bool libpq_for(const struct object *caller, Dl_info *libpq)
{
	return outside_shim(glibc_dlsym()(RTLD_NEXT, "PQconnectdb"), libpq) ||
	       (caller != NULL && libpq_seen_from_object(caller->name, libpq)) ||
	       libpq_seen_from_object("libpq.so.5", libpq) ||
	       dl_iterate_phdr(scan_object, libpq) != 0;
}

struct object_search {
	uintptr_t address;
	struct object *found;
};

static int match_object(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	struct object_search *search = data;
	uintptr_t start = UINTPTR_MAX, end = 0;
	bool contains = false;
	for (ElfW(Half) i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *segment = &info->dlpi_phdr[i];
		if (segment->p_type != PT_LOAD)
			continue;
		uintptr_t from = info->dlpi_addr + segment->p_vaddr;
		uintptr_t to = from + segment->p_memsz;
		contains = contains || (search->address >= from && search->address < to);
		start = from < start ? from : start;
		end = to > end ? to : end;
	}
	if (contains)
		*search->found = (struct object){ .name = info->dlpi_name, .start = start, .end = end };
	return contains;
}

/* The object whose code contains address; false for code in no object (a JIT's). */
static bool object_containing(const void *address, struct object *found)
{
	*found = (struct object){ .name = NULL };
	struct object_search search = { .address = (uintptr_t)address, .found = found };
	return address != NULL && dl_iterate_phdr(match_object, &search) != 0;
}

/* Keeps the object named name loaded for good (RTLD_NODELETE); the program always is. */
static bool pin(const char *name)
{
	if (name[0] == '\0')
		return true;
	void *handle = glibc_dlopen()(name, RTLD_LAZY | RTLD_NOLOAD | RTLD_NODELETE);
	if (handle != NULL)
		dlclose(handle);
	return handle != NULL;
}

/* Fills t with every function of the libpq object libpq names; false if one is missing. */
static bool bind_all(const Dl_info *libpq, struct table *t)
{
	if (!pin(libpq->dli_fname))
		return false;
	void *handle = glibc_dlopen()(libpq->dli_fname, RTLD_LAZY | RTLD_NOLOAD);
	bool ok = handle != NULL;
	Dl_info where;
#define BIND(name)                                                                  \
	if (ok) {                                                                   \
		t->pq.name = (__typeof__(t->pq.name))glibc_dlsym()(handle, #name);  \
		ok = outside_shim((const void *)t->pq.name, &where);                \
	}
	LIBPQ_API_FUNCTIONS(BIND)
#undef BIND
	if (handle != NULL)
		dlclose(handle);	/* pinned: its functions stay */
	t->base = libpq->dli_fbase;
	return ok;
}

static const struct libpq_api *table_of(const void *base)
{
	for (size_t i = 0; i < table_count; i++)
		if (tables[i].base == base)
			return &tables[i].pq;
	return NULL;
}

/*
 * The table of the libpq object libpq names, bound on its first use; NULL
 * when a function is missing or MAX_LIBPQS are bound already.
 */
static const struct libpq_api *libpq_table(const Dl_info *libpq)
{
	fork_safety_register(&lock);
	pthread_mutex_lock(&lock);
	const struct libpq_api *pq = table_of(libpq->dli_fbase);
	pthread_mutex_unlock(&lock);
	if (pq != NULL)
		return pq;

	struct table bound = { .base = NULL };
	if (!bind_all(libpq, &bound))	/* the dynamic linker: without the lock */
		return NULL;
	pthread_mutex_lock(&lock);
	pq = table_of(libpq->dli_fbase);	/* another thread's, bound meanwhile */
	if (pq == NULL && table_count < MAX_LIBPQS) {
		tables[table_count] = bound;
		pq = &tables[table_count++].pq;
	}
	pthread_mutex_unlock(&lock);
	return pq;
}

/* Caches pq for calls from caller's object; when the array is full, calls resolve each time. */
static void remember_caller(const struct object *caller, const struct libpq_api *pq)
{
	pthread_mutex_lock(&lock);
	size_t n = caller_count;
	bool known = false;
	for (size_t i = 0; i < n; i++)
		known = known || callers[i].start == caller->start;
	if (!known && n < MAX_CALLERS) {
		callers[n] = (struct caller){ .start = caller->start, .end = caller->end, .pq = pq };
		__atomic_store_n(&caller_count, n + 1, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&lock);
}

/* The slow path: the caller's object, its libpq, that libpq's table. */
static const struct libpq_api *resolve(const void *caller)
{
	struct object object;
	bool known = object_containing(caller, &object);
	Dl_info libpq;
	if (!libpq_for(known ? &object : NULL, &libpq))
		return NULL;
	const struct libpq_api *pq = libpq_table(&libpq);
	if (pq != NULL && known && pin(object.name))
		remember_caller(&object, pq);
	return pq;
}

const struct libpq_api *real_libpq(const void *caller)
{
	uintptr_t address = (uintptr_t)caller;
	size_t n = __atomic_load_n(&caller_count, __ATOMIC_ACQUIRE);
	for (size_t i = 0; i < n; i++)
		if (address - callers[i].start < callers[i].end - callers[i].start)
			return callers[i].pq;
	return resolve(caller);
}
