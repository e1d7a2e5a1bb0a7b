/*
 * libcurl_compat.h - options whose spelling changed since libcurl 7.68,
 * chosen by the libcurl loaded.
 *
 * The shim supports libcurl 7.68 and later (Debian 11 has 7.74, Ubuntu
 * 22.04 7.81, RHEL 9 7.76).  It is built against one curl.h and opens
 * whichever libcurl.so.4 the system has at run time (lazy_libs.h), so the
 * libcurl actually loaded, not the header, decides which option it takes.
 */
#ifndef HPGSHIM_LIBCURL_COMPAT_H
#define HPGSHIM_LIBCURL_COMPAT_H

#include <stdbool.h>

#include "lazy_libs.h"

/* Whether a libcurl of this version_num (curl_version_info's, 0xXXYYZZ)
 * has CURLOPT_PROTOCOLS_STR, added in 7.85.0. */
bool libcurl_compat_has_protocols_str(unsigned int version_num);

/* Lets handle speak https:// and http:// and nothing else: with
 * CURLOPT_PROTOCOLS_STR on libcurl 7.85 and later, with the bit mask of
 * CURLOPT_PROTOCOLS, deprecated there, before it.  Returns setopt's code. */
CURLcode libcurl_compat_https_and_http_only(const struct curl_api *curl, CURL *handle);

#endif
