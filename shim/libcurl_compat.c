/*
 * libcurl_compat.c - see libcurl_compat.h.
 */
#include "libcurl_compat.h"

/*
 * The option numbers and protocol bits, written out: curl.h before 7.85
 * has no CURLOPT_PROTOCOLS_STR, and a later one marks CURLOPT_PROTOCOLS and
 * the CURLPROTO_ bits deprecated (a warning, an error under -Werror).  Both
 * are libcurl's ABI and never change.
 */
#define PROTOCOLS_STR_SINCE 0x075500 /* 7.85.0 */
#define OPTION_PROTOCOLS ((CURLoption)(CURLOPTTYPE_LONG + 181))
#define OPTION_PROTOCOLS_STR ((CURLoption)(CURLOPTTYPE_OBJECTPOINT + 318))
#define PROTOCOL_HTTP (1L << 0)
#define PROTOCOL_HTTPS (1L << 1)

bool libcurl_compat_has_protocols_str(unsigned int version_num)
{
	return version_num >= PROTOCOLS_STR_SINCE;
}

CURLcode libcurl_compat_https_and_http_only(const struct curl_api *curl, CURL *handle)
{
	if (libcurl_compat_has_protocols_str(curl->curl_version_info(CURLVERSION_NOW)->version_num))
		return curl->curl_easy_setopt(handle, OPTION_PROTOCOLS_STR, "https,http");
	return curl->curl_easy_setopt(handle, OPTION_PROTOCOLS, PROTOCOL_HTTPS | PROTOCOL_HTTP);
}
