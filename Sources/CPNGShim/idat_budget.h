/* What an image's IHDR allows its compressed data to be, shared by the fast path and the libpng path
   so that both refuse the same files. Internal to CPNGShim (not in include/). */
#ifndef IDAT_BUDGET_H
#define IDAT_BUDGET_H

#include <stddef.h>
#include <stdint.h>

/* deflate cannot expand data by more than this factor (zlib FAQ: "the limit is 1032:1"). */
#define PNGSHIM_MAX_DEFLATE_RATIO 1032u

typedef struct {
    uint64_t raw_bytes;     /* the inflated size of the image: filter bytes included, all Adam7 passes */
    uint64_t max_idat;      /* the most compressed data an encoder writes for such an image */
    uint64_t min_idat;      /* the least compressed data that can inflate to raw_bytes */
} idat_budget;

static inline uint64_t idat_row_bytes(uint64_t width, int channels, int depth) {
    return (width * (uint64_t)channels * (uint64_t)depth + 7) / 8;
}

/* Channels per colour type; 0 for an invalid one. */
static inline int idat_channels(int color_type) {
    switch (color_type) {
    case 0: return 1;
    case 2: return 3;
    case 3: return 1;
    case 4: return 2;
    case 6: return 4;
    default: return 0;
    }
}

/* Returns 0 for an IHDR whose sizes are invalid (the decoders report those themselves). */
static inline int idat_budget_for(uint32_t width, uint32_t height, int depth, int color_type, int interlaced, idat_budget *out) {
    int channels = idat_channels(color_type);
    if (width == 0 || height == 0 || channels == 0 || depth <= 0 || depth > 16) return 0;
    uint64_t raw = 0;
    if (!interlaced) {
        raw = (uint64_t)height * (idat_row_bytes(width, channels, depth) + 1);
    } else {
        /* Adam7: pass p starts at (x0, y0) and steps (dx, dy); an empty pass has no filter bytes. */
        static const int x0[7] = {0, 4, 0, 2, 0, 1, 0}, y0[7] = {0, 0, 4, 0, 2, 0, 1};
        static const int dx[7] = {8, 8, 4, 4, 2, 2, 1}, dy[7] = {8, 8, 8, 4, 4, 2, 2};
        for (int p = 0; p < 7; p++) {
            uint64_t w = width > (uint32_t)x0[p] ? (width - x0[p] + dx[p] - 1) / dx[p] : 0;
            uint64_t h = height > (uint32_t)y0[p] ? (height - y0[p] + dy[p] - 1) / dy[p] : 0;
            if (w && h) raw += h * (idat_row_bytes(w, channels, depth) + 1);
        }
    }
    /* The largest compressed size a real encoder writes for such an image: stored blocks (5 bytes
       each, at worst one per row) or fixed Huffman codes on noise (9 bits a byte), plus the zlib
       header and checksum, with some slack. */
    uint64_t row = idat_row_bytes(width, channels, depth) + 1;
    uint64_t limit = raw + raw / 8 + 5 * (raw / row + 1) + 1024;
    out->raw_bytes = raw;
    out->max_idat = limit;
    out->min_idat = raw / PNGSHIM_MAX_DEFLATE_RATIO;
    return 1;
}

#endif
