#ifndef DECODE_BASELINE_H
#define DECODE_BASELINE_H
#include <stddef.h>
#include <stdint.h>

/* The bound for SliceCodec's decoder: the plain libpng loop a C programmer would write.
   Decodes a 16- or 8-bit grayscale PNG held in memory into `out` (capacity in samples), and its
   size into `width` and `height`. Returns the number of samples written, or -1 on any error. */
long baseline_decode_gray(const uint8_t *data, size_t size, uint16_t *out, size_t capacity, uint32_t *width, uint32_t *height);

#endif
