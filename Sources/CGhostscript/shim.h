// Ghostscript's C API (AGPL-3.0-or-later). Linked into `faxdrop-render` only.
//
// The display device hands each rendered page to the caller as an in-memory raster. Its
// callback table is a struct of C function pointers, so it is filled here in C; Swift
// registers one page function (`faxdrop_gs_page_fn`) and a context pointer. Ghostscript's
// stdout and stderr are captured into one bounded buffer, so nothing it prints can reach
// the worker's reply channel.
#ifndef FAXDROP_C_GHOSTSCRIPT_H
#define FAXDROP_C_GHOSTSCRIPT_H
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <ghostscript/iapi.h>
#include <ghostscript/ierrors.h>
#include <ghostscript/gdevdsp.h>

/// Called at each `showpage` with the page's 8-bit gray raster (0 black, 255 white).
/// Return 0 to go on, a negative value to make Ghostscript stop with an error.
typedef int (*faxdrop_gs_page_fn)(void *context, const unsigned char *pixels, int width, int height, int stride);

#define FAXDROP_GS_OUTPUT_CAPACITY 16384

typedef struct faxdrop_gs_display {
    display_callback callback;
    void *context;
    faxdrop_gs_page_fn page;
    unsigned char *pixels;
    int width, height, stride;
    /// Ghostscript's stdout and stderr, the first FAXDROP_GS_OUTPUT_CAPACITY bytes since the last reset.
    char output[FAXDROP_GS_OUTPUT_CAPACITY + 1];
    int output_length;
} faxdrop_gs_display;

/// The display format FaxDrop asks for: 8-bit gray, one byte per pixel, top row first.
#define FAXDROP_GS_DISPLAY_FORMAT (DISPLAY_COLORS_GRAY | DISPLAY_ALPHA_NONE | DISPLAY_DEPTH_8 | DISPLAY_BIGENDIAN | DISPLAY_TOPFIRST | DISPLAY_ROW_ALIGN_DEFAULT)

static inline int faxdrop_gs_dsp_noop(void *handle, void *device) { (void)handle; (void)device; return 0; }
static inline int faxdrop_gs_dsp_presize(void *handle, void *device, int width, int height, int raster, unsigned int format) {
    (void)handle; (void)device; (void)width; (void)height; (void)raster;
    return format == (unsigned int)FAXDROP_GS_DISPLAY_FORMAT ? 0 : gs_error_rangecheck;
}
static inline int faxdrop_gs_dsp_size(void *handle, void *device, int width, int height, int raster, unsigned int format, unsigned char *pimage) {
    (void)device; (void)format;
    faxdrop_gs_display *d = (faxdrop_gs_display *)handle;
    d->pixels = pimage;
    d->width = width;
    d->height = height;
    d->stride = raster;
    return 0;
}
static inline int faxdrop_gs_dsp_page(void *handle, void *device, int copies, int flush) {
    (void)device; (void)copies; (void)flush;
    faxdrop_gs_display *d = (faxdrop_gs_display *)handle;
    if (d->page == NULL || d->pixels == NULL) return 0;
    return d->page(d->context, d->pixels, d->width, d->height, d->stride);
}
static inline int faxdrop_gs_dsp_update(void *handle, void *device, int x, int y, int w, int h) {
    (void)handle; (void)device; (void)x; (void)y; (void)w; (void)h;
    return 0;
}

static inline int faxdrop_gs_callout(void *instance, void *callout_handle, const char *device_name, int id, int size, void *data) {
    (void)instance;
    faxdrop_gs_display *d = (faxdrop_gs_display *)callout_handle;
    if (device_name == NULL || strcmp(device_name, "display") != 0) return -1;
    if (id == DISPLAY_CALLOUT_GET_CALLBACK && size >= (int)sizeof(gs_display_get_callback_t)) {
        gs_display_get_callback_t *cb = (gs_display_get_callback_t *)data;
        cb->callback = &d->callback;
        cb->caller_handle = d;
        return 0;
    }
    return -1;
}

/// Keeps the first quarter of the capacity as it came and the latest output after it, so
/// both the first error and the markers FaxDrop prints last survive a chatty document.
static inline int faxdrop_gs_capture(void *handle, const char *str, int len) {
    faxdrop_gs_display *d = (faxdrop_gs_display *)handle;
    const int head = FAXDROP_GS_OUTPUT_CAPACITY / 4;
    if (len > FAXDROP_GS_OUTPUT_CAPACITY - head) {
        int start = d->output_length < head ? d->output_length : head;
        int keep = FAXDROP_GS_OUTPUT_CAPACITY - start;
        memcpy(d->output + start, str + len - keep, (size_t)keep);
        d->output_length = start + keep;
        d->output[d->output_length] = 0;
        return len;
    }
    int overflow = d->output_length + len - FAXDROP_GS_OUTPUT_CAPACITY;
    if (overflow > 0) {
        memmove(d->output + head, d->output + head + overflow, (size_t)(d->output_length - head - overflow));
        d->output_length -= overflow;
    }
    memcpy(d->output + d->output_length, str, (size_t)len);
    d->output_length += len;
    d->output[d->output_length] = 0;
    return len;
}
static inline int faxdrop_gs_no_input(void *handle, char *buf, int len) {
    (void)handle; (void)buf; (void)len;
    return 0;
}

/// Allocates the display glue; free it with `free` after `gsapi_delete_instance`.
static inline faxdrop_gs_display *faxdrop_gs_display_new(void *context, faxdrop_gs_page_fn page) {
    faxdrop_gs_display *d = (faxdrop_gs_display *)calloc(1, sizeof(faxdrop_gs_display));
    if (d == NULL) return NULL;
    d->callback.size = sizeof(display_callback);
    d->callback.version_major = DISPLAY_VERSION_MAJOR;
    d->callback.version_minor = DISPLAY_VERSION_MINOR;
    d->callback.display_open = faxdrop_gs_dsp_noop;
    d->callback.display_preclose = faxdrop_gs_dsp_noop;
    d->callback.display_close = faxdrop_gs_dsp_noop;
    d->callback.display_presize = faxdrop_gs_dsp_presize;
    d->callback.display_size = faxdrop_gs_dsp_size;
    d->callback.display_sync = faxdrop_gs_dsp_noop;
    d->callback.display_page = faxdrop_gs_dsp_page;
    d->callback.display_update = faxdrop_gs_dsp_update;
    d->context = context;
    d->page = page;
    return d;
}

/// Registers the display callout and the stdio capture on a new instance (before init).
static inline int faxdrop_gs_attach(void *instance, faxdrop_gs_display *d) {
    int code = gsapi_set_stdio_with_handle(instance, faxdrop_gs_no_input, faxdrop_gs_capture, faxdrop_gs_capture, d);
    if (code < 0) return code;
    return gsapi_register_callout(instance, faxdrop_gs_callout, d);
}

static inline unsigned int faxdrop_gs_display_format(void) { return (unsigned int)(FAXDROP_GS_DISPLAY_FORMAT); }
static inline const char *faxdrop_gs_output(const faxdrop_gs_display *d) { return d->output; }
static inline int faxdrop_gs_output_length(const faxdrop_gs_display *d) { return d->output_length; }

static inline void faxdrop_gs_reset_output(faxdrop_gs_display *d) {
    d->output_length = 0;
    d->output[0] = 0;
}
#endif
