#include "decode_baseline.h"
#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

typedef struct { const uint8_t *data; size_t size, offset; } source;

static void read_from_memory(png_structp png, png_bytep dest, png_size_t length) {
    source *src = (source *)png_get_io_ptr(png);
    if (src->offset + length > src->size) png_error(png, "truncated");
    memcpy(dest, src->data + src->offset, length);
    src->offset += length;
}

long baseline_decode_gray(const uint8_t *data, size_t size, uint16_t *out, size_t capacity, uint32_t *width_out, uint32_t *height_out) {
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    if (!png) return -1;
    png_infop info = png_create_info_struct(png);
    png_bytep *volatile rows = NULL;
    if (!info || setjmp(png_jmpbuf(png))) {
        free((void *)rows);
        png_destroy_read_struct(&png, info ? &info : NULL, NULL);
        return -1;
    }
    source src = {data, size, 0};
    png_set_read_fn(png, &src, read_from_memory);
    png_read_info(png, info);
    png_uint_32 width = png_get_image_width(png, info), height = png_get_image_height(png, info);
    int depth = png_get_bit_depth(png, info);
    if (png_get_color_type(png, info) != PNG_COLOR_TYPE_GRAY || (size_t)width * height > capacity ||
        (depth != 8 && depth != 16)) {
        png_destroy_read_struct(&png, &info, NULL);
        return -1;
    }
    if (depth == 16) png_set_swap(png);
    png_read_update_info(png, info);
    rows = malloc(sizeof(png_bytep) * height);
    /* 8-bit rows land in the second half of each 16-bit row and are widened after. */
    for (png_uint_32 y = 0; y < height; y++)
        rows[y] = (png_bytep)(out + (size_t)y * width) + (depth == 8 ? width : 0);
    png_read_image(png, rows);
    png_read_end(png, NULL);
    if (depth == 8) {
        for (png_uint_32 y = 0; y < height; y++) {
            uint16_t *row = out + (size_t)y * width;
            const uint8_t *bytes = (const uint8_t *)row + width;
            for (png_uint_32 x = 0; x < width; x++) row[x] = bytes[x];
        }
    }
    free((void *)rows);
    png_destroy_read_struct(&png, &info, NULL);
    *width_out = width;
    *height_out = height;
    return (long)width * height;
}
