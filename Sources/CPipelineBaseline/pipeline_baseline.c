#include "pipeline_baseline.h"
#include "decode_baseline.h"
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Area-averaging weights along one axis: output i covers input [i·r, (i+1)·r), r = n_in / n_out, each
   input weighted by its overlap. `taps` weights per output, starting at `first[i]`. */
typedef struct {
    size_t n_in, n_out, taps;
    size_t *first;
    float *weights;
} axis_weights;

struct baseline_workspace {
    size_t max_pixels, rows_capacity;
    uint16_t *stored;
    float *values, *rows, *ping, *pong, *columns;
    axis_weights vertical, horizontal;
};

static void axis_free(axis_weights *axis) {
    free(axis->first);
    free(axis->weights);
    memset(axis, 0, sizeof *axis);
}

static int axis_prepare(axis_weights *axis, size_t n_in, size_t n_out) {
    if (axis->n_in == n_in && axis->n_out == n_out) return 0;
    axis_free(axis);
    double ratio = (double)n_in / (double)n_out;
    size_t taps = 1;
    for (size_t i = 0; i < n_out; i++) {
        size_t first = (size_t)floor((double)i * ratio), last = (size_t)ceil((double)(i + 1) * ratio);
        if (last > n_in) last = n_in;
        if (last - first > taps) taps = last - first;
    }
    axis->first = calloc(n_out, sizeof *axis->first);
    axis->weights = calloc(n_out * taps, sizeof *axis->weights);
    if (!axis->first || !axis->weights) return -1;
    for (size_t i = 0; i < n_out; i++) {
        double low = (double)i * ratio, high = (double)(i + 1) * ratio;
        size_t first = (size_t)floor(low);
        axis->first[i] = first;
        for (size_t t = 0; t < taps && first + t < n_in; t++) {
            double from = fmax(low, (double)(first + t)), to = fmin(high, (double)(first + t + 1));
            if (to > from) axis->weights[i * taps + t] = (float)((to - from) / ratio);
        }
    }
    axis->n_in = n_in;
    axis->n_out = n_out;
    axis->taps = taps;
    return 0;
}

static size_t max_size(size_t a, size_t b) { return a > b ? a : b; }

baseline_workspace *baseline_workspace_create(const baseline_model *model, size_t max_pixels) {
    baseline_workspace *w = calloc(1, sizeof *w);
    if (!w) return NULL;
    size_t activations = model->height * model->width, columns = 1;
    for (size_t i = 0; i < model->layer_count; i++) {
        const baseline_layer *l = &model->layers[i];
        activations = max_size(activations, max_size(l->in_c * l->in_h * l->in_w, l->out_c * l->out_h * l->out_w));
        if (l->kind == BASELINE_CONV) columns = max_size(columns, l->in_c * l->kernel_h * l->kernel_w * l->out_h * l->out_w);
    }
    w->max_pixels = max_pixels;
    w->stored = malloc(max_pixels * sizeof *w->stored);
    w->values = malloc(max_pixels * sizeof *w->values);
    w->rows_capacity = max_size(max_pixels, 1);
    w->rows = malloc(w->rows_capacity * sizeof *w->rows);
    w->ping = malloc(activations * sizeof *w->ping);
    w->pong = malloc(activations * sizeof *w->pong);
    w->columns = malloc(columns * sizeof *w->columns);
    if (!w->stored || !w->values || !w->rows || !w->ping || !w->pong || !w->columns) {
        baseline_workspace_destroy(w);
        return NULL;
    }
    return w;
}

void baseline_workspace_destroy(baseline_workspace *w) {
    if (!w) return;
    free(w->stored);
    free(w->values);
    free(w->rows);
    free(w->ping);
    free(w->pong);
    free(w->columns);
    axis_free(&w->vertical);
    axis_free(&w->horizontal);
    free(w);
}

/* Rows first (each output row a weighted sum of input rows), then columns. */
static void resample(const float *in, size_t in_h, size_t in_w, float *rows, const axis_weights *v, const axis_weights *h, float *out) {
    for (size_t y = 0; y < v->n_out; y++) {
        float *row = rows + y * in_w;
        for (size_t x = 0; x < in_w; x++) row[x] = 0;
        for (size_t t = 0; t < v->taps && v->first[y] + t < in_h; t++) {
            float weight = v->weights[y * v->taps + t];
            const float *source = in + (v->first[y] + t) * in_w;
            for (size_t x = 0; x < in_w; x++) row[x] += weight * source[x];
        }
    }
    for (size_t y = 0; y < v->n_out; y++) {
        const float *row = rows + y * in_w;
        for (size_t x = 0; x < h->n_out; x++) {
            float sum = 0;
            for (size_t t = 0; t < h->taps && h->first[x] + t < in_w; t++) sum += h->weights[x * h->taps + t] * row[h->first[x] + t];
            out[y * h->n_out + x] = sum;
        }
    }
}

/* columns[(c·kh + ky)·kw + kx][oy·out_w + ox] = input[c][oy·sh + ky − ph][ox·sw + kx − pw], 0 outside the
   input. The range of ox that lands inside is worked out once per row, so the copy has no branch. */
static void im2col(const baseline_layer *l, const float *in, float *columns) {
    size_t positions = l->out_h * l->out_w;
    for (size_t c = 0; c < l->in_c; c++)
        for (size_t ky = 0; ky < l->kernel_h; ky++)
            for (size_t kx = 0; kx < l->kernel_w; kx++) {
                float *row = columns + ((c * l->kernel_h + ky) * l->kernel_w + kx) * positions;
                /* ix = ox·sw + kx − pw lies in [0, in_w) for ox in [first, last). */
                size_t first = kx >= l->pad_w ? 0 : (l->pad_w - kx + l->stride_w - 1) / l->stride_w;
                size_t last = l->in_w + l->pad_w > kx ? (l->in_w + l->pad_w - kx + l->stride_w - 1) / l->stride_w : 0;
                if (last > l->out_w) last = l->out_w;
                if (first > last) first = last;
                for (size_t oy = 0; oy < l->out_h; oy++) {
                    float *out = row + oy * l->out_w;
                    long iy = (long)(oy * l->stride_h + ky) - (long)l->pad_h;
                    if (iy < 0 || iy >= (long)l->in_h) {
                        memset(out, 0, l->out_w * sizeof *out);
                        continue;
                    }
                    const float *source = in + (c * l->in_h + (size_t)iy) * l->in_w;
                    for (size_t ox = 0; ox < first; ox++) out[ox] = 0;
                    for (size_t ox = first; ox < last; ox++) out[ox] = source[ox * l->stride_w + kx - l->pad_w];
                    for (size_t ox = last; ox < l->out_w; ox++) out[ox] = 0;
                }
            }
}

/* The maximum or the mean of a rows × columns window whose rows are `row_stride` apart. */
static inline float reduce(const float *window, size_t rows, size_t columns, size_t row_stride, int maximum) {
    float acc = maximum ? -INFINITY : 0;
    for (size_t y = 0; y < rows; y++)
        for (size_t x = 0; x < columns; x++) {
            float v = window[y * row_stride + x];
            acc = maximum ? (v > acc ? v : acc) : acc + v;
        }
    return maximum ? acc : acc / (float)(rows * columns);
}

static void pool(const baseline_layer *l, const float *in, float *out, int maximum) {
    size_t in_plane = l->in_h * l->in_w, out_plane = l->out_h * l->out_w;
    for (size_t c = 0; c < l->out_c; c++)
        for (size_t oy = 0; oy < l->out_h; oy++)
            for (size_t ox = 0; ox < l->out_w; ox++) {
                const float *window = in + c * in_plane + oy * l->stride_h * l->in_w + ox * l->stride_w;
                out[c * out_plane + oy * l->out_w + ox] = reduce(window, l->kernel_h, l->kernel_w, l->in_w, maximum);
            }
}

static void layer_forward(const baseline_layer *l, const float *in, float *out, float *columns) {
    size_t out_plane = l->out_h * l->out_w, in_plane = l->in_h * l->in_w;
    switch (l->kind) {
    case BASELINE_CONV: {
        size_t k = l->in_c * l->kernel_h * l->kernel_w;
        im2col(l, in, columns);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)l->out_c, (int)out_plane, (int)k, 1.0f, l->weights, (int)k, columns,
                    (int)out_plane, 0.0f, out, (int)out_plane);
        for (size_t c = 0; c < l->out_c; c++)
            for (size_t i = 0; i < out_plane; i++) out[c * out_plane + i] += l->bias[c];
        break;
    }
    case BASELINE_RELU:
        for (size_t i = 0; i < l->in_c * in_plane; i++) out[i] = in[i] > 0 ? in[i] : 0;
        break;
    case BASELINE_SIGMOID:
        for (size_t i = 0; i < l->in_c * in_plane; i++) out[i] = 1.0f / (1.0f + expf(-in[i]));
        break;
    case BASELINE_MAX_POOL:
    case BASELINE_AVERAGE_POOL:
        pool(l, in, out, l->kind == BASELINE_MAX_POOL);
        break;
    case BASELINE_GLOBAL_MAX:
    case BASELINE_GLOBAL_AVERAGE:
        for (size_t c = 0; c < l->in_c; c++) out[c] = reduce(in + c * in_plane, 1, in_plane, 1, l->kind == BASELINE_GLOBAL_MAX);
        break;
    case BASELINE_DENSE: {
        size_t features = l->in_c * in_plane;
        for (size_t o = 0; o < l->out_c; o++) {
            float sum = 0;
            for (size_t f = 0; f < features; f++) sum += l->weights[o * features + f] * in[f];
            out[o] = sum + l->bias[o];
        }
        break;
    }
    }
}

static int score_stored(const baseline_model *model, baseline_workspace *w, uint32_t width, uint32_t height, float slope, float intercept,
                        float *logit);

int baseline_score_slice(const baseline_model *model, baseline_workspace *w, const uint8_t *png, size_t size, float slope, float intercept,
                         float *logit) {
    uint32_t width = 0, height = 0;
    long pixels = baseline_decode_gray(png, size, w->stored, w->max_pixels, &width, &height);
    if (pixels <= 0) return -1;
    return score_stored(model, w, width, height, slope, intercept, logit);
}

int baseline_score_samples(const baseline_model *model, baseline_workspace *w, const uint8_t *samples, uint32_t width, uint32_t height,
                           float slope, float intercept, float *logit) {
    size_t pixels = (size_t)width * height;
    if (pixels == 0 || pixels > w->max_pixels) return -1;
    for (size_t i = 0; i < pixels; i++) w->stored[i] = (uint16_t)(samples[2 * i] | samples[2 * i + 1] << 8);
    return score_stored(model, w, width, height, slope, intercept, logit);
}

/* The slice's stored values are in w->stored. */
static int score_stored(const baseline_model *model, baseline_workspace *w, uint32_t width, uint32_t height, float slope, float intercept,
                        float *logit) {
    long pixels = (long)width * height;
    if ((size_t)model->height * width > w->rows_capacity) {
        float *grown = realloc(w->rows, (size_t)model->height * width * sizeof *grown);
        if (!grown) return -1;
        w->rows = grown;
        w->rows_capacity = (size_t)model->height * width;
    }
    for (long i = 0; i < pixels; i++) w->values[i] = (float)w->stored[i] * slope + intercept;
    if (axis_prepare(&w->vertical, height, model->height) != 0 || axis_prepare(&w->horizontal, width, model->width) != 0) return -1;
    resample(w->values, height, width, w->rows, &w->vertical, &w->horizontal, w->ping);
    size_t grid = model->height * model->width;
    for (size_t i = 0; i < grid; i++) {
        float v = w->ping[i] < model->clip_min ? model->clip_min : (w->ping[i] > model->clip_max ? model->clip_max : w->ping[i]);
        w->ping[i] = v * model->scale + model->offset;
    }
    /* A 2.5-D model's neighbouring channels get copies of the slice: its arithmetic without the stacking. */
    size_t channels = model->layer_count > 0 ? model->layers[0].in_c : 1;
    for (size_t c = 1; c < channels; c++) memcpy(w->ping + c * grid, w->ping, grid * sizeof *w->ping);
    float *in = w->ping, *out = w->pong;
    for (size_t i = 0; i < model->layer_count; i++) {
        layer_forward(&model->layers[i], in, out, w->columns);
        float *swap = in;
        in = out;
        out = swap;
    }
    *logit = in[0];
    return 0;
}
