// libjpeg (libjpeg-turbo, IJG/BSD licence). libjpeg reports fatal errors by calling
// `error_exit`, which must not return: the setjmp/longjmp that handles this cannot be
// written in Swift, so the whole decode lives here.
#ifndef FAXDROP_C_JPEG_H
#define FAXDROP_C_JPEG_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <jpeglib.h>

typedef struct faxdrop_jpeg_error {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
} faxdrop_jpeg_error;

static inline void faxdrop_jpeg_error_exit(j_common_ptr cinfo) {
    faxdrop_jpeg_error *e = (faxdrop_jpeg_error *)cinfo->err;
    (*cinfo->err->format_message)(cinfo, e->message);
    longjmp(e->jump, 1);
}
static inline void faxdrop_jpeg_output_message(j_common_ptr cinfo) { (void)cinfo; }

/// Decodes a JPEG file to 8-bit gray (0 black). CMYK/YCCK files (Adobe, inverted) are
/// converted too. Returns a malloc'd buffer of width*height bytes, or NULL with `message`
/// set. `density_unit` is JFIF's: 0 none (aspect only), 1 dots per inch, 2 per cm.
static inline unsigned char *faxdrop_jpeg_decode_gray(const char *path, unsigned long long max_pixels,
                                                      int *width, int *height, int *density_unit,
                                                      int *x_density, int *y_density,
                                                      char *message, size_t message_size) {
    FILE *file = fopen(path, "rb");
    if (file == NULL) {
        snprintf(message, message_size, "cannot open file");
        return NULL;
    }
    struct jpeg_decompress_struct cinfo;
    faxdrop_jpeg_error jerr;
    unsigned char *volatile pixels = NULL;
    unsigned char *volatile row = NULL;
    memset(&jerr, 0, sizeof jerr);
    cinfo.err = jpeg_std_error(&jerr.pub);
    jerr.pub.error_exit = faxdrop_jpeg_error_exit;
    jerr.pub.output_message = faxdrop_jpeg_output_message;
    if (setjmp(jerr.jump)) {
        snprintf(message, message_size, "%s", jerr.message);
        jpeg_destroy_decompress(&cinfo);
        free(pixels);
        free(row);
        fclose(file);
        return NULL;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_stdio_src(&cinfo, file);
    jpeg_read_header(&cinfo, TRUE);
    if ((unsigned long long)cinfo.image_width * cinfo.image_height > max_pixels) {
        snprintf(message, message_size, "image is %ux%u pixels, too large", cinfo.image_width, cinfo.image_height);
        jpeg_destroy_decompress(&cinfo);
        fclose(file);
        return NULL;
    }
    int cmyk = cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK;
    cinfo.out_color_space = cmyk ? JCS_CMYK : JCS_GRAYSCALE;
    jpeg_start_decompress(&cinfo);
    size_t w = cinfo.output_width, h = cinfo.output_height;
    pixels = (unsigned char *)malloc(w * h);
    row = (unsigned char *)malloc(w * (size_t)cinfo.output_components);
    if (pixels == NULL || row == NULL) {
        snprintf(message, message_size, "out of memory");
        jpeg_destroy_decompress(&cinfo);
        free(pixels);
        free(row);
        fclose(file);
        return NULL;
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        unsigned char *out = pixels + (size_t)cinfo.output_scanline * w;
        if (!cmyk) {
            JSAMPROW rows[1] = {out};
            jpeg_read_scanlines(&cinfo, rows, 1);
        } else {
            JSAMPROW rows[1] = {row};
            jpeg_read_scanlines(&cinfo, rows, 1);
            for (size_t x = 0; x < w; x++) {
                // Adobe CMYK JPEGs store inverted values: 255 means no ink.
                int c = 255 - row[4 * x], m = 255 - row[4 * x + 1], y = 255 - row[4 * x + 2], k = 255 - row[4 * x + 3];
                if (!cinfo.saw_Adobe_marker) { c = 255 - c; m = 255 - m; y = 255 - y; k = 255 - k; }
                int ink = (30 * c + 59 * m + 11 * y) / 100 + k;
                out[x] = (unsigned char)(ink > 255 ? 0 : 255 - ink);
            }
        }
    }
    *width = (int)w;
    *height = (int)h;
    *density_unit = cinfo.density_unit;
    *x_density = cinfo.X_density;
    *y_density = cinfo.Y_density;
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    free(row);
    fclose(file);
    return pixels;
}
#endif
