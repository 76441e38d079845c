// libinotifytools (GPL-2.0-only). Linked into `faxdrop` only — never beside libgs.
#ifndef FAXDROP_C_INOTIFYTOOLS_H
#define FAXDROP_C_INOTIFYTOOLS_H
#include <sys/inotify.h>
#include <inotifytools/inotifytools.h>
#endif
