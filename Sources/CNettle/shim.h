// GNU Nettle (LGPL-3.0-or-later or GPL-2.0-or-later): SHA-256 and HMAC-SHA256.
// Chosen over OpenSSL because its licence is compatible with libinotifytools' GPL-2.0-only.
#ifndef FAXDROP_C_NETTLE_H
#define FAXDROP_C_NETTLE_H
#include <nettle/sha2.h>
#include <nettle/hmac.h>
#endif
