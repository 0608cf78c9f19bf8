#ifndef PIPELINE_BASELINE_H
#define PIPELINE_BASELINE_H
#include <stddef.h>
#include <stdint.h>

/* The plain C pipeline that issue 6's throughput target is stated against: libpng decode, stored values
   to SUV, resampling to the model grid, clip and scale, then the model one slice at a time with im2col
   + cblas_sgemm for every convolution, all in the straightforward loops a C programmer would write.
   `radtriage bench` runs it on the same files as radtriage, in the same run. */

typedef enum {
    BASELINE_CONV = 0, BASELINE_RELU, BASELINE_MAX_POOL, BASELINE_AVERAGE_POOL, BASELINE_GLOBAL_MAX,
    BASELINE_GLOBAL_AVERAGE, BASELINE_DENSE, BASELINE_SIGMOID
} baseline_layer_kind;

typedef struct {
    baseline_layer_kind kind;
    /* Input and output shapes, channels × height × width. */
    size_t in_c, in_h, in_w, out_c, out_h, out_w;
    /* Convolutions and pooling. */
    size_t kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w;
    /* Convolutions: [out][in·kh·kw]; dense: [out][in]. */
    const float *weights, *bias;
} baseline_layer;

typedef struct {
    size_t height, width; /* the model grid */
    float clip_min, clip_max, scale, offset;
    const baseline_layer *layers;
    size_t layer_count;
} baseline_model;

typedef struct baseline_workspace baseline_workspace;

/* Buffers for slices of up to `max_pixels` stored pixels; NULL when out of memory. */
baseline_workspace *baseline_workspace_create(const baseline_model *model, size_t max_pixels);
void baseline_workspace_destroy(baseline_workspace *workspace);

/* Scores one slice held in memory as a PNG, whose stored values map to SUV as stored × slope +
   intercept. Writes the slice's logit; returns 0, or -1 when the file cannot be decoded. */
int baseline_score_slice(const baseline_model *model, baseline_workspace *workspace, const uint8_t *png, size_t size, float slope,
                         float intercept, float *logit);

/* The same for a slice whose stored values are `width` × `height` 16-bit little-endian samples in memory
   (native DICOM pixel data): no decoding. Returns 0, or -1 when the slice does not fit the workspace. */
int baseline_score_samples(const baseline_model *model, baseline_workspace *workspace, const uint8_t *samples, uint32_t width,
                           uint32_t height, float slope, float intercept, float *logit);

#endif
