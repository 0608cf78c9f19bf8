/* The fast path for the slices radtriage reads most: well-formed, non-interlaced, 8- or 16-bit
   grayscale PNGs. The IDAT stream is inflated in one call by libdeflate (about twice zlib's speed
   here) and the rows are unfiltered here. Anything unusual, malformed or over a limit is declined,
   and the caller decodes the file through libpng instead, which gives the diagnostics; so this path
   only ever accepts files that libpng would decode to the same samples. */
#include "png_shim.h"
#include "idat_budget.h"
#include <libdeflate.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

static uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }

/* The Sub filter's inverse: each byte adds the unfiltered byte bpp to its left, which is a running sum
   (mod 256) in each of bpp interleaved lanes. With SSE2 (every x86-64), 16 bytes are summed in the
   register in log2(16 / bpp) shifted adds, then the sums so far are added from the left. */
static inline __attribute__((always_inline)) void sub_prefix_sum(uint8_t *cur, size_t rowbytes, size_t bpp) {
    size_t i = 0;
#if defined(__SSE2__)
    __m128i carried = _mm_setzero_si128(); /* the last pixel so far, in every pixel's place */
    for (; i + 16 <= rowbytes; i += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(cur + i));
        if (bpp == 1) x = _mm_add_epi8(x, _mm_slli_si128(x, 1));
        x = _mm_add_epi8(x, _mm_slli_si128(x, 2));
        x = _mm_add_epi8(x, _mm_slli_si128(x, 4));
        x = _mm_add_epi8(x, _mm_slli_si128(x, 8));
        x = _mm_add_epi8(x, carried);
        _mm_storeu_si128((__m128i *)(cur + i), x);
        /* Broadcast the last pixel: word 7 (16-bit), or byte 15 doubled into word 7 first (8-bit). */
        __m128i last = bpp == 1 ? _mm_unpackhi_epi8(x, x) : x;
        carried = _mm_shuffle_epi32(_mm_shufflehi_epi16(last, 0xFF), 0xFF);
    }
#endif
    uint8_t left[2] = {0, 0};
    if (i > 0)
        for (size_t lane = 0; lane < bpp; lane++) left[lane] = cur[i - bpp + lane];
    for (; i < rowbytes; i += bpp) {
        for (size_t lane = 0; lane < bpp; lane++) {
            left[lane] = (uint8_t)(left[lane] + cur[i + lane]);
            cur[i + lane] = left[lane];
        }
    }
}

/* Reverses one row's filter in place, given the previous unfiltered row (all zeros above the first
   row, as the specification defines it). bpp is 1 or 2 (8- or 16-bit gray); callers pass it as a
   constant so that each filter compiles to a loop without branches. Sub, Avg and Paeth depend on the
   byte bpp to the left, so those loops carry it in a register: read back from memory, that chain
   (store, load, add) was a tenth of a PET slice's whole pipeline time. */
static inline __attribute__((always_inline)) int unfilter_row_bpp(int filter, uint8_t *cur, const uint8_t *prev, size_t rowbytes,
                                                                  size_t bpp) {
    switch (filter) {
    case 0:
        return 1;
    case 1:
        sub_prefix_sum(cur, rowbytes, bpp);
        return 1;
    case 2:
        for (size_t i = 0; i < rowbytes; i++) cur[i] = (uint8_t)(cur[i] + prev[i]);
        return 1;
    case 3: {
        uint8_t left[2] = {0, 0};
        for (size_t i = 0; i < rowbytes; i += bpp) {
            for (size_t lane = 0; lane < bpp; lane++) {
                left[lane] = (uint8_t)(cur[i + lane] + ((left[lane] + prev[i + lane]) >> 1));
                cur[i + lane] = left[lane];
            }
        }
        return 1;
    }
    case 4: {
        int left[2] = {0, 0}, upper_left[2] = {0, 0};
        for (size_t i = 0; i < rowbytes; i += bpp) {
            for (size_t lane = 0; lane < bpp; lane++) {
                int a = left[lane], b = prev[i + lane], c = upper_left[lane];
                int pa = abs(b - c), pb = abs(a - c), pc = abs(a + b - 2 * c);
                int predicted = (pa <= pb && pa <= pc) ? a : (pb <= pc ? b : c);
                left[lane] = (uint8_t)(cur[i + lane] + predicted);
                upper_left[lane] = b;
                cur[i + lane] = (uint8_t)left[lane];
            }
        }
        return 1;
    }
    default:
        return 0;
    }
}

static int unfilter_row(int filter, uint8_t *cur, const uint8_t *prev, size_t rowbytes, size_t bpp) {
    return bpp == 2 ? unfilter_row_bpp(filter, cur, prev, rowbytes, 2) : unfilter_row_bpp(filter, cur, prev, rowbytes, 1);
}

pngshim_status pngshim_fast_decode_gray(const uint8_t *data, size_t size, const pngshim_limits *limits,
                                        uint16_t *out, size_t capacity, pngshim_header *header) {
    memset(header, 0, sizeof *header);
    if (size < 8 + 25 || memcmp(data, "\x89PNG\r\n\x1a\n", 8) != 0 || be32(data + 8) != 13 || memcmp(data + 12, "IHDR", 4) != 0)
        return PNGSHIM_FAST_DECLINED;
    const uint8_t *ihdr = data + 16;
    uint32_t width = be32(ihdr), height = be32(ihdr + 4);
    int depth = ihdr[8];
    if (width == 0 || height == 0 || width > limits->max_width || height > limits->max_height ||
        (uint64_t)width * height > limits->max_pixels || (depth != 8 && depth != 16) || ihdr[9] != 0 /* gray */ ||
        ihdr[10] != 0 || ihdr[11] != 0 || ihdr[12] != 0 /* compression, filter method, no interlace */)
        return PNGSHIM_FAST_DECLINED;
    header->width = width;
    header->height = height;
    header->bit_depth = depth;
    if ((size_t)width * height > capacity) return PNGSHIM_ERR_BUFFER;

    /* Walk the chunks: every CRC checked, IDATs consecutive, ancillary chunks within the limits, IEND last. */
    size_t position = 8, idat_bytes = 0, idat_first = 0, ancillary = 0;
    int idat_state = 0; /* 0 before the IDATs, 1 inside them, 2 after */
    int ended = 0;
    while (!ended) {
        if (size - position < 12) return PNGSHIM_FAST_DECLINED;
        uint32_t length = be32(data + position);
        const uint8_t *type = data + position + 4;
        if (length > 0x7fffffffu || size - position - 12 < length) return PNGSHIM_FAST_DECLINED;
        if (libdeflate_crc32(0, type, (size_t)length + 4) != be32(type + 4 + length)) return PNGSHIM_FAST_DECLINED;
        /* libpng refuses a chunk type that is not four ASCII letters. */
        for (int letter = 0; letter < 4; letter++) {
            uint8_t c = (uint8_t)(type[letter] | 0x20);
            if (c < 'a' || c > 'z') return PNGSHIM_FAST_DECLINED;
        }
        int is_idat = memcmp(type, "IDAT", 4) == 0;
        if (is_idat) {
            if (idat_state == 2) return PNGSHIM_FAST_DECLINED;
            if (idat_state == 0) idat_first = position;
            idat_state = 1;
            idat_bytes += length;
        } else {
            if (idat_state == 1) idat_state = 2;
            if (memcmp(type, "IEND", 4) == 0) {
                ended = 1;
            } else if (memcmp(type, "IHDR", 4) == 0 ? position != 8 : (type[0] & 0x20) == 0) {
                return PNGSHIM_FAST_DECLINED; /* a second IHDR, or another critical chunk (PLTE, unknown) */
            } else if (memcmp(type, "IHDR", 4) != 0) {
                /* Compressed text and ICC profiles are decompressed (and limited) by libpng: left to it. */
                if (memcmp(type, "zTXt", 4) == 0 || memcmp(type, "iTXt", 4) == 0 || memcmp(type, "iCCP", 4) == 0) return PNGSHIM_FAST_DECLINED;
                if (++ancillary > limits->max_chunk_count || length > limits->max_chunk_bytes) return PNGSHIM_FAST_DECLINED;
            }
        }
        position += 12 + (size_t)length;
    }
    if (idat_state == 0) return PNGSHIM_FAST_DECLINED;
    idat_budget budget;
    /* More compressed data than such an image can need: the libpng path refuses it with the reason. */
    if (!idat_budget_for(width, height, depth, 0, 0, &budget) || idat_bytes > budget.max_idat) return PNGSHIM_FAST_DECLINED;

    size_t bpp = (size_t)depth / 8, rowbytes = (size_t)width * bpp, raw_size = (size_t)height * (rowbytes + 1);
    /* The inflated rows, then one row of zeros: the "previous row" of the first (no allocation of its own). */
    uint8_t *stream = malloc(idat_bytes ? idat_bytes : 1), *raw = malloc(raw_size + rowbytes);
    uint8_t *zero_row = raw ? raw + raw_size : NULL;
    if (zero_row) memset(zero_row, 0, rowbytes);
    struct libdeflate_decompressor *inflater = libdeflate_alloc_decompressor();
    pngshim_status status = PNGSHIM_FAST_DECLINED;
    if (stream && raw && zero_row && inflater) {
        /* The consecutive IDAT chunks' data, joined: libdeflate inflates whole buffers only. */
        size_t joined = 0;
        for (size_t at = idat_first; joined < idat_bytes; ) {
            uint32_t length = be32(data + at);
            memcpy(stream + joined, data + at + 8, length);
            joined += length;
            at += 12 + (size_t)length;
        }
        /* A 32 KiB window, no preset dictionary: zlib enforces a smaller declared window and libdeflate
           does not, so other headers go to libpng. */
        int plain_header = idat_bytes >= 2 && stream[0] == 0x78 && (stream[1] & 0x20) == 0;
        size_t consumed = 0, produced = 0;
        /* Exactly one zlib stream filling exactly the image: no trailing data, no missing rows. */
        if (plain_header && libdeflate_zlib_decompress_ex(inflater, stream, idat_bytes, raw, raw_size, &consumed, &produced) == LIBDEFLATE_SUCCESS &&
            consumed == idat_bytes && produced == raw_size) {
            status = PNGSHIM_OK;
            const uint8_t *previous = zero_row;
            for (uint32_t y = 0; y < height && status == PNGSHIM_OK; y++) {
                uint8_t *row = raw + (size_t)y * (rowbytes + 1);
                uint8_t *current = row + 1;
                if (!unfilter_row(row[0], current, previous, rowbytes, bpp)) {
                    status = PNGSHIM_FAST_DECLINED;
                    break;
                }
                uint16_t *samples = out + (size_t)y * width;
                if (bpp == 2) {
                    for (uint32_t x = 0; x < width; x++) samples[x] = (uint16_t)(current[2 * x] << 8 | current[2 * x + 1]);
                } else {
                    for (uint32_t x = 0; x < width; x++) samples[x] = current[x];
                }
                previous = current;
            }
        }
    }
    libdeflate_free_decompressor(inflater);
    free(raw);
    free(stream);
    return status;
}
