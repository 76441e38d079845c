// libcurl (curl licence, MIT-like): webhook POSTs over http:// and https://, with the
// system's CA store or a configured CA file. `curl_easy_setopt` and `curl_easy_getinfo`
// are variadic, which Swift cannot call: one typed wrapper per argument type.
#ifndef FAXDROP_C_CURL_H
#define FAXDROP_C_CURL_H
#include <curl/curl.h>

static inline CURLcode faxdrop_curl_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode faxdrop_curl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode faxdrop_curl_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode faxdrop_curl_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode faxdrop_curl_setopt_offset(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

static size_t faxdrop_curl_discard(char *data, size_t size, size_t count, void *context) {
    (void)data;
    (void)context;
    return size * count;
}

/// The answer's body is read and dropped (only its status matters).
static inline CURLcode faxdrop_curl_discard_body(CURL *handle) {
    return curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, faxdrop_curl_discard);
}

static inline CURLcode faxdrop_curl_response_code(CURL *handle, long *code) {
    return curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, code);
}

#endif
