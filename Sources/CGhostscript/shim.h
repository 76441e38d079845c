// Ghostscript's C API (AGPL-3.0-or-later). Linked into `faxdrop-render` only.
#ifndef FAXDROP_C_GHOSTSCRIPT_H
#define FAXDROP_C_GHOSTSCRIPT_H
#include <ghostscript/iapi.h>
#include <ghostscript/ierrors.h>
#endif
