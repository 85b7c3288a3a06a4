// A whole LeNet training step in one call: forward, categorical cross-entropy, backward and Adam,
// in C with WebAssembly SIMD. Weights, gradients, Adam moments and activations live in this
// module's memory, which is shared: a second instance on another thread (src/engines/fused/_worker.ts) runs
// the same step on the other half of each batch. JavaScript copies a batch in and reads the loss
// back. Build: deno task build:wasm
//
// Layout (float32, NHWC, tfjs's own weight order and shapes, so weights copy over unchanged):
//   conv1 W [3,3,1,C1] b [C1] | conv2 W [3,3,C1,C2] b [C2] | fc1 W [F,H1] b [H1] (F = 7*7*C2 in
//   (h,w,c) order) | fc2 W [H1,H2] b [H2] | out W [H2,K] b [K]
#include "simd.h"


enum { SIGMOID = 0, RELU = 1, TANH = 2, ELU = 3 };

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

static inline void store_lanes(float *p, v128_t v, int count) {  // the first `count` lanes (>= 1)
  if (count >= 4) { wasm_v128_store(p, v); return; }
  p[0] = wasm_f32x4_extract_lane(v, 0);
  if (count > 1) p[1] = wasm_f32x4_extract_lane(v, 1);
  if (count > 2) p[2] = wasm_f32x4_extract_lane(v, 2);
}

// act on four lanes
static inline v128_t act4(v128_t x, int kind) {
  const v128_t one = wasm_f32x4_splat(1.0f), zero4 = wasm_f32x4_splat(0.0f);
  switch (kind) {
    case SIGMOID: return wasm_f32x4_div(one, wasm_f32x4_add(one, exp4(wasm_f32x4_neg(x))));
    case RELU: return wasm_f32x4_pmax(zero4, x);
    case TANH:
      return wasm_f32x4_sub(one,
                            wasm_f32x4_div(wasm_f32x4_splat(2.0f), wasm_f32x4_add(exp4(wasm_f32x4_add(x, x)), one)));
    case ELU: return wasm_v128_bitselect(x, wasm_f32x4_sub(exp4(x), one), wasm_f32x4_gt(x, zero4));
    default: return x;  // no activation
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

// d[0..n) *= act'(y[0..n))
static void mul_act_grad(float *d, const float *y, int n, int kind) {
  int i = 0;
  for (; i + 4 <= n; i += 4)
    wasm_v128_store(d + i, wasm_f32x4_mul(wasm_v128_load(d + i), act_grad4(wasm_v128_load(y + i), kind)));
  for (; i < n; i++) d[i] *= act_grad(y[i], kind);
}

// ---- matrix product --------------------------------------------------------------------------
// Every layer, forward and backward, is one matrix product C = A B (convolutions through im2col).
// A 4x8 block of C stays in eight SIMD registers while k runs over the whole inner dimension:
// each step loads one row of B (two vectors) and four scalars of A, and does eight multiply-adds,
// so the arithmetic is not starved by loads. A is read through strides, so A or A^T serve alike.
// Edges: the last rows of a block repeat row M-1 (computed, not stored); the last columns read
// up to 7 floats past a row of B (15 with 3x16 blocks). Lanes are independent, so those floats only
// reach columns that are never stored, and every buffer is followed by slack so the reads stay
// inside memory.

#define MADD(acc, x, b) acc = wasm_f32x4_add(acc, wasm_f32x4_mul(x, b))

// row i of A, or its last row past the end
static inline const float *row_of(const float *A, int i, int M, int ars) { return A + (i < M ? i : M - 1) * ars; }

// C[i, j] = act(bias[j] + sum_k A[i*ars + k*aks] * B[k*ldb + j]), i < M, j < N; bias may be 0,
// kind < 0 for no activation.
static void gemm_4x8(int M, int N, int K, const float *A, int ars, int aks, const float *B, int ldb, float *C,
                 int ldc, const float *bias, int kind) {
  for (int i = 0; i < M; i += 4) {
    const float *a0 = A + i * ars, *a1 = row_of(A, i + 1, M, ars);
    const float *a2 = row_of(A, i + 2, M, ars), *a3 = row_of(A, i + 3, M, ars);
    for (int j = 0; j < N; j += 8) {
      v128_t init0 = wasm_f32x4_splat(0.0f), init1 = init0;
      if (bias) init0 = wasm_v128_load(bias + j), init1 = wasm_v128_load(bias + j + 4);
      v128_t c00 = init0, c01 = init1, c10 = init0, c11 = init1, c20 = init0, c21 = init1, c30 = init0, c31 = init1;
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

// The same product in blocks of 3x16 (twelve accumulators): for N = 16 (conv2's filters) each row
// of B is four vectors, and a block covers all columns.
static void gemm_3x16(int M, int N, int K, const float *A, int ars, int aks, const float *B, int ldb, float *C,
                      int ldc, const float *bias, int kind) {
  for (int i = 0; i < M; i += 3) {
    const float *a0 = A + i * ars, *a1 = row_of(A, i + 1, M, ars), *a2 = row_of(A, i + 2, M, ars);
    for (int j = 0; j < N; j += 16) {
      v128_t i0 = wasm_f32x4_splat(0.0f), i1 = i0, i2 = i0, i3 = i0;
      if (bias) {
        i0 = wasm_v128_load(bias + j), i1 = wasm_v128_load(bias + j + 4);
        i2 = wasm_v128_load(bias + j + 8), i3 = wasm_v128_load(bias + j + 12);
      }
      v128_t c00 = i0, c01 = i1, c02 = i2, c03 = i3, c10 = i0, c11 = i1, c12 = i2, c13 = i3;
      v128_t c20 = i0, c21 = i1, c22 = i2, c23 = i3;
      const float *b = B + j;
      for (int k = 0, ak = 0; k < K; k++, ak += aks, b += ldb) {
        v128_t b0 = wasm_v128_load(b), b1 = wasm_v128_load(b + 4), b2 = wasm_v128_load(b + 8);
        v128_t b3 = wasm_v128_load(b + 12);
        v128_t x = wasm_v128_load32_splat(a0 + ak);
        MADD(c00, x, b0), MADD(c01, x, b1), MADD(c02, x, b2), MADD(c03, x, b3);
        x = wasm_v128_load32_splat(a1 + ak);
        MADD(c10, x, b0), MADD(c11, x, b1), MADD(c12, x, b2), MADD(c13, x, b3);
        x = wasm_v128_load32_splat(a2 + ak);
        MADD(c20, x, b0), MADD(c21, x, b1), MADD(c22, x, b2), MADD(c23, x, b3);
      }
      int n = N - j;
      float *c = C + i * ldc + j;
#define STORE_ROW(r, v0, v1, v2, v3)                                         \
  if (i + r < M) {                                                           \
    store_lanes(c + r * ldc, act4(v0, kind), n);                             \
    if (n > 4) store_lanes(c + r * ldc + 4, act4(v1, kind), n - 4);          \
    if (n > 8) store_lanes(c + r * ldc + 8, act4(v2, kind), n - 8);          \
    if (n > 12) store_lanes(c + r * ldc + 12, act4(v3, kind), n - 12);       \
  }
      STORE_ROW(0, c00, c01, c02, c03) STORE_ROW(1, c10, c11, c12, c13) STORE_ROW(2, c20, c21, c22, c23)
#undef STORE_ROW
    }
  }
}

// C = act(A B + bias) in the block shape that wastes fewest lanes: 3x16 for 9..16 columns, else 4x8
// (measured: 3x16 is ~15% faster at N = 16, slower at N = 6 or 54).
static void gemm(int M, int N, int K, const float *A, int ars, int aks, const float *B, int ldb, float *C, int ldc,
                 const float *bias, int kind) {
  if (N > 8 && N <= 16) gemm_3x16(M, N, K, A, ars, aks, B, ldb, C, ldc, bias, kind);
  else gemm_4x8(M, N, K, A, ars, aks, B, ldb, C, ldc, bias, kind);
}

// The matrix product alone, for bench/gemm_bench.ts: C[M,N] = A B with A(i,k) = A[i*ars + k*aks].
EXPORT(lenet_gemm)
void lenet_gemm(int M, int N, int K, const float *A, int ars, int aks, const float *B, float *C) {
  gemm(M, N, K, A, ars, aks, B, N, C, N, 0, -1);
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

// 3x3 'same' patches, one row per pixel, from an input padded with a zero border of one pixel
// (in [B, H+2, W+2, C]): col[(b,h,w), (kh*3+kw)*C + c] = in[b, h+kh, w+kw, c]. With `ones`, a
// last column of ones makes the filter gradient's product also sum the bias gradient (conv2; conv1
// gets its gradients from conv1_backward).
static void im2col(const float *in, float *col, int B, int H, int Wd, int C, int ones) {
  int PW = Wd + 2, row = 9 * C + ones;
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
        if (ones) col[9 * C] = 1.0f;
      }
}

// The adjoint of im2col (without the ones): each pixel's gradient gathers, from the patches of its
// 3x3 neighbours, the columns that were copies of it. out is [B, H+2, W+2, C]; only its interior is
// written. Four channels at a time (overlapping the last group, as in maxpool_act) when C >= 4.
static void col2im(const float *col, float *out, int B, int H, int Wd, int C) {
  int row = 9 * C;
  for (int b = 0; b < B; b++)
    for (int h = 0; h < H; h++)
      for (int w = 0; w < Wd; w++) {
        float *o = out + ((b * (H + 2) + h + 1) * (Wd + 2) + w + 1) * C;
        for (int c = 0; c < C; c += 4) {
          int at = C < 4 ? c : (c + 4 <= C ? c : C - 4);
          v128_t sum = wasm_f32x4_splat(0.0f);
          for (int kh = 0; kh < 3; kh++) {
            int ph = h + 1 - kh;  // the neighbour whose tap (kh, kw) read this pixel
            if (ph < 0 || ph >= H) continue;
            for (int kw = 0; kw < 3; kw++) {
              int pw = w + 1 - kw;
              if (pw < 0 || pw >= Wd) continue;
              sum = wasm_f32x4_add(sum, wasm_v128_load(col + ((b * H + ph) * Wd + pw) * row + (kh * 3 + kw) * C + at));
            }
          }
          store_lanes(o + at, sum, C - at);
        }
      }
}

// copies x [B,H,W,C] into the interior of a zero-bordered [B,H+2,W+2,C]
static void pad1(const float *x, float *out, int B, int H, int Wd, int C) {
  for (int b = 0; b < B; b++)
    for (int h = 0; h < H; h++)
      copy_floats(out + ((b * (H + 2) + h + 1) * (Wd + 2) + 1) * C, x + ((b * H + h) * Wd) * C, Wd * C);
}

// the same for one-channel 8-bit pixels, scaled to [0, 1] by a float division by 255 (for every
// byte exactly JavaScript's Math.fround(p / 255): tested). Eight pixels at a time (Wd >= 8; the
// last group overlaps the one before).
static void pad1_bytes(const unsigned char *x, float *out, int B, int H, int Wd) {
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

// offset of input k (row-major) of a 2x2 window in an [.., W, C] image
#define WIN(k) (((k) & 1) * C + ((k) >> 1) * Wd * C)

// 2x2 max-pool, stride 2, over even H and W (28 and 14 here, so tfjs's 'same' padding adds
// nothing), then the activation: our activations all increase, so the max of act(x) is act of the
// max of x, and pooling first evaluates them on a quarter of the values. (Only where act(x) ties
// and x does not, i.e. where act saturates and its gradient is 0, could the max's position differ
// from tfjs's.) out[b, oh+pad, ow+pad, c] lands in a buffer with a border of `pad` pixels;
// win[b,oh,ow,c] says which of the window's four inputs was the max (the first, in row-major
// order, on ties), for the backward pass. Four channels at a time; with C >= 4 the last group
// overlaps the one before (it rewrites the same values), so no channel count needs a scalar tail.
static void maxpool_act(const float *in, float *out, int pad, int *win, int B, int H, int Wd, int C, int kind) {
  int OH = H / 2, OW = Wd / 2, PW = OW + 2 * pad;
  for (int b = 0; b < B; b++)
    for (int oh = 0; oh < OH; oh++)
      for (int ow = 0; ow < OW; ow++) {
        const float *q = in + ((b * H + 2 * oh) * Wd + 2 * ow) * C;  // window input k at q + WIN(k)
        float *o = out + ((b * (OH + 2 * pad) + oh + pad) * PW + ow + pad) * C;
        int *wi = win + ((b * OH + oh) * OW + ow) * C;
        if (C < 4) {
          for (int c = 0; c < C; c++) {
            int best = 0;
            for (int k = 1; k < 4; k++)
              if (q[WIN(k) + c] > q[WIN(best) + c]) best = k;
            o[c] = wasm_f32x4_extract_lane(act4(wasm_f32x4_splat(q[WIN(best) + c]), kind), 0), wi[c] = best;
          }
          continue;
        }
        for (int c = 0; c < C; c += 4) {
          int at = c + 4 <= C ? c : C - 4;
          v128_t best = wasm_v128_load(q + at), which = wasm_i32x4_splat(0);
          for (int k = 1; k < 4; k++) {
            v128_t v = wasm_v128_load(q + WIN(k) + at), more = wasm_f32x4_gt(v, best);
            best = wasm_v128_bitselect(v, best, more);
            which = wasm_v128_bitselect(wasm_i32x4_splat(k), which, more);
          }
          wasm_v128_store(o + at, act4(best, kind));
          wasm_v128_store(wi + at, which);
        }
      }
}

// The gradient of maxpool_act: each input gets act'(y) times its window's gradient if it was the
// window's max, else 0 (y: the pooled, activated output, laid out as dout). Windows do not
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
            for (int k = 0; k < 4; k++) q[WIN(k) + c] = wi[c] == k ? d[c] * act_grad(yo[c], kind) : 0.0f;
          continue;
        }
        for (int c = 0; c < C; c += 4) {
          int at = c + 4 <= C ? c : C - 4;
          v128_t g = wasm_f32x4_mul(wasm_v128_load(d + at), act_grad4(wasm_v128_load(yo + at), kind));
          v128_t which = wasm_v128_load(wi + at);
          for (int k = 0; k < 4; k++)
            wasm_v128_store(q + WIN(k) + at, wasm_v128_and(g, wasm_i32x4_eq(which, wasm_i32x4_splat(k))));
        }
      }
}

// conv1's filter and bias gradients straight from its pooled gradient. Only a window's max gets a
// gradient (the other three inputs get 0), so rather than the dense product COL1^T DA1, where
// three rows in four multiply zeros, each window adds its max's 3x3 input patch times its
// gradient. Per channel, three vectors in `acc` (12 * C floats) hold the filter gradient's rows
// (lane 3 unused); X is the zero-bordered input [B, 30, 30], dout and y are laid out as P1.
static void conv1_backward(const float *X, const float *dout, const float *y, const int *win, float *acc, float *dW,
                           int B, int C, int kind) {
  float *db = dW + 9 * C;
  zero(acc, 12 * C), zero(db, C);
  for (int b = 0; b < B; b++)
    for (int oh = 0; oh < 14; oh++)
      for (int ow = 0; ow < 14; ow++) {
        int at = ((b * 16 + oh + 1) * 16 + ow + 1) * C;
        const int *wi = win + ((b * 14 + oh) * 14 + ow) * C;
        for (int c = 0; c < C; c++) {
          float g = dout[at + c] * act_grad(y[at + c], kind);
          if (g == 0.0f) continue;
          db[c] += g;
          const float *p = X + (b * 30 + 2 * oh + (wi[c] >> 1)) * 30 + 2 * ow + (wi[c] & 1);
          v128_t gv = wasm_f32x4_splat(g);
          for (int r = 0; r < 3; r++)
            wasm_v128_store(acc + (c * 3 + r) * 4,
                            wasm_f32x4_add(wasm_v128_load(acc + (c * 3 + r) * 4), wasm_f32x4_mul(wasm_v128_load(p + r * 30), gv)));
        }
      }
  for (int c = 0; c < C; c++)
    for (int tap = 0; tap < 9; tap++) dW[tap * C + c] = acc[(c * 3 + tap / 3) * 4 + tap % 3];
}

// ---- the model -------------------------------------------------------------------------------
// A Net is one worker's view of a training: the parameters and Adam's moments, shared by every
// Net of a trainer, and its own gradients and activations for its share of each batch. Its
// fields live in linear memory, not in C globals, so that two WebAssembly instances on one shared
// memory (one per thread) can each run their own Net.
typedef struct {
  int c1, c2, h1, h2, k, kind, max_batch, count;
  int at[10];                 // where each weight tensor starts in P, in tfjs's order
  float *P, *Mo, *Vo;         // shared
  float *G;                   // gradients of this net's images (scaled by 1 / the whole batch)
  // forward: input X and pooled P1 with a zero border, patches COL1/2, convolutions A1/2 (before
  // the activation, which comes after pooling), pooled and activated P1/2, dense D1/2, softmax Z
  float *X, *COL1, *A1, *P1, *COL2, *A2, *P2, *D1, *D2, *Z;
  // backward: the gradient of each (DP1 bordered like P1), and scratch for transposes
  float *DP1, *DCOL2, *DA2, *DP2, *DD1, *DD2, *DZ, *WT, *DT, *XT, *ACC;
  int *ARG1, *ARG2;  // which input of each pooling window was its max
} Net;

// the next `floats` floats from *heap, and 64 bytes of slack after them (see the matrix product)
static void *take(unsigned char **heap, int floats) {
  void *p = *heap;
  *heap += (floats * 4 + 64 + 15) & ~15;
  return p;
}

// Lays out a Net and its buffers from `base` (16-byte aligned, in memory fresh from instantiation
// or growth, so Adam's moments start at zero) and returns the first byte after them. With `share`,
// the new Net uses that Net's parameters and moments. Writes only the Net itself, so the caller
// can grow memory to the returned size afterwards.
EXPORT(lenet_init)
unsigned int lenet_init(Net *n, int c1, int c2, int h1, int h2, int k, int kind, int max_batch, const Net *share) {
  n->c1 = c1, n->c2 = c2, n->h1 = h1, n->h2 = h2, n->k = k, n->kind = kind, n->max_batch = max_batch;
  int F = 7 * 7 * c2;
  int sizes[10] = {9 * c1, c1, 9 * c1 * c2, c2, F * h1, h1, h1 * h2, h2, h2 * k, k};
  n->count = 0;
  for (int i = 0; i < 10; i++) n->at[i] = n->count, n->count += sizes[i];
  unsigned char *heap = (unsigned char *)n + ((sizeof(Net) + 15) & ~15);
  if (share) n->P = share->P, n->Mo = share->Mo, n->Vo = share->Vo;
  else n->P = take(&heap, n->count), n->Mo = take(&heap, n->count), n->Vo = take(&heap, n->count);
  n->G = take(&heap, n->count);
  int B = max_batch, widest = F;  // the widest dense layer
  if (h1 > widest) widest = h1;
  if (h2 > widest) widest = h2;
  if (k > widest) widest = k;
  n->X = take(&heap, B * 900), n->COL1 = take(&heap, B * 784 * 9);
  n->A1 = take(&heap, B * 784 * c1), n->ACC = take(&heap, 12 * c1);
  n->P1 = take(&heap, B * 256 * c1), n->DP1 = take(&heap, B * 256 * c1), n->ARG1 = take(&heap, B * 196 * c1);
  n->COL2 = take(&heap, B * 196 * (9 * c1 + 1)), n->DCOL2 = take(&heap, B * 196 * 9 * c1);
  n->A2 = take(&heap, B * 196 * c2), n->DA2 = take(&heap, B * 196 * c2);
  n->P2 = take(&heap, B * F), n->DP2 = take(&heap, B * F), n->ARG2 = take(&heap, B * F);
  n->D1 = take(&heap, B * h1), n->DD1 = take(&heap, B * h1), n->D2 = take(&heap, B * h2), n->DD2 = take(&heap, B * h2);
  n->Z = take(&heap, B * k), n->DZ = take(&heap, B * k), n->WT = take(&heap, 9 * c1 * c2);
  n->DT = take(&heap, B * widest), n->XT = take(&heap, B * widest);
  return (unsigned int)heap;
}

EXPORT(lenet_params) float *lenet_params(const Net *n) { return n->P; }
EXPORT(lenet_param_count) int lenet_param_count(const Net *n) { return n->count; }
EXPORT(lenet_grads) float *lenet_grads(const Net *n) { return n->G; }
EXPORT(lenet_moments) float *lenet_moments(const Net *n, int second) { return second ? n->Vo : n->Mo; }
EXPORT(lenet_probs) float *lenet_probs(const Net *n) { return n->Z; }

// y[B,N] = act(x[B,M] W[M,N] + bias), W and bias the parameter tensors `layer` and `layer + 1`
static void dense(const Net *n, const float *x, int layer, float *y, int B, int M, int N, int kind) {
  gemm(B, N, M, x, M, 1, n->P + n->at[layer], N, y, N, n->P + n->at[layer + 1], kind);
}

// dW = x^T d, dbias = column sums of d, and dx = d W^T when dx != 0. dx is computed transposed,
// dx^T = W d^T, so that only d and dx^T (B x N and M x B) are transposed, not W (M x N: 94,080
// floats for fc1).
static void dense_backward(const Net *n, const float *x, int layer, const float *d, float *dx, int B, int M, int N) {
  gemm(M, N, B, x, 1, M, d, N, n->G + n->at[layer], N, 0, -1);
  column_sums(d, B, N, n->G + n->at[layer + 1]);
  if (!dx) return;
  transpose(d, B, N, n->DT);
  gemm(M, B, N, n->P + n->at[layer], N, 1, n->DT, B, n->XT, B, 0, -1);
  transpose(n->XT, M, B, dx);
}

// Forward pass of `B` images x [B,28,28,1], floats or (bytes != 0) 8-bit pixels; leaves softmax
// probabilities in Z.
EXPORT(lenet_forward)
void lenet_forward(Net *n, const void *x, int B, int bytes) {
  int C1 = n->c1, C2 = n->c2, F = 7 * 7 * C2, kind = n->kind;
  const float *P = n->P;
  if (bytes) pad1_bytes(x, n->X, B, 28, 28);
  else pad1(x, n->X, B, 28, 28, 1);
  im2col(n->X, n->COL1, B, 28, 28, 1, 0);
  gemm(B * 784, C1, 9, n->COL1, 9, 1, P + n->at[0], C1, n->A1, C1, P + n->at[1], -1);
  maxpool_act(n->A1, n->P1, 1, n->ARG1, B, 28, 28, C1, kind);
  im2col(n->P1, n->COL2, B, 14, 14, C1, 1);
  gemm(B * 196, C2, 9 * C1, n->COL2, 9 * C1 + 1, 1, P + n->at[2], C2, n->A2, C2, P + n->at[3], -1);
  maxpool_act(n->A2, n->P2, 0, n->ARG2, B, 14, 14, C2, kind);
  dense(n, n->P2, 4, n->D1, B, F, n->h1, kind);
  dense(n, n->D1, 6, n->D2, B, n->h1, n->h2, kind);
  dense(n, n->D2, 8, n->Z, B, n->h2, n->k, -1);
  for (int b = 0; b < B; b++) {
    float *z = n->Z + b * n->k, mx = z[0], s = 0.0f;
    for (int k = 1; k < n->k; k++) mx = z[k] > mx ? z[k] : mx;
    for (int k = 0; k < n->k; k++) z[k] = expf_(z[k] - mx), s += z[k];
    for (int k = 0; k < n->k; k++) z[k] /= s;
  }
}

// Gradients of the categorical cross-entropy of this net's B images (softmax output Z from
// lenet_forward, labels as class indices) into G, each image's weighted by `scale` (1 / the
// whole batch, so that the gradients of all nets add up to that of the batch's mean loss).
EXPORT(lenet_backward)
void lenet_backward(Net *n, const int *labels, int B, float scale) {
  int C1 = n->c1, C2 = n->c2, F = 7 * 7 * C2, K = n->k, kind = n->kind;
  float *G = n->G;
  for (int b = 0; b < B; b++) {
    const float *p = n->Z + b * K;
    for (int k = 0; k < K; k++) n->DZ[b * K + k] = (p[k] - (k == labels[b] ? 1.0f : 0.0f)) * scale;
  }
  dense_backward(n, n->D2, 8, n->DZ, n->DD2, B, n->h2, K);
  mul_act_grad(n->DD2, n->D2, B * n->h2, kind);
  dense_backward(n, n->D1, 6, n->DD2, n->DD1, B, n->h1, n->h2);
  mul_act_grad(n->DD1, n->D1, B * n->h1, kind);
  dense_backward(n, n->P2, 4, n->DD1, n->DP2, B, F, n->h1);
  maxpool_act_backward(n->DP2, n->P2, 0, n->ARG2, n->DA2, B, 14, 14, C2, kind);
  // conv2: filter and bias gradients in one product (COL2's ones column), then the input's
  gemm(9 * C1 + 1, C2, B * 196, n->COL2, 1, 9 * C1 + 1, n->DA2, C2, G + n->at[2], C2, 0, -1);
  transpose(n->P + n->at[2], 9 * C1, C2, n->WT);
  gemm(B * 196, 9 * C1, C2, n->DA2, C2, 1, n->WT, 9 * C1, n->DCOL2, 9 * C1, 0, -1);
  col2im(n->DCOL2, n->DP1, B, 14, 14, C1);
  conv1_backward(n->X, n->DP1, n->P1, n->ARG1, n->ACC, G + n->at[0], B, C1, kind);
}

// Adam as tfjs computes it, on the sum of the gradients of `n` and `other` (when not 0), for
// parameters [from, to) (from a multiple of 4, so two threads can split the work):
//   w -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
EXPORT(lenet_adam)
void lenet_adam(Net *n, const Net *other, float lr, float b1, float b2, float eps, float accB1, float accB2, int from,
                int to) {
  float *P = n->P, *Mo = n->Mo, *Vo = n->Vo;
  const float *G = n->G, *G2 = other ? other->G : 0;
  const v128_t vb1 = wasm_f32x4_splat(b1), vb2 = wasm_f32x4_splat(b2), nb1 = wasm_f32x4_splat(1.0f - b1),
               nb2 = wasm_f32x4_splat(1.0f - b2), c1 = wasm_f32x4_splat(1.0f / (1.0f - accB1)),
               c2 = wasm_f32x4_splat(1.0f / (1.0f - accB2)), veps = wasm_f32x4_splat(eps), vlr = wasm_f32x4_splat(lr);
  int i = from;
  for (; i + 4 <= to; i += 4) {
    v128_t g = wasm_v128_load(G + i);
    if (G2) g = wasm_f32x4_add(g, wasm_v128_load(G2 + i));
    v128_t m = wasm_f32x4_add(wasm_f32x4_mul(vb1, wasm_v128_load(Mo + i)), wasm_f32x4_mul(nb1, g));
    v128_t v = wasm_f32x4_add(wasm_f32x4_mul(vb2, wasm_v128_load(Vo + i)), wasm_f32x4_mul(wasm_f32x4_mul(nb2, g), g));
    wasm_v128_store(Mo + i, m), wasm_v128_store(Vo + i, v);
    v128_t step = wasm_f32x4_div(wasm_f32x4_mul(vlr, wasm_f32x4_mul(m, c1)),
                                 wasm_f32x4_add(wasm_f32x4_sqrt(wasm_f32x4_mul(v, c2)), veps));
    wasm_v128_store(P + i, wasm_f32x4_sub(wasm_v128_load(P + i), step));
  }
  float s1 = 1.0f / (1.0f - accB1), s2 = 1.0f / (1.0f - accB2);
  for (; i < to; i++) {
    float g = G[i] + (G2 ? G2[i] : 0.0f);
    float m = Mo[i] = b1 * Mo[i] + (1.0f - b1) * g;
    float v = Vo[i] = b2 * Vo[i] + (1.0f - b2) * g * g;
    P[i] -= lr * (m * s1) / (__builtin_sqrtf(v * s2) + eps);
  }
}
