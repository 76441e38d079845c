// libpng (libpng licence, permissive). Only the "simplified" read and write API is used: it needs no
// setjmp/longjmp error handling and converts any PNG to 8-bit gray composited on white.
#ifndef FAXDROP_C_PNG_H
#define FAXDROP_C_PNG_H
#include <png.h>
#include <stdlib.h>
#include <string.h>

/// Decodes a PNG file to 8-bit gray (0 black), alpha composited over white. Returns a
/// malloc'd buffer of width*height bytes (free it with `free`), or NULL with `message`
/// set. Images with more than `max_pixels` pixels are refused before any allocation.
static inline unsigned char *faxdrop_png_decode_gray(const char *path, unsigned long long max_pixels,
                                                     int *width, int *height, char *message, size_t message_size) {
    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&image, path)) {
        snprintf(message, message_size, "%s", image.message);
        return NULL;
    }
    if ((unsigned long long)image.width * image.height > max_pixels) {
        snprintf(message, message_size, "image is %ux%u pixels, too large", image.width, image.height);
        png_image_free(&image);
        return NULL;
    }
    image.format = PNG_FORMAT_GRAY;
    unsigned char *pixels = (unsigned char *)malloc(PNG_IMAGE_SIZE(image));
    if (pixels == NULL) {
        snprintf(message, message_size, "out of memory");
        png_image_free(&image);
        return NULL;
    }
    png_color white = {255, 255, 255};
    if (!png_image_finish_read(&image, &white, pixels, 0, NULL)) {
        snprintf(message, message_size, "%s", image.message);
        free(pixels);
        png_image_free(&image);
        return NULL;
    }
    *width = (int)image.width;
    *height = (int)image.height;
    return pixels;
}
/// Encodes 8-bit gray pixels (`width*height` bytes, rows top to bottom, 0 black) as a PNG
/// in memory. Returns a malloc'd buffer of `*size` bytes (free it with `free`), or NULL.
/// The corresponding C function is `png_image_write_to_memory` (libpng's simplified API).
static inline unsigned char *faxdrop_png_encode_gray(const unsigned char *pixels, int width, int height,
                                                     size_t *size) {
    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    image.width = (png_uint_32)width;
    image.height = (png_uint_32)height;
    image.format = PNG_FORMAT_GRAY;
    png_alloc_size_t bytes = 0;
    if (!png_image_write_to_memory(&image, NULL, &bytes, 0, pixels, 0, NULL)) {
        png_image_free(&image);
        return NULL;
    }
    unsigned char *memory = (unsigned char *)malloc(bytes);
    if (memory == NULL) return NULL;
    if (!png_image_write_to_memory(&image, memory, &bytes, 0, pixels, 0, NULL)) {
        png_image_free(&image);
        free(memory);
        return NULL;
    }
    *size = (size_t)bytes;
    return memory;
}
#endif
