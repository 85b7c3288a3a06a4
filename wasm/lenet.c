// lenet.c: a whole LeNet training step in one call, in C compiled to WebAssembly SIMD (128-bit).
// Build: deno task build:wasm (clang and wasm-ld; clang 19 for the relaxed build; the .wasm files
// are committed and embedded).
//
// The network (the classic tutorial's, sizes configurable): for B images x (B,28,28,1)
//   conv1   3x3 'same', C1 filters   (B,28,28,C1)
//   pool1   2x2 max, then act        (B,14,14,C1)
//   conv2   3x3 'same', C2 filters   (B,14,14,C2)
//   pool2   2x2 max, then act        (B,7,7,C2)   flattened in (h,w,c) order: F = 49*C2
//   fc1     dense + act              (B,H1)
//   fc2     dense + act              (B,H2)
//   output  dense + softmax          (B,K)
//
// One training step, as JavaScript drives it (src/engines/fused/trainer.ts):
//   lenet_forward   the layers above, top to bottom; the probabilities stay in the Net
//   lenet_backward  categorical cross-entropy's gradient, then every layer's backward in reverse:
//                   output, fc2, fc1, pool2, conv2, then pool1 and conv1 in one pass
//   lenet_adam      Adam on the summed gradients, exactly as tfjs computes it
// Further threads run other instances of this module on the same shared memory, each with its own
// Net (src/engines/fused/_worker.ts): each takes a share of the batch, and a share of Adam, which
// sums every Net's gradients.
//
// Every layer, forward and backward, is a matrix product in 4x8 register blocks: the dense layers
// and conv2 on a patches matrix (im2col); conv1's forward pass and conv2's input gradient read
// their input in place (conv3x3_direct). Two pairs of layers are fused because that is the speed:
// max-pooling runs before the activation (the activations all increase, so the max commutes with
// them, and act is evaluated on a quarter of the values), and conv1's filter gradient comes
// straight from pool1's gradient (only a window's max has one). Functions are named for what they
// fuse.
//
// Two builds: lenet.wasm with plain SIMD, whose multiply-add is two instructions, so that results
// are the same on every CPU; lenet_relaxed.wasm, whose matrix products use relaxed SIMD's fused
// multiply-add (rounded once where the CPU has FMA, twice where it has not: faster, and not the
// same bits everywhere). src/engines/fused/_wasm.ts picks one.
//
// What it avoids, and why:
// - libc: the few math functions needed (exp) are written here, vectorised.
// - C globals: every buffer lives in a Net in linear memory, so two instances, one per thread,
//   can share one memory and each run its own Net.
// Weights keep tfjs's layout and order (HWIO kernels, (inputs, units) dense kernels), so they copy
// in and out unchanged.
#include "blocks.h"

// ----------------------------------------------------------------------------------------------
// geometry

enum {
  IMG = 28,                   // input side
  IMG_PIXELS = IMG * IMG,     // 784
  IMG_PADDED = IMG + 2,       // with the zero border a 3x3 'same' convolution reads
  POOL1 = IMG / 2,            // 14: side after the first pooling
  POOL1_PIXELS = POOL1 * POOL1,
  POOL1_PADDED = POOL1 + 2,   // pool1's output keeps a zero border: conv2 reads it in place
  POOL2 = POOL1 / 2,          // 7
  POOL2_PIXELS = POOL2 * POOL2,
};
// ----------------------------------------------------------------------------------------------
// the matrix product alone, for bench/gemm_bench.ts

// The matrix product alone, for bench/gemm_bench.ts: C[M,N] = A B with A(i,k) = A[i*ars + k*aks].
EXPORT(lenet_gemm)
void lenet_gemm(int M, int N, int K, const float *A, int ars, int aks, const float *B, float *C) {
  gemm(M, N, K, A, ars, aks, B, N, C, N, 0, NO_ACT);
}

// ----------------------------------------------------------------------------------------------
// input

// the same for one-channel 8-bit pixels, scaled to [0, 1] by a float division by 255 (for every
// byte exactly JavaScript's Math.fround(p / 255): tested). Eight pixels at a time (Wd >= 8; the
// last group overlaps the one before).
static void pad_bytes_forward(const unsigned char *x, float *out, int B, int H, int Wd) {
  const v128_t scale = wasm_f32x4_splat(255.0f);
  for (int b = 0; b < B; b++)
    for (int h = 0; h < H; h++) {
      const unsigned char *src = x + (b * H + h) * Wd;
      float *dst = out + (b * (H + 2) + h + 1) * (Wd + 2) + 1;
      for (int w = 0; w < Wd; w += 8) {
        int at = w + 8 <= Wd ? w : Wd - 8;
        v128_t v = wasm_u16x8_load8x8(src + at);
        v128_t lo = wasm_f32x4_convert_u32x4(wasm_u32x4_extend_low_u16x8(v));
        v128_t hi = wasm_f32x4_convert_u32x4(wasm_u32x4_extend_high_u16x8(v));
        wasm_v128_store(dst + at, wasm_f32x4_div(lo, scale));
        wasm_v128_store(dst + at + 4, wasm_f32x4_div(hi, scale));
      }
    }
}

// the same for 8-bit pixels each through its own transform (data augmentation): output pixel p =
// (x, y) is sampled, bilinearly, at M p + t + d(p) of its input, 0 outside. Per image, the
// transform holds [a, b, c, d, tx, ty] (M = [[a, b], [c, d]], t = (tx, ty)); then the elastic
// displacements of an ELASTIC_GRID x ELASTIC_GRID grid over the image (x's, then y's),
// interpolated bilinearly at p; then Simard's field: its noise key (two 16-bit halves), alpha and
// sigma. d(p) is the sum of the two fields. src/data/augment.ts draws all of it, and is the
// reference this is tested against. Pixels whose four neighbours all lie outside are 0.
#define ELASTIC_GRID 5
#define SIMARD_AT (6 + 2 * ELASTIC_GRID * ELASTIC_GRID)
#define TRANSFORM_FLOATS (SIMARD_AT + 4)

// the grid's d(p) for every pixel into field (x, y interleaved); 0 when the grid is all zeros
static int elastic_field(const float *grid, float *field) {
  const int G = ELASTIC_GRID;
  int any = 0;
  for (int i = 0; i < 2 * G * G; i++) any |= grid[i] != 0.0f;
  if (!any) return 0;
  const float step = (float)(G - 1) / (IMG - 1);
  for (int y = 0; y < IMG; y++) {
    float gy = y * step;
    int j = (int)gy < G - 2 ? (int)gy : G - 2;
    float fy = gy - j;
    for (int x = 0; x < IMG; x++) {
      float gx = x * step;
      int i = (int)gx < G - 2 ? (int)gx : G - 2;
      float fx = gx - i;
      float w00 = (1 - fx) * (1 - fy), w01 = fx * (1 - fy), w10 = (1 - fx) * fy, w11 = fx * fy;
      for (int axis = 0; axis < 2; axis++) {
        const float *q = grid + axis * G * G + j * G + i;
        field[2 * (y * IMG + x) + axis] = w00 * q[0] + w01 * q[1] + w10 * q[G] + w11 * q[G + 1];
      }
    }
  }
  return 1;
}

// Simard's elastic distortion (Simard, Steinkraus and Platt, ICDAR 2003): a uniform displacement
// in [-1, 1) at every pixel on each axis (the x field, then the y field, pixel by pixel, from the
// key by splitmix32 as augment.ts's `uniforms` draws them), each field smoothed by a Gaussian of
// standard deviation sigma (radius ceil(3 sigma), weights summing to 1, zero outside the image)
// and scaled by alpha; added to field (x, y interleaved). The blur is separable, four pixels at a
// time: along each row from a copy with a zero margin of `radius` on both sides, then down each
// column, skipping the rows outside the image.
#define SIMARD_MAX_RADIUS 24
#define SIMARD_ROW (IMG + 2 * SIMARD_MAX_RADIUS)
static void simard_field(unsigned key, float alpha, float sigma, float *field, int any, float *noise) {
  float *rows = noise + 2 * IMG_PIXELS, weights[2 * SIMARD_MAX_RADIUS + 1], padded[SIMARD_ROW + 4];
  int radius = (int)__builtin_ceilf(3.0f * sigma);
  if (radius > SIMARD_MAX_RADIUS) radius = SIMARD_MAX_RADIUS;
  float total = 0.0f;
  for (int t = -radius; t <= radius; t++) total += weights[t + radius] = expf_(-(t * t) / (2.0f * sigma * sigma));
  for (int t = 0; t <= 2 * radius; t++) weights[t] /= total;
  unsigned state = key;
  for (int i = 0; i < 2 * IMG_PIXELS; i++) {
    state += 0x9e3779b9u;
    unsigned z = state;
    z = (z ^ (z >> 16)) * 0x85ebca6bu;
    z = (z ^ (z >> 13)) * 0xc2b2ae35u;
    noise[i] = (float)((double)(z ^ (z >> 16)) / 2147483648.0 - 1.0);
  }
  for (int i = 0; i < SIMARD_ROW + 4; i++) padded[i] = 0.0f;
  for (int axis = 0; axis < 2; axis++) {
    const float *u = noise + axis * IMG_PIXELS;
    for (int y = 0; y < IMG; y++) {  // along rows
      for (int x = 0; x < IMG; x++) padded[radius + x] = u[y * IMG + x];
      for (int x = 0; x < IMG; x += 4) {
        v128_t sum = wasm_f32x4_splat(0.0f);
        for (int t = 0; t <= 2 * radius; t++)
          sum = wasm_f32x4_add(sum, wasm_f32x4_mul(wasm_f32x4_splat(weights[t]), wasm_v128_load(padded + x + t)));
        wasm_v128_store(rows + y * IMG + x, sum);
      }
    }
    for (int y = 0; y < IMG; y++)  // then down columns
      for (int x = 0; x < IMG; x += 4) {
        v128_t sum = wasm_f32x4_splat(0.0f);
        for (int t = -radius; t <= radius; t++)
          if (y + t >= 0 && y + t < IMG)
            sum = wasm_f32x4_add(sum, wasm_f32x4_mul(wasm_f32x4_splat(weights[t + radius]),
                                                     wasm_v128_load(rows + (y + t) * IMG + x)));
        float s4[4];
        wasm_v128_store(s4, sum);
        for (int l = 0; l < 4; l++) {
          float *d = field + 2 * (y * IMG + x + l) + axis;
          *d = (any ? *d : 0.0f) + alpha * s4[l];
        }
      }
  }
}

// field: 2 * IMG_PIXELS floats; noise: scratch for 3 * IMG_PIXELS
static void augment_bytes_forward(const unsigned char *x, const float *m, float *out, float *field, float *noise,
                                  int B) {
  for (int b = 0; b < B; b++, m += TRANSFORM_FLOATS) {
    const unsigned char *src = x + b * IMG_PIXELS;
    float *dst = out + b * IMG_PADDED * IMG_PADDED + IMG_PADDED + 1;
    int elastic = elastic_field(m + 6, field);
    const float *simard = m + SIMARD_AT;
    if (simard[2] > 0.0f) {
      unsigned key = ((unsigned)simard[0] << 16) | (unsigned)simard[1];
      simard_field(key, simard[2], simard[3], field, elastic, noise);
      elastic = 1;
    }
    for (int y = 0; y < IMG; y++)
      for (int w = 0; w < IMG; w++) {
        float sx = m[0] * w + m[1] * y + m[4], sy = m[2] * w + m[3] * y + m[5], v = 0.0f;
        if (elastic) sx += field[2 * (y * IMG + w)], sy += field[2 * (y * IMG + w) + 1];
        if (sx > -1.0f && sy > -1.0f && sx < IMG && sy < IMG) {
          int x0 = (int)__builtin_floorf(sx), y0 = (int)__builtin_floorf(sy);
          float fx = sx - x0, fy = sy - y0, p00, p01, p10, p11;
          const unsigned char *q = src + y0 * IMG + x0;
          if (x0 >= 0 && y0 >= 0 && x0 + 1 < IMG && y0 + 1 < IMG) {  // the usual case: all four inside
            p00 = q[0], p01 = q[1], p10 = q[IMG], p11 = q[IMG + 1];
          } else {
            p00 = y0 >= 0 && x0 >= 0 ? q[0] : 0;
            p01 = y0 >= 0 && x0 + 1 < IMG ? q[1] : 0;
            p10 = y0 + 1 < IMG && x0 >= 0 ? q[IMG] : 0;
            p11 = y0 + 1 < IMG && x0 + 1 < IMG ? q[IMG + 1] : 0;
          }
          v = ((p00 * (1 - fx) + p01 * fx) * (1 - fy) + (p10 * (1 - fx) + p11 * fx) * fy) / 255.0f;
        }
        dst[y * IMG_PADDED + w] = v;
      }
  }
}

// ----------------------------------------------------------------------------------------------
// conv3x3: a 3x3 'same' convolution as im2col and one matrix product, or read in place

// out (B,H,W,F) = conv3x3(in, w, bias) before the activation; in is zero-bordered (B,H+2,W+2,C),
// w is (3,3,C,F), col receives the patches (B*H*W rows of 9C + ones floats).
static void conv3x3_forward(const float *in, float *col, const float *w, const float *bias, float *out, int B, int H,
                            int Wd, int C, int F, int ones) {
  im2col(in, col, B, H, Wd, C, ones);
  gemm(B * H * Wd, F, TAPS * C, col, TAPS * C + ones, 1, w, F, out, F, bias, NO_ACT);
}

// From dout (B,H,W,F), the gradient of conv3x3_forward's output: dw and dbias in one product over
// the patches' ones column (dbias follows dw in memory, as the 9C+1-th row); then din (the interior
// of (B,H+2,W+2,C)) as the convolution of dout, copied into the interior of doutp (its zero border
// is never written), by the kernel turned half a turn into wf (scratch). (Measured: reading the
// patches again beats an in-place filter gradient like conv3x3_direct's, by ~2%.)
static void conv3x3_backward(const float *col, const float *w, const float *dout, float *dw_dbias, float *doutp,
                             float *wf, float *din, int B, int H, int Wd, int C, int F) {
  gemm(TAPS * C + 1, F, B * H * Wd, col, 1, TAPS * C + 1, dout, F, dw_dbias, F, 0, NO_ACT);
  pad_forward(dout, doutp, B, H, Wd, F);
  int cp = (C + 7) & ~7;
  turn_kernel(w, wf, C, F, cp);
  conv3x3_direct(doutp, wf, cp, 0, din, 1, B, H, Wd, F, C);
}

// ----------------------------------------------------------------------------------------------
// maxpool_act: 2x2 max-pooling, stride 2, fused with the activation that follows it

// offset of input k (row-major) of a 2x2 window in a (.., W, C) image
static inline int window_offset(int k, int Wd, int C) { return (k & 1) * C + (k >> 1) * Wd * C; }

// Over even H and W (28 and 14 here, so tfjs's 'same' padding adds nothing), out = act(max of each
// window): our activations all increase, so the max of act(x) is act of the max of x, and pooling
// first evaluates them on a quarter of the values. (Only where act(x) ties and x does not, i.e.
// where act saturates and its gradient is 0, could the max's position differ from tfjs's.)
// out[b, oh+pad, ow+pad, c] lands in a buffer with a border of `pad` pixels; win[b,oh,ow,c] says
// which of the window's four inputs was the max (the first, in row-major order, on ties), for the
// backward pass. Four channels at a time; with C >= 4 the last group overlaps the one before (it
// rewrites the same values), so no channel count needs a scalar tail.
static void maxpool_act_forward(const float *in, float *out, int pad, int *win, int B, int H, int Wd, int C,
                                int kind) {
  int OH = H / 2, OW = Wd / 2, PW = OW + 2 * pad;
  for (int b = 0; b < B; b++)
    for (int oh = 0; oh < OH; oh++)
      for (int ow = 0; ow < OW; ow++) {
        const float *q = in + ((b * H + 2 * oh) * Wd + 2 * ow) * C;  // window input k at q + window_offset(k)
        float *o = out + ((b * (OH + 2 * pad) + oh + pad) * PW + ow + pad) * C;
        int *wi = win + ((b * OH + oh) * OW + ow) * C;
        if (C < 4) {
          for (int c = 0; c < C; c++) {
            int best = 0;
            for (int k = 1; k < 4; k++)
              if (q[window_offset(k, Wd, C) + c] > q[window_offset(best, Wd, C) + c]) best = k;
            o[c] = q[window_offset(best, Wd, C) + c];
            wi[c] = best;
          }
          continue;
        }
        for (int c = 0; c < C; c += 4) {
          int at = c + 4 <= C ? c : C - 4;
          v128_t best = wasm_v128_load(q + at), which = wasm_i32x4_splat(0);
          for (int k = 1; k < 4; k++) {
            v128_t v = wasm_v128_load(q + window_offset(k, Wd, C) + at), more = wasm_f32x4_gt(v, best);
            best = wasm_v128_bitselect(v, best, more);
            which = wasm_v128_bitselect(wasm_i32x4_splat(k), which, more);
          }
          wasm_v128_store(o + at, best);
          wasm_v128_store(wi + at, which);
        }
      }
  // the activation, on each output row's OW*C values at once (no lanes wasted on a window's
  // last, overlapping group of channels)
  for (int b = 0; b < B; b++)
    for (int oh = 0; oh < OH; oh++) {
      float *row = out + ((b * (OH + 2 * pad) + oh + pad) * PW + pad) * C;
      int m = OW * C, i = 0;
      for (; i + 4 <= m; i += 4) wasm_v128_store(row + i, act4(wasm_v128_load(row + i), kind));
      if (i < m) {
        v128_t v = act4(wasm_v128_load(row + m - 4), kind);  // ends at the row's end; lanes done above are not stored
        float last[4];
        wasm_v128_store(last, v);
        for (; i < m; i++) row[i] = last[i - (m - 4)];
      }
    }
}

// The gradient of maxpool_act_forward: each input gets act'(y) times its window's gradient if it
// was the window's max, else 0 (y: the pooled, activated output, laid out as dout). Windows do not
// overlap, so every input is written once.
static void maxpool_act_backward(const float *dout, const float *y, int pad, const int *win, float *din, int B,
                                 int H, int Wd, int C, int kind) {
  int OH = H / 2, OW = Wd / 2, PW = OW + 2 * pad;
  for (int b = 0; b < B; b++)
    for (int oh = 0; oh < OH; oh++)
      for (int ow = 0; ow < OW; ow++) {
        float *q = din + ((b * H + 2 * oh) * Wd + 2 * ow) * C;
        int at0 = ((b * (OH + 2 * pad) + oh + pad) * PW + ow + pad) * C;
        const float *d = dout + at0, *yo = y + at0;
        const int *wi = win + ((b * OH + oh) * OW + ow) * C;
        if (C < 4) {
          for (int c = 0; c < C; c++)
            for (int k = 0; k < 4; k++)
              q[window_offset(k, Wd, C) + c] = wi[c] == k ? d[c] * act_grad(yo[c], kind) : 0.0f;
          continue;
        }
        for (int c = 0; c < C; c += 4) {
          int at = c + 4 <= C ? c : C - 4;
          v128_t g = wasm_f32x4_mul(wasm_v128_load(d + at), act_grad4(wasm_v128_load(yo + at), kind));
          v128_t which = wasm_v128_load(wi + at);
          for (int k = 0; k < 4; k++)
            wasm_v128_store(q + window_offset(k, Wd, C) + at,
                            wasm_v128_and(g, wasm_i32x4_eq(which, wasm_i32x4_splat(k))));
        }
      }
}

// conv1 and pool1 backward in one pass: conv1's filter and bias gradients straight from pool1's
// gradient. Only a window's max gets a gradient (the other three inputs get 0), so rather than the
// dense product of the patches with a conv1 gradient that is three-quarters zeros, each window adds
// its max's 3x3 input patch times its gradient. Per channel, three vectors in `acc` (12 * C floats)
// hold the filter gradient's rows (lane 3 unused). x is the zero-bordered input (B,30,30), dout and
// y (pool1's gradient and output) are (B,16,16,C) with their border, dw_dbias is (3,3,1,C) then (C).
static void conv1_maxpool_act_backward(const float *x, const float *dout, const float *y, const int *win,
                                       float *dw_dbias, int B, int C, int kind) {
  float *db = dw_dbias + TAPS * C;
  // channel by channel, so that its filter's three rows stay in registers over the whole batch
  for (int c = 0; c < C; c++) {
    v128_t r0 = wasm_f32x4_splat(0.0f), r1 = r0, r2 = r0;
    float bias = 0.0f;
    for (int b = 0; b < B; b++)
      for (int oh = 0; oh < POOL1; oh++)
        for (int ow = 0; ow < POOL1; ow++) {
          int at = ((b * POOL1_PADDED + oh + 1) * POOL1_PADDED + ow + 1) * C + c;
          float g = dout[at] * act_grad(y[at], kind);
          if (g == 0.0f) continue;
          bias += g;
          int k = win[((b * POOL1 + oh) * POOL1 + ow) * C + c];
          const float *p = x + (b * IMG_PADDED + 2 * oh + (k >> 1)) * IMG_PADDED + 2 * ow + (k & 1);
          v128_t gv = wasm_f32x4_splat(g);
          r0 = wasm_f32x4_add(r0, wasm_f32x4_mul(wasm_v128_load(p), gv));
          r1 = wasm_f32x4_add(r1, wasm_f32x4_mul(wasm_v128_load(p + IMG_PADDED), gv));
          r2 = wasm_f32x4_add(r2, wasm_f32x4_mul(wasm_v128_load(p + 2 * IMG_PADDED), gv));
        }
    float rows[12];
    wasm_v128_store(rows, r0), wasm_v128_store(rows + 4, r1), wasm_v128_store(rows + 8, r2);
    for (int tap = 0; tap < TAPS; tap++) dw_dbias[tap * C + c] = rows[(tap / 3) * 4 + tap % 3];
    db[c] = bias;
  }
}

// ----------------------------------------------------------------------------------------------
// dense

// y (B,N) = act(x (B,M) w (M,N) + bias)
static void dense_forward(const float *x, const float *w, const float *bias, float *y, int B, int M, int N,
                          int kind) {
  gemm(B, N, M, x, M, 1, w, N, y, N, bias, kind);
}

// From d (B,N), the gradient of the output before its activation: dw = x^T d, dbias = column sums
// of d, and dx = d w^T when dx != 0. dx is computed transposed, dx^T = w d^T, so that only d and
// dx^T (B x N and M x B) are transposed, not w (M x N: 94,080 floats for fc1); dt and xt are
// scratch for those two.
static void dense_backward(const float *x, const float *w, const float *d, float *dw, float *dbias, float *dx,
                           float *dt, float *xt, int B, int M, int N) {
  gemm(M, N, B, x, 1, M, d, N, dw, N, 0, NO_ACT);
  column_sums(d, B, N, dbias);
  if (!dx) return;
  transpose(d, B, N, dt);
  gemm(M, B, N, w, N, 1, dt, B, xt, B, 0, NO_ACT);
  transpose(xt, M, B, dx);
}

// ----------------------------------------------------------------------------------------------
// softmax and categorical cross-entropy

// z (B,K) becomes softmax(z), row by row (the max subtracted first)
static void softmax_forward(float *z, int B, int K) {
  for (int b = 0; b < B; b++) {
    float *row = z + b * K, mx = row[0], s = 0.0f;
    for (int k = 1; k < K; k++) mx = row[k] > mx ? row[k] : mx;
    for (int k = 0; k < K; k++) row[k] = expf_(row[k] - mx), s += row[k];
    for (int k = 0; k < K; k++) row[k] /= s;
  }
}

// dz (B,K): the gradient of the cross-entropy of softmax probabilities p against class labels
// smoothed by `smoothing` (each label's target 1 - smoothing + smoothing / K, every other class's
// smoothing / K: onehot(label) at 0), with respect to the logits, each image's weighted by `scale`:
// (p - target) * scale
static void softmax_crossentropy_backward(const float *p, const int *labels, float *dz, int B, int K, float scale,
                                          float smoothing) {
  float other = smoothing / K, own = 1.0f - smoothing + other;
  for (int b = 0; b < B; b++)
    for (int k = 0; k < K; k++) dz[b * K + k] = (p[b * K + k] - (k == labels[b] ? own : other)) * scale;
}

// ----------------------------------------------------------------------------------------------
// adam

// Adam as tfjs computes it, on the sum of the gradients gs[0] + gs[1] + ... + gs[count-1], added in
// that order (so a given thread count always gives the same bits), for parameters [from, to)
// (from a multiple of 4, so that threads can split the work); accB1 and accB2 are beta1^t and
// beta2^t:
//   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;  w -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
// with, for a weight decay wd above 0, the decoupled decay of AdamW (Loshchilov and Hutter): w -= lr wd w,
// of the weight before this step; and, with a decay above 0, the weights' exponential moving average:
// avg = decay avg + (1 - decay) w.
static void adam_update(float *w, float *m1, float *m2, float *avg, float decay, const float *const *gs, int count,
                        float lr, float b1, float b2, float eps, float accB1, float accB2, float wd, int from,
                        int to) {
  const v128_t vb1 = wasm_f32x4_splat(b1), vb2 = wasm_f32x4_splat(b2), nb1 = wasm_f32x4_splat(1.0f - b1),
               nb2 = wasm_f32x4_splat(1.0f - b2), c1 = wasm_f32x4_splat(1.0f / (1.0f - accB1)),
               c2 = wasm_f32x4_splat(1.0f / (1.0f - accB2)), veps = wasm_f32x4_splat(eps), vlr = wasm_f32x4_splat(lr),
               vd = wasm_f32x4_splat(decay), nd = wasm_f32x4_splat(1.0f - decay), vshrink = wasm_f32x4_splat(lr * wd);
  int i = from;
  for (; i + 4 <= to; i += 4) {
    v128_t gi = wasm_v128_load(gs[0] + i);
    for (int t = 1; t < count; t++) gi = wasm_f32x4_add(gi, wasm_v128_load(gs[t] + i));
    v128_t m = wasm_f32x4_add(wasm_f32x4_mul(vb1, wasm_v128_load(m1 + i)), wasm_f32x4_mul(nb1, gi));
    v128_t v = wasm_f32x4_add(wasm_f32x4_mul(vb2, wasm_v128_load(m2 + i)), wasm_f32x4_mul(wasm_f32x4_mul(nb2, gi), gi));
    wasm_v128_store(m1 + i, m), wasm_v128_store(m2 + i, v);
    v128_t step = wasm_f32x4_div(wasm_f32x4_mul(vlr, wasm_f32x4_mul(m, c1)),
                                 wasm_f32x4_add(wasm_f32x4_sqrt(wasm_f32x4_mul(v, c2)), veps));
    v128_t old = wasm_v128_load(w + i), next = wasm_f32x4_sub(old, step);
    if (wd > 0.0f) next = wasm_f32x4_sub(next, wasm_f32x4_mul(vshrink, old));
    wasm_v128_store(w + i, next);
    if (decay > 0.0f)
      wasm_v128_store(avg + i, wasm_f32x4_add(wasm_f32x4_mul(vd, wasm_v128_load(avg + i)), wasm_f32x4_mul(nd, next)));
  }
  float s1 = 1.0f / (1.0f - accB1), s2 = 1.0f / (1.0f - accB2);
  for (; i < to; i++) {
    float gi = gs[0][i];
    for (int t = 1; t < count; t++) gi += gs[t][i];
    float m = m1[i] = b1 * m1[i] + (1.0f - b1) * gi;
    float v = m2[i] = b2 * m2[i] + (1.0f - b2) * gi * gi;
    // the same update as above, rounded as w - (step + lr wd w) (the recorded runs in results/ were made so)
    float step = lr * (m * s1) / (__builtin_sqrtf(v * s2) + eps);
    w[i] -= wd > 0.0f ? step + lr * wd * w[i] : step;
    if (decay > 0.0f) avg[i] = decay * avg[i] + (1.0f - decay) * w[i];
  }
}

// ----------------------------------------------------------------------------------------------
// the model

// The ten weight tensors, in tfjs's order (each kernel, then its bias), as pointers into one flat
// array: the parameters, or their gradients. Made from a Net's `sizes` at each call (ten
// additions), not stored in the Net: the Net's size places every buffer after it, and the
// buffers' placement measurably changes the two-thread speed (about 5% at batch 128).
typedef struct {
  float *conv1w;  // (3,3,1,C1)
  float *conv1b;  // (C1)
  float *conv2w;  // (3,3,C1,C2)
  float *conv2b;  // (C2)
  float *fc1w;    // (F,H1), F = 7*7*C2 in (h,w,c) order
  float *fc1b;    // (H1)
  float *fc2w;    // (H1,H2)
  float *fc2b;    // (H2)
  float *outw;    // (H2,K)
  float *outb;    // (K)
} Tensors;

// The sizes of the ten tensors of a configuration, in order; returns their total.
static int tensor_sizes(int sizes[10], int c1, int c2, int h1, int h2, int k) {
  int F = POOL2_PIXELS * c2;
  int s[10] = {TAPS * c1, c1, TAPS * c1 * c2, c2, F * h1, h1, h1 * h2, h2, h2 * k, k};
  int count = 0;
  for (int i = 0; i < 10; i++) sizes[i] = s[i], count += s[i];
  return count;
}

// Points t at the tensors laid out back to back from `base`.
static void tensors_at(Tensors *t, float *base, const int sizes[10]) {
  float **slots[10] = {&t->conv1w, &t->conv1b, &t->conv2w, &t->conv2b, &t->fc1w,
                       &t->fc1b,   &t->fc2w,   &t->fc2b,   &t->outw,   &t->outb};
  for (int i = 0; i < 10; i++) *slots[i] = base, base += sizes[i];
}

// A Net is one worker's view of a training: the parameters and Adam's moments, shared by every
// Net of a trainer, and its own gradients and activations for its share of each batch. Its
// fields live in linear memory, not in C globals, so that two WebAssembly instances on one shared
// memory (one per thread) can each run their own Net. Shapes for B = max_batch images:
typedef struct {
  int c1, c2, h1, h2, k, kind, max_batch, count;
  int sizes[10];               // of the ten tensors, which lie back to back in P (and in G)
  float *P, *M1, *M2;          // parameters and Adam's two moments (count floats each), shared
  float *AVG;                  // the parameters' moving average (count floats), shared
  float *G;                    // gradients of this Net's images (scaled by 1 / the whole batch)
  // forward
  float *X;                    // (B,30,30)      input with a zero border
  float *A1;                   // (B,28,28,C1)   conv1, before the activation
  float *P1;                   // (B,16,16,C1)   pool1 + act, with a zero border for conv2
  float *COL2;                 // (B*196, 9C1+1) conv2's patches and a ones column
  float *A2;                   // (B,14,14,C2)   conv2, before the activation
  float *P2;                   // (B,7,7,C2)     pool2 + act = fc1's input (B,F)
  float *D1, *D2;              // (B,H1), (B,H2) fc1 and fc2 after the activation
  float *Z;                    // (B,K)          softmax probabilities
  int *ARG1, *ARG2;            // (B,14,14,C1), (B,7,7,C2): which input of each window was its max
  // backward: the gradient of each of the above, and scratch
  float *DP1, *DA2, *DP2, *DD1, *DD2, *DZ;
  float *DA2P;                 // (B,16,16,C2)   DA2 with a zero border, for conv2's input gradient
  float *WF;                   // (3,3,C2,C1 rounded up to 8) conv2's w turned half a turn
  float *DT, *XT;              // (B * widest)   dense_backward's transposes
  float *FIELD;                // (28,28,2)      an image's elastic displacements (augmentation)
  float *NOISE;                // (3,28,28)      Simard's noise fields and a blur pass (augmentation)
} Net;

// the next `floats` floats from *heap (16-byte aligned), and 64 bytes of slack after them (see the
// matrix product)
static void *take(unsigned char **heap, int floats) {
  void *p = *heap;
  *heap += (floats * 4 + 64 + 15) & ~15;
  return p;
}

// Lays out a Net and its buffers from `n` (16-byte aligned, in memory fresh from instantiation
// or growth, so Adam's moments start at zero) and returns the first byte after them. With `share`,
// the new Net uses that Net's parameters and moments. Writes only the Net itself, so the caller
// can grow memory to the returned size afterwards.
EXPORT(lenet_init)
unsigned int lenet_init(Net *n, int c1, int c2, int h1, int h2, int k, int kind, int max_batch, const Net *share) {
  n->c1 = c1, n->c2 = c2, n->h1 = h1, n->h2 = h2, n->k = k, n->kind = kind, n->max_batch = max_batch;
  int F = POOL2_PIXELS * c2;
  n->count = tensor_sizes(n->sizes, c1, c2, h1, h2, k);
  unsigned char *heap = (unsigned char *)n + ((sizeof(Net) + 15) & ~15);
  if (share) n->P = share->P, n->M1 = share->M1, n->M2 = share->M2, n->AVG = share->AVG;
  else {
    n->P = take(&heap, n->count), n->M1 = take(&heap, n->count), n->M2 = take(&heap, n->count);
    n->AVG = take(&heap, n->count);
  }
  n->G = take(&heap, n->count);
  int B = max_batch, widest = F;  // the widest dense layer
  if (h1 > widest) widest = h1;
  if (h2 > widest) widest = h2;
  if (k > widest) widest = k;
  n->X = take(&heap, B * IMG_PADDED * IMG_PADDED);
  n->A1 = take(&heap, B * IMG_PIXELS * c1);
  n->P1 = take(&heap, B * POOL1_PADDED * POOL1_PADDED * c1);
  n->DP1 = take(&heap, B * POOL1_PADDED * POOL1_PADDED * c1), n->ARG1 = take(&heap, B * POOL1_PIXELS * c1);
  n->COL2 = take(&heap, B * POOL1_PIXELS * (TAPS * c1 + 1));
  n->DA2P = take(&heap, B * POOL1_PADDED * POOL1_PADDED * c2);
  n->A2 = take(&heap, B * POOL1_PIXELS * c2), n->DA2 = take(&heap, B * POOL1_PIXELS * c2);
  n->P2 = take(&heap, B * F), n->DP2 = take(&heap, B * F), n->ARG2 = take(&heap, B * F);
  n->D1 = take(&heap, B * h1), n->DD1 = take(&heap, B * h1), n->D2 = take(&heap, B * h2), n->DD2 = take(&heap, B * h2);
  n->Z = take(&heap, B * k), n->DZ = take(&heap, B * k), n->WF = take(&heap, TAPS * c2 * ((c1 + 7) & ~7));
  n->DT = take(&heap, B * widest), n->XT = take(&heap, B * widest);
  n->FIELD = take(&heap, 2 * IMG_PIXELS), n->NOISE = take(&heap, 3 * IMG_PIXELS);
  return (unsigned int)heap;
}

EXPORT(lenet_params) float *lenet_params(const Net *n) { return n->P; }
EXPORT(lenet_param_count) int lenet_param_count(const Net *n) { return n->count; }
EXPORT(lenet_grads) float *lenet_grads(const Net *n) { return n->G; }
EXPORT(lenet_moments) float *lenet_moments(const Net *n, int second) { return second ? n->M2 : n->M1; }
EXPORT(lenet_average) float *lenet_average(const Net *n) { return n->AVG; }
EXPORT(lenet_probs) float *lenet_probs(const Net *n) { return n->Z; }

// ----------------------------------------------------------------------------------------------
// forward, backward, update

// Forward pass of B images x (B,28,28,1), floats or (bytes != 0) 8-bit pixels, the latter each
// through its transform when `affine` is not 0 (TRANSFORM_FLOATS per image); leaves the softmax
// probabilities in Z.
EXPORT(lenet_forward)
void lenet_forward(Net *n, const void *x, int B, int bytes, const float *affine) {
  Tensors params;
  tensors_at(&params, n->P, n->sizes);
  const Tensors *p = &params;
  int C1 = n->c1, C2 = n->c2, F = POOL2_PIXELS * C2, kind = n->kind;
  if (affine) augment_bytes_forward(x, affine, n->X, n->FIELD, n->NOISE, B);
  else if (bytes) pad_bytes_forward(x, n->X, B, IMG, IMG);
  else pad_forward(x, n->X, B, IMG, IMG, 1);
  conv3x3_direct(n->X, p->conv1w, C1, p->conv1b, n->A1, 0, B, IMG, IMG, 1, C1);
  maxpool_act_forward(n->A1, n->P1, 1, n->ARG1, B, IMG, IMG, C1, kind);
  conv3x3_forward(n->P1, n->COL2, p->conv2w, p->conv2b, n->A2, B, POOL1, POOL1, C1, C2, 1);
  maxpool_act_forward(n->A2, n->P2, 0, n->ARG2, B, POOL1, POOL1, C2, kind);
  dense_forward(n->P2, p->fc1w, p->fc1b, n->D1, B, F, n->h1, kind);
  dense_forward(n->D1, p->fc2w, p->fc2b, n->D2, B, n->h1, n->h2, kind);
  dense_forward(n->D2, p->outw, p->outb, n->Z, B, n->h2, n->k, NO_ACT);
  softmax_forward(n->Z, B, n->k);
}

// Gradients of the categorical cross-entropy of this Net's B images (softmax output Z from
// lenet_forward, labels as class indices, smoothed by `smoothing`) into G, each image's weighted by
// `scale` (1 / the whole batch, so that the gradients of all Nets add up to that of the batch's
// mean loss). The layers of lenet_forward in reverse order.
EXPORT(lenet_backward)
void lenet_backward(Net *n, const int *labels, int B, float scale, float smoothing) {
  Tensors params, grads;
  tensors_at(&params, n->P, n->sizes), tensors_at(&grads, n->G, n->sizes);
  const Tensors *p = &params, *g = &grads;
  int C1 = n->c1, C2 = n->c2, F = POOL2_PIXELS * C2, kind = n->kind;
  softmax_crossentropy_backward(n->Z, labels, n->DZ, B, n->k, scale, smoothing);
  dense_backward(n->D2, p->outw, n->DZ, g->outw, g->outb, n->DD2, n->DT, n->XT, B, n->h2, n->k);
  act_backward(n->DD2, n->D2, B * n->h2, kind);
  dense_backward(n->D1, p->fc2w, n->DD2, g->fc2w, g->fc2b, n->DD1, n->DT, n->XT, B, n->h1, n->h2);
  act_backward(n->DD1, n->D1, B * n->h1, kind);
  dense_backward(n->P2, p->fc1w, n->DD1, g->fc1w, g->fc1b, n->DP2, n->DT, n->XT, B, F, n->h1);
  maxpool_act_backward(n->DP2, n->P2, 0, n->ARG2, n->DA2, B, POOL1, POOL1, C2, kind);
  conv3x3_backward(n->COL2, p->conv2w, n->DA2, g->conv2w, n->DA2P, n->WF, n->DP1, B, POOL1, POOL1, C1, C2);
  conv1_maxpool_act_backward(n->X, n->DP1, n->P1, n->ARG1, g->conv1w, B, C1, kind);
}

// The most threads (Nets) a training can have.
#define MAX_NETS 64

// Adam on the sum of the gradients of nets[0..count) (every thread's Net, in thread order: the
// same order every step), for parameters [from, to); with `decay` above 0, the moving average too.
// A count past MAX_NETS traps: the caller broke the contract lenet_contract states.
static void lenet_adam(Net *n, Net *const *nets, int count, float lr, float b1, float b2, float eps, float accB1,
                float accB2, float wd, float decay, int from, int to) {
  const float *gs[MAX_NETS];
  if (count < 1 || count > MAX_NETS) __builtin_trap();
  for (int t = 0; t < count; t++) gs[t] = nets[t]->G;
  adam_update(n->P, n->M1, n->M2, n->AVG, decay, gs, count, lr, b1, b2, eps, accB1, accB2, wd, from, to);
}

// ----------------------------------------------------------------------------------------------
// threads: a fork/join pool on the shared memory
//
// The trainer's thread is worker 0; helpers 1..T-1 each run lenet_serve on a thread of their own,
// on the same memory. For each phase of a step (forward and backward over the batch, then Adam),
// worker 0 writes the phase, bumps `generation` and does its own share; each helper sees the bump,
// does its share and writes the generation into its own `done` line; worker 0 then waits for every
// helper's line. Each word one thread writes and another reads has a 64-byte line of its own. A
// thread that waits spins on atomic loads first (the next phase is usually that close), then
// sleeps in memory.atomic.wait32, re-checking in a loop; a thread notifies only when another
// sleeps. The shares: images [ceil(t n / T), ceil((t+1) n / T)) for the passes, parameters from
// floor(t count / T) & ~3 for Adam, so that every sum keeps its order and a seeded run its bits
// for a given thread count (another count splits the batch, and so the sums, differently).

#define SPINS 200000  // atomic loads before sleeping: about 0.1-0.2 ms here, the JavaScript side of a step

enum { TASK_FORWARD_BACKWARD = 1, TASK_ADAM = 2, TASK_FORWARD = 3, TASK_QUIT = -1 };

typedef struct __attribute__((aligned(64))) {
  int value;
} Line;

typedef struct __attribute__((aligned(64))) {
  int task, n, active, pixels, count;  // pixels: 0 floats, 1 bytes, 2 bytes with transforms
  const void *x;
  const int *labels;
  const float *transforms;
  Net *const *nets;
  float scale, smoothing, lr, b1, b2, eps, accB1, accB2, wd, decay;
} Phase;

typedef struct {
  Line generation;  // worker 0 bumps it to start a phase
  Line sleepers;    // helpers asleep on `generation`
  Line waiting;     // worker 0 asleep on a `done` line
  Line failed;      // set (by the helper's JavaScript) when a helper's share trapped
  Phase phase;      // written by worker 0 before the bump, read by the helpers after it
  Line done[MAX_NETS];
  int threads;
} Pool;

static int load(int *word) { return __atomic_load_n(word, __ATOMIC_SEQ_CST); }
static void store(int *word, int value) { __atomic_store_n(word, value, __ATOMIC_SEQ_CST); }

// Waits until *word is no longer `old`; returns its new value.
static int await_change(int *word, int old, int *sleepers) {
  for (int i = 0; i < SPINS; i++) {
    int now = load(word);
    if (now != old) return now;
  }
  for (;;) {
    __atomic_fetch_add(sleepers, 1, __ATOMIC_SEQ_CST);
    __builtin_wasm_memory_atomic_wait32(word, old, -1);  // returns at once when *word moved already
    __atomic_fetch_add(sleepers, -1, __ATOMIC_SEQ_CST);
    int now = load(word);
    if (now != old) return now;
  }
}

// Where worker t's images start in a batch of n split over `threads`: ceil(t n / threads). The
// TypeScript side asks it too, to find each thread's softmax outputs.
EXPORT(lenet_share)
int lenet_share(int t, int n, int threads) { return (int)(((long long)t * n + threads - 1) / threads); }

static int adam_from(int t, int count, int threads) {
  return t == threads ? count : (int)((long long)t * count / threads) & ~3;
}

// Worker t's share of the phase.
static void work(Pool *p, int t) {
  const Phase *f = &p->phase;
  if (t >= f->active) return;
  Net *n = f->nets[t];
  if (f->task == TASK_ADAM) {
    lenet_adam(n, f->nets, f->active, f->lr, f->b1, f->b2, f->eps, f->accB1, f->accB2, f->wd, f->decay,
               adam_from(t, f->count, f->active), adam_from(t + 1, f->count, f->active));
    return;
  }
  int first = lenet_share(t, f->n, f->active), count = lenet_share(t + 1, f->n, f->active) - first;
  int bytes = f->pixels != 0;
  const unsigned char *x = (const unsigned char *)f->x + (long)first * IMG_PIXELS * (bytes ? 1 : 4);
  lenet_forward(n, x, count, bytes, f->pixels == 2 ? f->transforms + (long)first * TRANSFORM_FLOATS : 0);
  if (f->task == TASK_FORWARD_BACKWARD) lenet_backward(n, f->labels + first, count, f->scale, f->smoothing);
}

// Starts the phase written in p->phase on every helper, does worker 0's share, and waits for the
// helpers. Returns 0, or 1 when a helper failed.
static int run_phase(Pool *p) {
  int generation = __atomic_fetch_add(&p->generation.value, 1, __ATOMIC_SEQ_CST) + 1;
  if (load(&p->sleepers.value) > 0) __builtin_wasm_memory_atomic_notify(&p->generation.value, MAX_NETS);
  work(p, 0);
  for (int t = 1; t < p->threads; t++) {
    int *done = &p->done[t].value;
    for (int i = 0; load(done) != generation; i++) {
      if (load(&p->failed.value)) return 1;
      if (i < SPINS) continue;
      store(&p->waiting.value, 1);
      int now = load(done);
      if (now != generation) __builtin_wasm_memory_atomic_wait32(done, now, 1000000);  // re-check each ms
    }
  }
  store(&p->waiting.value, 0);
  return load(&p->failed.value);
}

// The bytes of a Pool, for the TypeScript side's layout.
EXPORT(lenet_pool_bytes) int lenet_pool_bytes(void) { return (int)sizeof(Pool); }

// Makes a pool for `threads` workers at p (64-byte aligned).
EXPORT(lenet_pool_init)
void lenet_pool_init(Pool *p, int threads) {
  if (threads < 1 || threads > MAX_NETS) __builtin_trap();
  __builtin_memset(p, 0, sizeof(Pool));
  p->threads = threads;
}

// Forward passes (and, with labels, backward passes against them smoothed by `smoothing`) of the n
// images at x over the first `active` workers, each on its share; pixels as Phase.pixels says.
// Returns 0, or 1 when a helper failed.
EXPORT(lenet_run_passes)
int lenet_run_passes(Pool *p, Net *const *nets, int active, const void *x, int n, int pixels,
                     const float *transforms, const int *labels, float scale, float smoothing) {
  if (active < 1 || active > p->threads) __builtin_trap();
  Phase *f = &p->phase;
  f->task = labels ? TASK_FORWARD_BACKWARD : TASK_FORWARD, f->nets = nets, f->active = active;
  f->x = x, f->n = n, f->pixels = pixels, f->transforms = transforms, f->labels = labels, f->scale = scale;
  f->smoothing = smoothing;
  return run_phase(p);
}

// Adam (AdamW for a weight decay wd above 0) over the `count` parameters, split over the first
// `active` workers, each summing the gradients of all `active` Nets. Returns 0, or 1 when a helper
// failed.
EXPORT(lenet_run_adam)
int lenet_run_adam(Pool *p, Net *const *nets, int active, int count, float lr, float b1, float b2,
                   float eps, float accB1, float accB2, float wd, float decay) {
  if (active < 1 || active > p->threads) __builtin_trap();
  Phase *f = &p->phase;
  f->task = TASK_ADAM, f->nets = nets, f->active = active, f->count = count;
  f->lr = lr, f->b1 = b1, f->b2 = b2, f->eps = eps, f->accB1 = accB1, f->accB2 = accB2, f->wd = wd;
  f->decay = decay;
  return run_phase(p);
}

// Helper t's loop: each phase's share until the pool says quit. A trap leaves it (its JavaScript
// then marks the pool failed and its line done).
EXPORT(lenet_serve)
void lenet_serve(Pool *p, int t) {
  for (int seen = 0;;) {
    seen = await_change(&p->generation.value, seen, &p->sleepers.value);
    if (p->phase.task == TASK_QUIT) return;
    work(p, t);
    store(&p->done[t].value, seen);
    if (load(&p->waiting.value)) __builtin_wasm_memory_atomic_notify(&p->done[t].value, 1);
  }
}

// The failure a helper's JavaScript reports: the pool is failed, and helper t's line says the
// phase is over, so that worker 0 stops waiting.
EXPORT(lenet_pool_fail)
void lenet_pool_fail(Pool *p, int t) {
  store(&p->failed.value, 1);
  store(&p->done[t].value, load(&p->generation.value));
  __builtin_wasm_memory_atomic_notify(&p->done[t].value, 1);
}

// Tells every helper to leave lenet_serve.
EXPORT(lenet_pool_quit)
void lenet_pool_quit(Pool *p) {
  p->phase.task = TASK_QUIT;
  __atomic_fetch_add(&p->generation.value, 1, __ATOMIC_SEQ_CST);
  __builtin_wasm_memory_atomic_notify(&p->generation.value, MAX_NETS);
}

// ----------------------------------------------------------------------------------------------
// the contract with TypeScript

// The constants the TypeScript side lays memory out by, read once at load and checked against its
// own (src/engines/fused/_wasm.ts): 0 the image side, 1 the most threads, 2 the floats of one
// image's transform, 3 the elastic grid's side, 4 the largest radius of Simard's smoothing; -1 past
// the list.
EXPORT(lenet_contract)
int lenet_contract(int which) {
  switch (which) {
  case 0: return IMG;
  case 1: return MAX_NETS;
  case 2: return TRANSFORM_FLOATS;
  case 3: return ELASTIC_GRID;
  case 4: return SIMARD_MAX_RADIUS;
  default: return -1;
  }
}
