// blocks.h: the SIMD building blocks of both WebAssembly modules (lenet.c, the fused training
// step; kernels.c, the tfjs engine's training kernels): activations, the blocked matrix product,
// and the 3x3 'same' convolution as patches (im2col) or read in place. Static functions: each
// module compiles its own copy, and the relaxed build of a module gets fused multiply-adds.
#ifndef LENET_BLOCKS_H
#define LENET_BLOCKS_H
#include "simd.h"

enum { TAPS = 9 };  // taps of a 3x3 filter
enum { SIGMOID = 0, RELU = 1, TANH = 2, ELU = 3, NO_ACT = -1 };

// ----------------------------------------------------------------------------------------------
// activations

// exp on four lanes, Cephes-style: x = k ln 2 + r with |r| <= ln 2 / 2, e^r by a polynomial, 2^k
// into the exponent; |rel err| < 2e-7 on [-87, 88]. The clamp is pmin/pmax (one instruction each,
// where min/max need NaN fix-ups); k is rounded by adding 1.5 * 2^23, whose low mantissa bits then
// hold k, so shifting them into the exponent field gives 2^k without a float-to-int conversion.
static inline v128_t exp4(v128_t x) {
  const v128_t magic = wasm_f32x4_splat(12582912.0f);
  x = wasm_f32x4_pmin(wasm_f32x4_pmax(x, wasm_f32x4_splat(-87.0f)), wasm_f32x4_splat(88.0f));
  v128_t t = wasm_f32x4_add(wasm_f32x4_mul(x, wasm_f32x4_splat(1.44269504088896341f)), magic);
  v128_t k = wasm_f32x4_sub(t, magic);
  v128_t r = wasm_f32x4_add(wasm_f32x4_sub(x, wasm_f32x4_mul(k, wasm_f32x4_splat(0.693359375f))),
                            wasm_f32x4_mul(k, wasm_f32x4_splat(2.12194440e-4f)));
  v128_t p = wasm_f32x4_splat(1.9875691500e-4f);
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.3981999507e-3f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(8.3334519073e-3f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(4.1665795894e-2f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.6666665459e-1f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(5.0000001201e-1f));
  v128_t e = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_mul(p, r), r), r), wasm_f32x4_splat(1.0f));
  return wasm_i32x4_add(e, wasm_i32x4_shl(t, 23));
}

static inline float expf_(float x) { return wasm_f32x4_extract_lane(exp4(wasm_f32x4_splat(x)), 0); }

// act(x) on four lanes; NO_ACT leaves x as it is
static inline v128_t act4(v128_t x, int kind) {
  const v128_t one = wasm_f32x4_splat(1.0f), zero4 = wasm_f32x4_splat(0.0f);
  switch (kind) {
    case SIGMOID: return wasm_f32x4_div(one, wasm_f32x4_add(one, exp4(wasm_f32x4_neg(x))));
    case RELU: return wasm_f32x4_pmax(zero4, x);
    case TANH:
      return wasm_f32x4_sub(one,
                            wasm_f32x4_div(wasm_f32x4_splat(2.0f), wasm_f32x4_add(exp4(wasm_f32x4_add(x, x)), one)));
    case ELU: return wasm_v128_bitselect(x, wasm_f32x4_sub(exp4(x), one), wasm_f32x4_gt(x, zero4));
    default: return x;
  }
}

// d act / d x on four lanes, from the activation's output y
static inline v128_t act_grad4(v128_t y, int kind) {
  const v128_t one = wasm_f32x4_splat(1.0f), zero4 = wasm_f32x4_splat(0.0f);
  switch (kind) {
    case SIGMOID: return wasm_f32x4_mul(y, wasm_f32x4_sub(one, y));
    case RELU: return wasm_v128_and(wasm_f32x4_gt(y, zero4), one);
    case TANH: return wasm_f32x4_sub(one, wasm_f32x4_mul(y, y));
    default: return wasm_v128_bitselect(one, wasm_f32x4_add(y, one), wasm_f32x4_gt(y, zero4));
  }
}

static inline float act_grad(float y, int kind) {
  return wasm_f32x4_extract_lane(act_grad4(wasm_f32x4_splat(y), kind), 0);
}

// d[0..n) *= act'(y[0..n)): the backward pass of an activation, given its output
static void act_backward(float *d, const float *y, int n, int kind) {
  int i = 0;
  for (; i + 4 <= n; i += 4)
    wasm_v128_store(d + i, wasm_f32x4_mul(wasm_v128_load(d + i), act_grad4(wasm_v128_load(y + i), kind)));
  for (; i < n; i++) d[i] *= act_grad(y[i], kind);
}

// ----------------------------------------------------------------------------------------------
// small helpers

static inline void store_lanes(float *p, v128_t v, int count) {  // the first `count` lanes (>= 1)
  if (count >= 4) { wasm_v128_store(p, v); return; }
  p[0] = wasm_f32x4_extract_lane(v, 0);
  if (count > 1) p[1] = wasm_f32x4_extract_lane(v, 1);
  if (count > 2) p[2] = wasm_f32x4_extract_lane(v, 2);
}

// n floats from src to dst (n >= 4: whole vectors, the last one overlapping the one before)
static inline void copy_floats(float *dst, const float *src, int n) {
  if (n < 4) {
    for (int i = 0; i < n; i++) dst[i] = src[i];
    return;
  }
  for (int i = 0; i < n; i += 4) {
    int at = i + 4 <= n ? i : n - 4;
    wasm_v128_store(dst + at, wasm_v128_load(src + at));
  }
}

// out[j] = sum over rows of d[i*N + j]: a bias gradient
static void column_sums(const float *d, int M, int N, float *out) {
  zero(out, N);
  for (int i = 0; i < M; i++) axpy(out, 1.0f, d + i * N, N);
}

// dst[j*rows + i] = src[i*cols + j]
static void transpose(const float *src, int rows, int cols, float *dst) {
  for (int i = 0; i < rows; i++)
    for (int j = 0; j < cols; j++) dst[j * rows + i] = src[i * cols + j];
}

// ----------------------------------------------------------------------------------------------
// matrix product
// Every layer, forward and backward, is one matrix product C = A B (convolutions through im2col).
// A 4x8 block of C stays in eight SIMD registers while k runs over the inner dimension:
// each step loads one row of B (two vectors) and four scalars of A, and does eight multiply-adds,
// so the arithmetic is not starved by loads. A is read through strides, so A or A^T serve alike.
// Edges: the last rows of a block repeat row M-1 (computed, not stored); the last columns read
// up to 7 floats past a row of B. Lanes are independent, so those floats only
// reach columns that are never stored, and every buffer is followed by slack so the reads stay
// inside memory.

// One multiply-add into an accumulator: two instructions in the plain build (the same bits on every
// CPU); one fused multiply-add in the relaxed build (lenet_relaxed.wasm) where the CPU has one,
// rounded once, so its results differ from the plain build's in the last bits.
#ifdef __wasm_relaxed_simd__
#define MADD(acc, x, b) acc = wasm_f32x4_relaxed_madd(x, b, acc)
#else
#define MADD(acc, x, b) acc = wasm_f32x4_add(acc, wasm_f32x4_mul(x, b))
#endif

// row i of A, or its last row past the end
static inline const float *row_of(const float *A, int i, int M, int ars) { return A + (i < M ? i : M - 1) * ars; }

// C[i, j] = act(bias[j] + sum_k A[i*ars + k*aks] * B[k*ldb + j]), i < M, j < N; bias may be 0,
// kind NO_ACT for no activation. With `accumulate`, C's own values take the bias's place.
static void gemm_4x8(int M, int N, int K, const float *A, int ars, int aks, const float *B, int ldb, float *C,
                     int ldc, const float *bias, int kind, int accumulate) {
  for (int i = 0; i < M; i += 4) {
    const float *a0 = A + i * ars, *a1 = row_of(A, i + 1, M, ars);
    const float *a2 = row_of(A, i + 2, M, ars), *a3 = row_of(A, i + 3, M, ars);
    for (int j = 0; j < N; j += 8) {
      v128_t init0 = wasm_f32x4_splat(0.0f), init1 = init0;
      if (bias) init0 = wasm_v128_load(bias + j), init1 = wasm_v128_load(bias + j + 4);
      v128_t c00 = init0, c01 = init1, c10 = init0, c11 = init1, c20 = init0, c21 = init1, c30 = init0, c31 = init1;
      if (accumulate) {  // rows past M read row M-1 (never stored); columns past N read C's slack
        const float *r0 = C + i * ldc + j, *r1 = row_of(C + j, i + 1, M, ldc);
        const float *r2 = row_of(C + j, i + 2, M, ldc), *r3 = row_of(C + j, i + 3, M, ldc);
        c00 = wasm_v128_load(r0), c01 = wasm_v128_load(r0 + 4), c10 = wasm_v128_load(r1);
        c11 = wasm_v128_load(r1 + 4), c20 = wasm_v128_load(r2), c21 = wasm_v128_load(r2 + 4);
        c30 = wasm_v128_load(r3), c31 = wasm_v128_load(r3 + 4);
      }
      const float *b = B + j;
      for (int k = 0, ak = 0; k < K; k++, ak += aks, b += ldb) {
        v128_t b0 = wasm_v128_load(b), b1 = wasm_v128_load(b + 4);
        v128_t x = wasm_v128_load32_splat(a0 + ak);
        MADD(c00, x, b0), MADD(c01, x, b1);
        x = wasm_v128_load32_splat(a1 + ak);
        MADD(c10, x, b0), MADD(c11, x, b1);
        x = wasm_v128_load32_splat(a2 + ak);
        MADD(c20, x, b0), MADD(c21, x, b1);
        x = wasm_v128_load32_splat(a3 + ak);
        MADD(c30, x, b0), MADD(c31, x, b1);
      }
      int n = N - j;
      float *c = C + i * ldc + j;
#define STORE_ROW(r, lo, hi)                                          \
  if (i + r < M) {                                                    \
    store_lanes(c + r * ldc, act4(lo, kind), n);                      \
    if (n > 4) store_lanes(c + r * ldc + 4, act4(hi, kind), n - 4);   \
  }
      STORE_ROW(0, c00, c01) STORE_ROW(1, c10, c11) STORE_ROW(2, c20, c21) STORE_ROW(3, c30, c31)
#undef STORE_ROW
    }
  }
}

// The inner dimension is walked in chunks of this many steps when it is long (conv2's filter
// gradient sums over every pixel of the batch: 6,272 at 32 images) and the product adds nothing
// else: a chunk of A's and B's rows then stays in the L1 cache for every block of C that reads it,
// and C's block is reloaded between chunks (the same additions in the same order: the same bits).
enum { K_CHUNK = 128 };

// C = act(A B + bias). Always in 4x8 blocks: blocks of 3x16 (twelve accumulators and four rows of
// B live at once) need more than the sixteen SIMD registers V8 allocates on x86-64, and spill:
// measured 4x8 at 47 GFLOP/s against 3x16's 26 on conv2's forward product, the same bits.
static void gemm(int M, int N, int K, const float *A, int ars, int aks, const float *B, int ldb, float *C, int ldc,
                 const float *bias, int kind) {
  if (K <= 2 * K_CHUNK || bias || kind != NO_ACT) {
    gemm_4x8(M, N, K, A, ars, aks, B, ldb, C, ldc, bias, kind, 0);
    return;
  }
  for (int k0 = 0; k0 < K; k0 += K_CHUNK) {
    int kc = K - k0 < K_CHUNK ? K - k0 : K_CHUNK;
    gemm_4x8(M, N, kc, A + k0 * aks, ars, aks, B + k0 * ldb, ldb, C, ldc, 0, NO_ACT, k0 > 0);
  }
}

// ----------------------------------------------------------------------------------------------
// 3x3 convolution blocks

// x (B,H,W,C) into the interior of a zero-bordered (B,H+2,W+2,C)
static void pad_forward(const float *x, float *out, int B, int H, int Wd, int C) {
  for (int b = 0; b < B; b++)
    for (int h = 0; h < H; h++)
      copy_floats(out + ((b * (H + 2) + h + 1) * (Wd + 2) + 1) * C, x + ((b * H + h) * Wd) * C, Wd * C);
}

// 3x3 'same' patches, one row per pixel, from an input with a zero border of one pixel
// (B,H+2,W+2,C): col[(b,h,w), (kh*3+kw)*C + c] = in[b, h+kh, w+kw, c]. With `ones`, a last
// column of ones makes conv3x3_backward's filter-gradient product also sum the bias gradient.
static void im2col(const float *in, float *col, int B, int H, int Wd, int C, int ones) {
  int PW = Wd + 2, row = TAPS * C + ones;
  for (int b = 0; b < B; b++)
    for (int h = 0; h < H; h++)
      for (int w = 0; w < Wd; w++, col += row) {
        const float *p = in + ((b * (H + 2) + h) * PW + w) * C;
        // C == 1: one vector per 3-pixel row; each store's 4th lane is overwritten by the next (the
        // last row's, past the end, lands in the buffer's slack)
        if (C == 1) {
          for (int kh = 0; kh < 3; kh++) wasm_v128_store(col + kh * 3, wasm_v128_load(p + kh * PW));
        } else {
          for (int kh = 0; kh < 3; kh++) copy_floats(col + kh * 3 * C, p + kh * PW * C, 3 * C);
        }
        if (ones) col[TAPS * C] = 1.0f;
      }
}

// A 3x3 'same' convolution read in place (no im2col): out[b,h,w,f] = bias[f] + sum over
// (kh, kw, c) of in[b,h+kh,w+kw,c] w[kh,kw,c,f], in 4x8 blocks of (4 pixels of a row) x (8
// filters), the inner dimension walked tap by tap and channel by channel. `in` has a zero border
// (B,H+2,W+2,C); w's rows are `ldw` floats apart (at least F; the last block reads up to 7 floats
// past a row: slack). out is (B,H+2*pad,W+2*pad,F), only its interior written; bias may be 0.
// Used for conv1's forward pass (one channel: its inner dimension of 9 is too short for the
// patches matrix to pay for itself) and for conv2's input gradient, which is the convolution of the
// output gradient (with a zero border) by the kernel turned half a turn:
//   din[b,h,w,c] = sum_{kh,kw,f} doutp[b,h+kh,w+kw,f] w[2-kh,2-kw,c,f]
static void conv3x3_direct(const float *in, const float *w, int ldw, const float *bias, float *out, int pad, int B,
                           int H, int Wd, int C, int F) {
  int PW = Wd + 2, OW = Wd + 2 * pad;
  for (int b = 0; b < B; b++)
    for (int h = 0; h < H; h++)
      for (int w0 = 0; w0 < Wd; w0 += 4) {
        // the window of pixel w0 + r starts at in[b, h, w0 + r]; pixels past the row repeat its last
        const float *a[4];
        for (int r = 0; r < 4; r++) a[r] = in + ((b * (H + 2) + h) * PW + (w0 + r < Wd ? w0 + r : Wd - 1)) * C;
        for (int j = 0; j < F; j += 8) {
          v128_t init0 = wasm_f32x4_splat(0.0f), init1 = init0;
          if (bias) init0 = wasm_v128_load(bias + j), init1 = wasm_v128_load(bias + j + 4);
          v128_t c00 = init0, c01 = init1, c10 = init0, c11 = init1, c20 = init0, c21 = init1, c30 = init0, c31 = init1;
          const float *bk = w + j;
          for (int kh = 0; kh < 3; kh++)
            for (int kw = 0; kw < 3; kw++) {
              int off = (kh * PW + kw) * C;
              for (int c = 0; c < C; c++, bk += ldw) {
                v128_t b0 = wasm_v128_load(bk), b1 = wasm_v128_load(bk + 4);
                v128_t x = wasm_v128_load32_splat(a[0] + off + c);
                MADD(c00, x, b0), MADD(c01, x, b1);
                x = wasm_v128_load32_splat(a[1] + off + c);
                MADD(c10, x, b0), MADD(c11, x, b1);
                x = wasm_v128_load32_splat(a[2] + off + c);
                MADD(c20, x, b0), MADD(c21, x, b1);
                x = wasm_v128_load32_splat(a[3] + off + c);
                MADD(c30, x, b0), MADD(c31, x, b1);
              }
            }
          int n = F - j;
          float *o = out + ((b * (H + 2 * pad) + h + pad) * OW + w0 + pad) * F + j;
#define STORE_PIXEL(r, lo, hi)                                   \
  if (w0 + r < Wd) {                                             \
    store_lanes(o + r * F, lo, n);                               \
    if (n > 4) store_lanes(o + r * F + 4, hi, n - 4);            \
  }
          STORE_PIXEL(0, c00, c01) STORE_PIXEL(1, c10, c11) STORE_PIXEL(2, c20, c21) STORE_PIXEL(3, c30, c31)
#undef STORE_PIXEL
        }
      }
}

// w (3,3,C,F) turned half a turn and transposed for conv3x3_direct: wf (3,3,F,cp), lanes past C
// zero.
static void turn_kernel(const float *w, float *wf, int C, int F, int cp) {
  for (int kh = 0; kh < 3; kh++)
    for (int kw = 0; kw < 3; kw++)
      for (int f = 0; f < F; f++)
        for (int c = 0; c < cp; c++)
          wf[((kh * 3 + kw) * F + f) * cp + c] = c < C ? w[(((2 - kh) * 3 + 2 - kw) * C + c) * F + f] : 0.0f;
}

#endif
