#include "png_shim.h"
#include "idat_budget.h"

#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* One decode or encode: the input or output buffer and where libpng's error message goes. */
typedef struct {
    const uint8_t *data;
    size_t size, offset;
    uint8_t *out;
    size_t out_size, out_capacity;
    char *message;
    size_t message_size;
    int limit_exceeded; /* libpng skipped an ancillary chunk because it broke a limit */
} shim_context;

static void copy_message(shim_context *ctx, const char *text) {
    if (ctx->message && ctx->message_size > 0) {
        strncpy(ctx->message, text ? text : "unknown libpng error", ctx->message_size - 1);
        ctx->message[ctx->message_size - 1] = '\0';
    }
}

/* libpng calls this on any error; the longjmp lands in the setjmp of the same C function. */
static void shim_error(png_structp png, png_const_charp text) {
    copy_message((shim_context *)png_get_error_ptr(png), text);
    png_longjmp(png, 1);
}

/* Most warnings (an iCCP profile libpng dislikes, say) do not touch stored values and are ignored.
   But libpng also only warns when it drops an ancillary chunk that breaks our size limits; such a
   file is hostile or broken, so that warning is remembered and turned into an error. */
static void shim_warning(png_structp png, png_const_charp text) {
    shim_context *ctx = (shim_context *)png_get_error_ptr(png);
    if (!ctx->limit_exceeded && text &&
        (strstr(text, "too large") || strstr(text, "exceeds") || strstr(text, "out of memory"))) {
        ctx->limit_exceeded = 1;
        copy_message(ctx, text);
    }
}

static void shim_read(png_structp png, png_bytep dest, png_size_t length) {
    shim_context *ctx = (shim_context *)png_get_io_ptr(png);
    if (length > ctx->size - ctx->offset) png_error(png, "unexpected end of file (truncated)");
    memcpy(dest, ctx->data + ctx->offset, length);
    ctx->offset += length;
}

static uint32_t big_endian_32(const uint8_t *bytes) {
    return ((uint32_t)bytes[0] << 24) | ((uint32_t)bytes[1] << 16) | ((uint32_t)bytes[2] << 8) | bytes[3];
}

/* Checks the signature and the IHDR's declared size before libpng allocates anything. */
static pngshim_status precheck(const uint8_t *data, size_t size, const pngshim_limits *limits,
                               pngshim_header *header, shim_context *ctx) {
    if (size < 8 || png_sig_cmp((png_const_bytep)data, 0, 8) != 0) {
        copy_message(ctx, "not a PNG file (signature missing)");
        return PNGSHIM_ERR_SIGNATURE;
    }
    if (size >= 24 && memcmp(data + 12, "IHDR", 4) == 0) {
        uint32_t width = big_endian_32(data + 16), height = big_endian_32(data + 20);
        if (header) {
            header->width = width;
            header->height = height;
        }
        if (width > limits->max_width || height > limits->max_height ||
            (uint64_t)width * (uint64_t)height > limits->max_pixels) {
            copy_message(ctx, "declared dimensions above the limit");
            return PNGSHIM_ERR_TOO_LARGE;
        }
    }
    return PNGSHIM_OK;
}

/* Every chunk's declared length against the bytes the file has (a truncated ancillary chunk), then the
   IDAT data against what the IHDR's image can need, before libpng sees the file: too little to
   inflate to the image (refused before the caller allocates the image), more than an encoder writes,
   and, when `inflate_all` is set, a stream that inflates past the image's size or has data after its
   end (libpng would inflate all of it, then only warn). Truncation and zlib errors are left to libpng,
   which words them. */
static pngshim_status check_idat(const uint8_t *data, size_t size, int inflate_all, shim_context *ctx) {
    if (size < 33 || memcmp(data + 12, "IHDR", 4) != 0) return PNGSHIM_OK;
    uint64_t idat = 0;
    int ended = 0;
    for (size_t at = 8; size - at >= 8;) {
        uint32_t length = big_endian_32(data + at);
        if (memcmp(data + at + 4, "IDAT", 4) == 0) idat += length <= size - at - 8 ? length : size - at - 8;
        if (memcmp(data + at + 4, "IEND", 4) == 0) ended = 1;
        /* libpng allocates a whole ancillary chunk before reading it: one that claims more bytes than the
           file has left would cost its declared size (up to 2 GiB) only to be reported truncated. */
        if (!ended && (uint64_t)length + 12 > size - at && memcmp(data + at + 4, "IDAT", 4) != 0) {
            copy_message(ctx, "unexpected end of file (truncated)");
            return PNGSHIM_ERR_LIBPNG;
        }
        if (ended || (uint64_t)length + 12 > size - at) break;
        at += 12 + (size_t)length;
    }
    idat_budget budget;
    uint32_t width = big_endian_32(data + 16), height = big_endian_32(data + 20);
    if (!idat_budget_for(width, height, data[24], data[25], data[28] != 0, &budget)) return PNGSHIM_OK;
    char text[200];
    if (idat < budget.min_idat) {
        snprintf(text, sizeof text, "%s: %llu bytes of image data cannot inflate to a %u x %u image (at least %llu needed)",
                 ended ? "not enough image data" : "unexpected end of file (truncated)",
                 (unsigned long long)idat, width, height, (unsigned long long)budget.min_idat);
        copy_message(ctx, text);
        return PNGSHIM_ERR_LIBPNG;
    }
    if (idat > budget.max_idat) {
        snprintf(text, sizeof text, "%llu bytes of compressed image data, more than a %u x %u image can need (at most %llu)",
                 (unsigned long long)idat, width, height, (unsigned long long)budget.max_idat);
        copy_message(ctx, text);
        return PNGSHIM_ERR_LIBPNG;
    }
    if (!inflate_all || idat == 0) return PNGSHIM_OK;
    z_stream stream;
    memset(&stream, 0, sizeof stream);
    if (inflateInit(&stream) != Z_OK) return PNGSHIM_ERR_NOMEM;
    uint8_t scratch[16384];
    uint64_t produced = 0;
    int result = Z_OK, trailing = 0;
    for (size_t at = 8; size - at >= 8 && result != Z_DATA_ERROR;) {
        uint32_t length = big_endian_32(data + at);
        if ((uint64_t)length + 12 > size - at) break;
        if (memcmp(data + at + 4, "IDAT", 4) == 0) {
            if (result == Z_STREAM_END) {
                trailing = length > 0;
            } else {
                stream.next_in = (Bytef *)(data + at + 8);
                stream.avail_in = length;
                while (stream.avail_in > 0 && result == Z_OK && produced <= budget.raw_bytes) {
                    stream.next_out = scratch;
                    stream.avail_out = sizeof scratch;
                    result = inflate(&stream, Z_NO_FLUSH);
                    produced += sizeof scratch - stream.avail_out;
                    if (result == Z_BUF_ERROR) result = Z_OK;
                }
                if (result == Z_STREAM_END && stream.avail_in > 0) trailing = 1;
                if (produced > budget.raw_bytes || result == Z_NEED_DICT || result == Z_MEM_ERROR) break;
            }
        }
        if (trailing || memcmp(data + at + 4, "IEND", 4) == 0) break;
        at += 12 + (size_t)length;
    }
    inflateEnd(&stream);
    if (produced > budget.raw_bytes) {
        snprintf(text, sizeof text, "the image data inflates to more than the %llu bytes a %u x %u image holds",
                 (unsigned long long)budget.raw_bytes, width, height);
        copy_message(ctx, text);
        return PNGSHIM_ERR_LIBPNG;
    }
    if (trailing) {
        copy_message(ctx, "compressed data continues after the end of the image data");
        return PNGSHIM_ERR_LIBPNG;
    }
    return PNGSHIM_OK;
}

static void configure_reader(png_structp png, const pngshim_limits *limits) {
    png_set_user_limits(png, limits->max_width, limits->max_height);
    png_set_chunk_malloc_max(png, (png_alloc_size_t)limits->max_chunk_bytes);
    png_set_chunk_cache_max(png, limits->max_chunk_count);
    /* A CRC error in any chunk, critical or ancillary, is an error: a damaged file is not read. */
    png_set_crc_action(png, PNG_CRC_ERROR_QUIT, PNG_CRC_ERROR_QUIT);
}

static void fill_header(png_structp png, png_infop info, pngshim_header *header) {
    header->width = png_get_image_width(png, info);
    header->height = png_get_image_height(png, info);
    header->bit_depth = png_get_bit_depth(png, info);
    header->color_type = png_get_color_type(png, info);
    header->interlaced = png_get_interlace_type(png, info) != PNG_INTERLACE_NONE;
}

/* Checks the signature and declared size, then creates the libpng reader with our error handlers and
   limits. The caller sets its own setjmp before the first libpng call that can fail. */
static pngshim_status begin_read(shim_context *ctx, const pngshim_limits *limits, int inflate_all, pngshim_header *header,
                                 png_structp *png, png_infop *info) {
    memset(header, 0, sizeof *header);
    pngshim_status status = precheck(ctx->data, ctx->size, limits, header, ctx);
    if (status != PNGSHIM_OK) return status;
    status = check_idat(ctx->data, ctx->size, inflate_all, ctx);
    if (status != PNGSHIM_OK) return status;
    *png = png_create_read_struct(PNG_LIBPNG_VER_STRING, ctx, shim_error, shim_warning);
    if (!*png) return PNGSHIM_ERR_NOMEM;
    *info = png_create_info_struct(*png);
    if (!*info) {
        png_destroy_read_struct(png, NULL, NULL);
        return PNGSHIM_ERR_NOMEM;
    }
    /* Setting limits and the read callback cannot fail, so they need no setjmp. */
    configure_reader(*png, limits);
    png_set_read_fn(*png, ctx, shim_read);
    return PNGSHIM_OK;
}

pngshim_status pngshim_read_header(const uint8_t *data, size_t size, const pngshim_limits *limits,
                                   pngshim_header *out, char *message, size_t message_size) {
    shim_context ctx = {data, size, 0, NULL, 0, 0, message, message_size, 0};
    png_structp png;
    png_infop info;
    pngshim_status status = begin_read(&ctx, limits, 0, out, &png, &info);
    if (status != PNGSHIM_OK) return status;
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, NULL);
        return PNGSHIM_ERR_LIBPNG;
    }
    png_read_info(png, info);
    fill_header(png, info, out);
    png_destroy_read_struct(&png, &info, NULL);
    return ctx.limit_exceeded ? PNGSHIM_ERR_LIBPNG : PNGSHIM_OK;
}

/* Widens 8-bit samples that were decoded into the second half of each 16-bit row. Walking forward is
   safe: sample x is written to bytes 2x..2x+1, below the byte width+x still to be read. */
static void widen_rows(uint16_t *out, uint32_t width, uint32_t height) {
    for (uint32_t y = 0; y < height; y++) {
        uint16_t *row = out + (size_t)y * width;
        const uint8_t *bytes = (const uint8_t *)row + width;
        for (uint32_t x = 0; x < width; x++) row[x] = bytes[x];
    }
}

static int host_is_little_endian(void) {
    const uint16_t probe = 1;
    return *(const uint8_t *)&probe == 1;
}

pngshim_status pngshim_decode_gray(const uint8_t *data, size_t size, const pngshim_limits *limits,
                                   uint16_t *out, size_t capacity, pngshim_header *header,
                                   char *message, size_t message_size) {
    shim_context ctx = {data, size, 0, NULL, 0, 0, message, message_size, 0};
    png_structp png;
    png_infop info;
    pngshim_status status = begin_read(&ctx, limits, 1, header, &png, &info);
    if (status != PNGSHIM_OK) return status;
    png_bytep *volatile rows = NULL; /* volatile: assigned after setjmp, freed after a longjmp */
    if (setjmp(png_jmpbuf(png))) {
        free((void *)rows);
        png_destroy_read_struct(&png, &info, NULL);
        return PNGSHIM_ERR_LIBPNG;
    }
    png_read_info(png, info);
    fill_header(png, info, header);
    if (header->color_type != PNG_COLOR_TYPE_GRAY) {
        png_destroy_read_struct(&png, &info, NULL);
        return PNGSHIM_ERR_UNSUPPORTED;
    }
    if ((size_t)header->width * header->height > capacity) {
        png_destroy_read_struct(&png, &info, NULL);
        return PNGSHIM_ERR_BUFFER;
    }
    /* No gamma, colour or scaling transforms: only byte order and unpacking, so values stay as stored. */
    if (header->bit_depth == 16 && host_is_little_endian()) png_set_swap(png);
    if (header->bit_depth < 8) png_set_packing(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    rows = malloc(sizeof(png_bytep) * header->height);
    if (!rows) {
        png_destroy_read_struct(&png, &info, NULL);
        return PNGSHIM_ERR_NOMEM;
    }
    const size_t narrow_offset = header->bit_depth == 16 ? 0 : header->width;
    for (uint32_t y = 0; y < header->height; y++)
        rows[y] = (png_bytep)(out + (size_t)y * header->width) + narrow_offset;
    png_read_image(png, rows);
    /* Reading to the end verifies the trailing chunks' CRCs and the end of the zlib stream. */
    png_read_end(png, NULL);
    if (header->bit_depth != 16) widen_rows(out, header->width, header->height);
    free((void *)rows);
    png_destroy_read_struct(&png, &info, NULL);
    return ctx.limit_exceeded ? PNGSHIM_ERR_LIBPNG : PNGSHIM_OK;
}

static void shim_write(png_structp png, png_bytep bytes, png_size_t length) {
    shim_context *ctx = (shim_context *)png_get_io_ptr(png);
    if (length > ctx->out_capacity - ctx->out_size) {
        size_t capacity = ctx->out_capacity ? ctx->out_capacity : 65536;
        while (capacity - ctx->out_size < length) capacity *= 2;
        uint8_t *grown = realloc(ctx->out, capacity);
        if (!grown) png_error(png, "out of memory while encoding");
        ctx->out = grown;
        ctx->out_capacity = capacity;
    }
    memcpy(ctx->out + ctx->out_size, bytes, length);
    ctx->out_size += length;
}

static void shim_flush(png_structp png) { (void)png; }

pngshim_status pngshim_encode_gray(const uint16_t *samples, uint32_t width, uint32_t height, int bit_depth,
                                   int compression_level, int filters, int huffman_only, uint8_t **out,
                                   size_t *out_size, char *message, size_t message_size) {
    *out = NULL;
    *out_size = 0;
    if (bit_depth != 8 && bit_depth != 16) {
        strncpy(message, "only 8- and 16-bit grayscale can be encoded", message_size - 1);
        return PNGSHIM_ERR_UNSUPPORTED;
    }
    shim_context ctx = {NULL, 0, 0, NULL, 0, 0, message, message_size, 0};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &ctx, shim_error, shim_warning);
    if (!png) return PNGSHIM_ERR_NOMEM;
    png_infop info = png_create_info_struct(png);
    uint8_t *volatile narrow_row = NULL;
    if (!info || setjmp(png_jmpbuf(png))) {
        free((void *)narrow_row);
        free(ctx.out);
        png_destroy_write_struct(&png, info ? &info : NULL);
        return info ? PNGSHIM_ERR_LIBPNG : PNGSHIM_ERR_NOMEM;
    }
    png_set_write_fn(png, &ctx, shim_write, shim_flush);
    png_set_IHDR(png, info, width, height, bit_depth, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_set_compression_level(png, compression_level);
    if (huffman_only) png_set_compression_strategy(png, Z_HUFFMAN_ONLY);
    if (filters) png_set_filter(png, PNG_FILTER_TYPE_BASE, filters);
    png_write_info(png, info);
    if (bit_depth == 16) {
        if (host_is_little_endian()) png_set_swap(png);
        /* libpng copies each row before transforming it, so the caller's samples are not modified. */
        for (uint32_t y = 0; y < height; y++) png_write_row(png, (png_const_bytep)(samples + (size_t)y * width));
    } else {
        narrow_row = malloc(width);
        if (!narrow_row) png_error(png, "out of memory while encoding");
        for (uint32_t y = 0; y < height; y++) {
            for (uint32_t x = 0; x < width; x++) narrow_row[x] = (uint8_t)samples[(size_t)y * width + x];
            png_write_row(png, narrow_row);
        }
    }
    png_write_end(png, info);
    free((void *)narrow_row);
    png_destroy_write_struct(&png, &info);
    *out = ctx.out;
    *out_size = ctx.out_size;
    return PNGSHIM_OK;
}

void pngshim_free(uint8_t *buffer) { free(buffer); }

int pngshim_filter_none(void) { return PNG_FILTER_NONE; }
int pngshim_filter_sub(void) { return PNG_FILTER_SUB; }
int pngshim_filter_up(void) { return PNG_FILTER_UP; }
int pngshim_filter_all(void) { return PNG_ALL_FILTERS; }
