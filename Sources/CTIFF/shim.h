// libtiff (permissive licence). TIFFGetField/TIFFSetField are variadic and cannot be
// called from Swift, so each tag FaxDrop uses has a typed wrapper here.
#ifndef FAXDROP_C_TIFF_H
#define FAXDROP_C_TIFF_H
#include <stdint.h>
#include <tiffio.h>

static inline int faxdrop_tiff_get_u32(TIFF *tif, uint32_t tag, uint32_t *value) {
    return TIFFGetField(tif, tag, value);
}
static inline int faxdrop_tiff_get_u16(TIFF *tif, uint32_t tag, uint16_t *value) {
    return TIFFGetField(tif, tag, value);
}
static inline int faxdrop_tiff_get_float(TIFF *tif, uint32_t tag, float *value) {
    return TIFFGetField(tif, tag, value);
}
static inline int faxdrop_tiff_get_u16_pair(TIFF *tif, uint32_t tag, uint16_t *a, uint16_t *b) {
    return TIFFGetField(tif, tag, a, b);
}
static inline int faxdrop_tiff_get_defaulted_u16(TIFF *tif, uint32_t tag, uint16_t *value) {
    return TIFFGetFieldDefaulted(tif, tag, value);
}
static inline int faxdrop_tiff_set_u32(TIFF *tif, uint32_t tag, uint32_t value) {
    return TIFFSetField(tif, tag, value);
}
static inline int faxdrop_tiff_set_u16(TIFF *tif, uint32_t tag, uint16_t value) {
    return TIFFSetField(tif, tag, (int)value);
}
static inline int faxdrop_tiff_set_float(TIFF *tif, uint32_t tag, float value) {
    return TIFFSetField(tif, tag, (double)value);
}
static inline int faxdrop_tiff_set_u16_pair(TIFF *tif, uint32_t tag, uint16_t a, uint16_t b) {
    return TIFFSetField(tif, tag, (int)a, (int)b);
}
static inline int faxdrop_tiff_set_string(TIFF *tif, uint32_t tag, const char *value) {
    return TIFFSetField(tif, tag, value);
}
/// The raw (still encoded) bytes of one strip, as stored in the file: no fill-order
/// reversal, no decoding. The corresponding C function is `TIFFReadRawStrip`.
static inline int64_t faxdrop_tiff_read_raw_strip(TIFF *tif, uint32_t strip, void *buffer, int64_t size) {
    return (int64_t)TIFFReadRawStrip(tif, strip, buffer, (tmsize_t)size);
}
/// Bytes of one strip as stored. The corresponding C function is `TIFFRawStripSize`.
static inline int64_t faxdrop_tiff_raw_strip_size(TIFF *tif, uint32_t strip) {
    return (int64_t)TIFFRawStripSize(tif, strip);
}
/// Silences libtiff's default stderr handlers; errors are reported through return codes.
static inline void faxdrop_tiff_quiet(void) {
    TIFFSetErrorHandler(NULL);
    TIFFSetWarningHandler(NULL);
}
#endif
