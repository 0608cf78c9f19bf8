#ifndef PNG_SHIM_H
#define PNG_SHIM_H

/* The only place where libpng's setjmp/longjmp error handling lives. Every function here catches
   libpng's longjmp in C and returns a status; no libpng type crosses into Swift. Each call creates
   and destroys its own png_struct, so calls from different threads share nothing. */

#include <stddef.h>
#include <stdint.h>

typedef enum {
    PNGSHIM_OK = 0,
    PNGSHIM_ERR_LIBPNG = 1,      /* libpng reported an error (CRC, zlib, truncation, limits): message set */
    PNGSHIM_ERR_UNSUPPORTED = 2, /* not single-channel grayscale */
    PNGSHIM_ERR_TOO_LARGE = 3,   /* declared dimensions above the caller's limits */
    PNGSHIM_ERR_BUFFER = 4,      /* caller's buffer too small for the declared image */
    PNGSHIM_ERR_NOMEM = 5,
    PNGSHIM_ERR_SIGNATURE = 6,   /* not a PNG file */
    PNGSHIM_FAST_DECLINED = 7    /* the fast path does not take this file: decode it through libpng */
} pngshim_status;

typedef struct {
    uint32_t width, height;
    int bit_depth;
    int color_type; /* PNG colour type: 0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA */
    int interlaced;
} pngshim_header;

typedef struct {
    uint32_t max_width, max_height;
    uint64_t max_pixels;
    uint64_t max_chunk_bytes; /* largest ancillary chunk (and decompressed zTXt/iCCP) accepted */
    uint32_t max_chunk_count; /* most ancillary chunks accepted */
} pngshim_limits;

/* Reads the header and applies the limits before any pixel buffer exists. */
pngshim_status pngshim_read_header(const uint8_t *data, size_t size, const pngshim_limits *limits,
                                   pngshim_header *out, char *message, size_t message_size);

/* Decodes a grayscale PNG of bit depth 1, 2, 4, 8 or 16 into `out` (capacity in samples), row-major,
   values exactly as stored (no gamma, no scaling of low bit depths). Interlaced images are assembled.
   The whole file is read, so CRC and Adler-32 errors anywhere are reported. */
pngshim_status pngshim_decode_gray(const uint8_t *data, size_t size, const pngshim_limits *limits,
                                   uint16_t *out, size_t capacity, pngshim_header *header,
                                   char *message, size_t message_size);

/* The fast path (fast_decode.c, libdeflate): a non-interlaced 8- or 16-bit grayscale PNG whose every
   chunk is well formed and within the limits is decoded into `out` exactly as libpng would; anything
   else returns PNGSHIM_FAST_DECLINED (and PNGSHIM_ERR_BUFFER when `capacity` is too small), and the
   caller uses pngshim_decode_gray, which reports what is wrong. */
pngshim_status pngshim_fast_decode_gray(const uint8_t *data, size_t size, const pngshim_limits *limits,
                                        uint16_t *out, size_t capacity, pngshim_header *header);

/* Encodes a grayscale image (bit depth 8 or 16; 8-bit takes the low byte of each sample) into a
   buffer allocated here; release it with pngshim_free. `filters` is a libpng PNG_FILTER_* mask,
   or 0 for libpng's default choice; `huffman_only` selects zlib's Z_HUFFMAN_ONLY strategy (no string
   matching: several times faster, and nearly as small on noisy 16-bit images). */
pngshim_status pngshim_encode_gray(const uint16_t *samples, uint32_t width, uint32_t height, int bit_depth,
                                   int compression_level, int filters, int huffman_only, uint8_t **out,
                                   size_t *out_size, char *message, size_t message_size);

void pngshim_free(uint8_t *buffer);

/* The PNG_FILTER_* masks, so that Swift needs no libpng header. */
int pngshim_filter_none(void);
int pngshim_filter_sub(void);
int pngshim_filter_up(void);
int pngshim_filter_all(void);

#endif
