// A whole LeNet training step in one call: forward, categorical cross-entropy, backward and Adam,
// in C with WebAssembly SIMD. Weights, gradients, Adam moments and activations live in this
// module's memory; JavaScript copies a batch in and reads the loss back.
// Build: deno task build:wasm
//
// Layout (float32, NHWC, tfjs's own weight order and shapes, so weights copy over unchanged):
//   conv1 W [3,3,1,C1] b [C1] | conv2 W [3,3,C1,C2] b [C2] | fc1 W [F,H1] b [H1] (F = 7*7*C2 in
//   (h,w,c) order) | fc2 W [H1,H2] b [H2] | out W [H2,K] b [K]
#include "simd.h"

float expf_(float x);

enum { SIGMOID = 0, RELU = 1, TANH = 2, ELU = 3 };

// exp for float, Cephes-style range reduction and polynomial: |rel err| < 2e-7 on [-87, 88].
float expf_(float x) {
  if (x > 88.0f) x = 88.0f;
  if (x < -87.0f) x = -87.0f;
  float k = __builtin_floorf(x * 1.44269504088896341f + 0.5f);
  float r = x - k * 0.693359375f + k * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  float e = p * r * r + r + 1.0f;
  union { float f; int i; } u = {.f = e};
  u.i += (int)k << 23;
  return u.f;
}

static inline float act(float x, int kind) {
  switch (kind) {
    case SIGMOID: return 1.0f / (1.0f + expf_(-x));
    case RELU: return x > 0.0f ? x : 0.0f;
    case TANH: { float e = expf_(2.0f * x); return 1.0f - 2.0f / (e + 1.0f); }
    default: return x > 0.0f ? x : expf_(x) - 1.0f;
  }
}

// expf_ on four lanes, the same arithmetic lane by lane
static inline v128_t exp4(v128_t x) {
  x = wasm_f32x4_min(wasm_f32x4_max(x, wasm_f32x4_splat(-87.0f)), wasm_f32x4_splat(88.0f));
  v128_t k = wasm_f32x4_floor(wasm_f32x4_add(wasm_f32x4_mul(x, wasm_f32x4_splat(1.44269504088896341f)),
                                             wasm_f32x4_splat(0.5f)));
  v128_t r = wasm_f32x4_add(wasm_f32x4_sub(x, wasm_f32x4_mul(k, wasm_f32x4_splat(0.693359375f))),
                            wasm_f32x4_mul(k, wasm_f32x4_splat(2.12194440e-4f)));
  v128_t p = wasm_f32x4_splat(1.9875691500e-4f);
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.3981999507e-3f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(8.3334519073e-3f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(4.1665795894e-2f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.6666665459e-1f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(5.0000001201e-1f));
  v128_t e = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_mul(p, r), r), r), wasm_f32x4_splat(1.0f));
  return wasm_i32x4_add(e, wasm_i32x4_shl(wasm_i32x4_trunc_sat_f32x4(k), 23));
}

// p[0..n) = act(p[0..n)), four at a time
static void act_array(float *p, int n, int kind) {
  const v128_t one = wasm_f32x4_splat(1.0f), zero4 = wasm_f32x4_splat(0.0f);
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    v128_t x = wasm_v128_load(p + i), y;
    switch (kind) {
      case SIGMOID: y = wasm_f32x4_div(one, wasm_f32x4_add(one, exp4(wasm_f32x4_neg(x)))); break;
      case RELU: y = wasm_f32x4_max(x, zero4); break;
      case TANH:
        y = wasm_f32x4_sub(one, wasm_f32x4_div(wasm_f32x4_splat(2.0f),
                                               wasm_f32x4_add(exp4(wasm_f32x4_add(x, x)), one)));
        break;
      default: y = wasm_v128_bitselect(x, wasm_f32x4_sub(exp4(x), one), wasm_f32x4_gt(x, zero4));
    }
    wasm_v128_store(p + i, y);
  }
  for (; i < n; i++) p[i] = act(p[i], kind);
}

// d act / d x, from the activation's output y
static inline float act_grad(float y, int kind) {
  switch (kind) {
    case SIGMOID: return y * (1.0f - y);
    case RELU: return y > 0.0f ? 1.0f : 0.0f;
    case TANH: return 1.0f - y * y;
    default: return y > 0.0f ? 1.0f : y + 1.0f;
  }
}

// ---- layers ----------------------------------------------------------------------------------
// The 3x3 convolutions keep a pixel's output channels (or its gradient) in up to four SIMD
// registers (NV = ceil(Co / 4), Co <= 16) while they loop over taps and input channels. Loads of a
// last, partial vector read up to 3 floats past a row: those are the next floats of the same
// parameter or activation block (still in memory), and their lanes are either discarded or
// multiplied by the zeros that masked_load puts in the gradient's unused lanes.

static inline v128_t masked_load(const float *p, int count) {  // count in 1..4; missing lanes 0
  if (count >= 4) return wasm_v128_load(p);
  return wasm_f32x4_make(p[0], count > 1 ? p[1] : 0.0f, count > 2 ? p[2] : 0.0f, 0.0f);
}

static inline void store_lanes(float *p, v128_t v, int count) {
  if (count >= 4) { wasm_v128_store(p, v); return; }
  p[0] = wasm_f32x4_extract_lane(v, 0);
  if (count > 1) p[1] = wasm_f32x4_extract_lane(v, 1);
  if (count > 2) p[2] = wasm_f32x4_extract_lane(v, 2);
}

#define MADD(acc, x, p) acc = wasm_f32x4_add(acc, wasm_f32x4_mul(x, wasm_v128_load(p)))

#define CONV_FORWARD(NV)                                                                                     \
  static void conv3x3_nv##NV(const float *in, const float *W, const float *bias, float *out, int B, int H,     \
                             int Wd, int Ci, int Co) {                                                         \
    for (int b = 0; b < B; b++)                                                                                \
      for (int h = 0; h < H; h++)                                                                              \
        for (int w = 0; w < Wd; w++) {                                                                         \
          v128_t a0 = wasm_v128_load(bias), a1 = a0, a2 = a0, a3 = a0;                                         \
          if (NV > 1) a1 = wasm_v128_load(bias + 4);                                                           \
          if (NV > 2) a2 = wasm_v128_load(bias + 8);                                                           \
          if (NV > 3) a3 = wasm_v128_load(bias + 12);                                                          \
          for (int kh = 0; kh < 3; kh++) {                                                                     \
            int ih = h + kh - 1;                                                                               \
            if (ih < 0 || ih >= H) continue;                                                                   \
            for (int kw = 0; kw < 3; kw++) {                                                                   \
              int iw = w + kw - 1;                                                                             \
              if (iw < 0 || iw >= Wd) continue;                                                                \
              const float *x = in + ((b * H + ih) * Wd + iw) * Ci;                                             \
              const float *k = W + (kh * 3 + kw) * Ci * Co;                                                    \
              for (int ci = 0; ci < Ci; ci++, k += Co) {                                                       \
                if (x[ci] == 0.0f) continue;                                                                   \
                v128_t xv = wasm_f32x4_splat(x[ci]);                                                           \
                MADD(a0, xv, k);                                                                               \
                if (NV > 1) MADD(a1, xv, k + 4);                                                               \
                if (NV > 2) MADD(a2, xv, k + 8);                                                               \
                if (NV > 3) MADD(a3, xv, k + 12);                                                              \
              }                                                                                                \
            }                                                                                                  \
          }                                                                                                    \
          float *o = out + ((b * H + h) * Wd + w) * Co;                                                        \
          store_lanes(o, a0, Co);                                                                              \
          if (NV > 1) store_lanes(o + 4, a1, Co - 4);                                                          \
          if (NV > 2) store_lanes(o + 8, a2, Co - 8);                                                          \
          if (NV > 3) store_lanes(o + 12, a3, Co - 12);                                                        \
        }                                                                                                      \
  }

#define CONV_BACKWARD(NV)                                                                                    \
  static void conv3x3_backward_nv##NV(const float *in, const float *W, const float *d, float *dW, float *dbias, \
                                      float *din, int B, int H, int Wd, int Ci, int Co) {                      \
    if (din) zero(din, B * H * Wd * Ci);                                                                       \
    for (int b = 0; b < B; b++)                                                                                \
      for (int h = 0; h < H; h++)                                                                              \
        for (int w = 0; w < Wd; w++) {                                                                         \
          const float *gp = d + ((b * H + h) * Wd + w) * Co;                                                   \
          axpy(dbias, 1.0f, gp, Co);                                                                           \
          v128_t g0 = masked_load(gp, Co), g1 = g0, g2 = g0, g3 = g0;                                          \
          if (NV > 1) g1 = masked_load(gp + 4, Co - 4);                                                        \
          if (NV > 2) g2 = masked_load(gp + 8, Co - 8);                                                        \
          if (NV > 3) g3 = masked_load(gp + 12, Co - 12);                                                      \
          for (int kh = 0; kh < 3; kh++) {                                                                     \
            int ih = h + kh - 1;                                                                               \
            if (ih < 0 || ih >= H) continue;                                                                   \
            for (int kw = 0; kw < 3; kw++) {                                                                   \
              int iw = w + kw - 1;                                                                             \
              if (iw < 0 || iw >= Wd) continue;                                                                \
              int at = ((b * H + ih) * Wd + iw) * Ci;                                                          \
              const float *x = in + at;                                                                        \
              float *dk = dW + (kh * 3 + kw) * Ci * Co;                                                        \
              const float *k = W + (kh * 3 + kw) * Ci * Co;                                                    \
              for (int ci = 0; ci < Ci; ci++, dk += Co, k += Co) {                                             \
                if (x[ci] != 0.0f) {                                                                           \
                  v128_t xv = wasm_f32x4_splat(x[ci]);                                                         \
                  wasm_v128_store(dk, wasm_f32x4_add(wasm_v128_load(dk), wasm_f32x4_mul(xv, g0)));              \
                  if (NV > 1) wasm_v128_store(dk + 4, wasm_f32x4_add(wasm_v128_load(dk + 4), wasm_f32x4_mul(xv, g1))); \
                  if (NV > 2) wasm_v128_store(dk + 8, wasm_f32x4_add(wasm_v128_load(dk + 8), wasm_f32x4_mul(xv, g2))); \
                  if (NV > 3) wasm_v128_store(dk + 12, wasm_f32x4_add(wasm_v128_load(dk + 12), wasm_f32x4_mul(xv, g3))); \
                }                                                                                              \
                if (din) {                                                                                     \
                  v128_t s = wasm_f32x4_mul(wasm_v128_load(k), g0);                                            \
                  if (NV > 1) MADD(s, g1, k + 4);                                                              \
                  if (NV > 2) MADD(s, g2, k + 8);                                                              \
                  if (NV > 3) MADD(s, g3, k + 12);                                                             \
                  din[at + ci] += wasm_f32x4_extract_lane(s, 0) + wasm_f32x4_extract_lane(s, 1) +               \
                                  wasm_f32x4_extract_lane(s, 2) + wasm_f32x4_extract_lane(s, 3);                \
                }                                                                                              \
              }                                                                                                \
            }                                                                                                  \
          }                                                                                                    \
        }                                                                                                      \
  }

CONV_FORWARD(1)
CONV_FORWARD(2)
CONV_FORWARD(3)
CONV_FORWARD(4)
CONV_BACKWARD(1)
CONV_BACKWARD(2)
CONV_BACKWARD(3)
CONV_BACKWARD(4)

// 3x3 'same' convolution, stride 1: out[b,h,w,:] = bias + sum taps in[b,h+kh-1,w+kw-1,ci] * W[kh,kw,ci,:]
static void conv3x3_plain(const float *in, const float *W, const float *bias, float *out, int B, int H, int Wd, int Ci,
                    int Co) {
  for (int b = 0; b < B; b++)
    for (int h = 0; h < H; h++)
      for (int w = 0; w < Wd; w++) {
        float *o = out + ((b * H + h) * Wd + w) * Co;
        for (int c = 0; c < Co; c++) o[c] = bias[c];
        for (int kh = 0; kh < 3; kh++) {
          int ih = h + kh - 1;
          if (ih < 0 || ih >= H) continue;
          for (int kw = 0; kw < 3; kw++) {
            int iw = w + kw - 1;
            if (iw < 0 || iw >= Wd) continue;
            const float *x = in + ((b * H + ih) * Wd + iw) * Ci;
            const float *k = W + (kh * 3 + kw) * Ci * Co;
            for (int ci = 0; ci < Ci; ci++)
              if (x[ci] != 0.0f) axpy(o, x[ci], k + ci * Co, Co);
          }
        }
      }
}

// dW[kh,kw,ci,:] += in[...,ci] * d[b,h,w,:]; dbias += d; and, when din != 0, din = d conv W^T
static void conv3x3_backward_plain(const float *in, const float *W, const float *d, float *dW, float *dbias, float *din,
                             int B, int H, int Wd, int Ci, int Co) {
  if (din) zero(din, B * H * Wd * Ci);
  for (int b = 0; b < B; b++)
    for (int h = 0; h < H; h++)
      for (int w = 0; w < Wd; w++) {
        const float *g = d + ((b * H + h) * Wd + w) * Co;
        axpy(dbias, 1.0f, g, Co);
        for (int kh = 0; kh < 3; kh++) {
          int ih = h + kh - 1;
          if (ih < 0 || ih >= H) continue;
          for (int kw = 0; kw < 3; kw++) {
            int iw = w + kw - 1;
            if (iw < 0 || iw >= Wd) continue;
            int at = ((b * H + ih) * Wd + iw) * Ci;
            const float *x = in + at;
            float *dk = dW + (kh * 3 + kw) * Ci * Co;
            const float *k = W + (kh * 3 + kw) * Ci * Co;
            for (int ci = 0; ci < Ci; ci++) {
              if (x[ci] != 0.0f) axpy(dk + ci * Co, x[ci], g, Co);
              if (din) din[at + ci] += dot(k + ci * Co, g, Co);
            }
          }
        }
      }
}

static void conv3x3(const float *in, const float *W, const float *bias, float *out, int B, int H, int Wd, int Ci,
                    int Co) {
  switch ((Co + 3) / 4) {
    case 1: conv3x3_nv1(in, W, bias, out, B, H, Wd, Ci, Co); break;
    case 2: conv3x3_nv2(in, W, bias, out, B, H, Wd, Ci, Co); break;
    case 3: conv3x3_nv3(in, W, bias, out, B, H, Wd, Ci, Co); break;
    case 4: conv3x3_nv4(in, W, bias, out, B, H, Wd, Ci, Co); break;
    default: conv3x3_plain(in, W, bias, out, B, H, Wd, Ci, Co);
  }
}

static void conv3x3_backward(const float *in, const float *W, const float *d, float *dW, float *dbias, float *din,
                             int B, int H, int Wd, int Ci, int Co) {
  switch ((Co + 3) / 4) {
    case 1: conv3x3_backward_nv1(in, W, d, dW, dbias, din, B, H, Wd, Ci, Co); break;
    case 2: conv3x3_backward_nv2(in, W, d, dW, dbias, din, B, H, Wd, Ci, Co); break;
    case 3: conv3x3_backward_nv3(in, W, d, dW, dbias, din, B, H, Wd, Ci, Co); break;
    case 4: conv3x3_backward_nv4(in, W, d, dW, dbias, din, B, H, Wd, Ci, Co); break;
    default: conv3x3_backward_plain(in, W, d, dW, dbias, din, B, H, Wd, Ci, Co);
  }
}

// 2x2 max-pool, stride 2, tfjs 'same' padding (odd sizes pad bottom/right); keeps each max's index
static void maxpool(const float *in, float *out, int *arg, int B, int H, int Wd, int C) {
  int OH = (H + 1) / 2, OW = (Wd + 1) / 2;
  for (int b = 0; b < B; b++)
    for (int oh = 0; oh < OH; oh++)
      for (int ow = 0; ow < OW; ow++)
        for (int c = 0; c < C; c++) {
          int best = -1;
          float bv = 0.0f;
          for (int kh = 0; kh < 2; kh++) {
            int ih = oh * 2 + kh;
            if (ih >= H) continue;
            for (int kw = 0; kw < 2; kw++) {
              int iw = ow * 2 + kw;
              if (iw >= Wd) continue;
              int at = ((b * H + ih) * Wd + iw) * C + c;
              if (best < 0 || in[at] > bv) best = at, bv = in[at];
            }
          }
          int o = ((b * OH + oh) * OW + ow) * C + c;
          out[o] = bv;
          arg[o] = best;
        }
}

// y[B,N] = x[B,M] W[M,N] + bias, then the activation (kind < 0: none). The batch loop is inside
// the weight loop so each row of W (fc1 holds 94,080 weights) is read once per batch, not per image.
static void dense(const float *x, const float *W, const float *bias, float *y, int B, int M, int N, int kind) {
  for (int b = 0; b < B; b++)
    for (int n = 0; n < N; n++) y[b * N + n] = bias[n];
  for (int m = 0; m < M; m++) {
    const float *w = W + m * N;
    for (int b = 0; b < B; b++)
      if (x[b * M + m] != 0.0f) axpy(y + b * N, x[b * M + m], w, N);
  }
  if (kind >= 0) act_array(y, B * N, kind);
}

// dW += x^T d; dbias += sum d; dx = d W^T (when dx != 0); weight rows outside, batch inside
static void dense_backward(const float *x, const float *W, const float *d, float *dW, float *dbias, float *dx, int B,
                           int M, int N) {
  for (int b = 0; b < B; b++) axpy(dbias, 1.0f, d + b * N, N);
  for (int m = 0; m < M; m++) {
    const float *w = W + m * N;
    float *dw = dW + m * N;
    for (int b = 0; b < B; b++) {
      const float *g = d + b * N;
      if (x[b * M + m] != 0.0f) axpy(dw, x[b * M + m], g, N);
      if (dx) dx[b * M + m] = dot(w, g, N);
    }
  }
}

// ---- the model -------------------------------------------------------------------------------
static int C1, C2, H1, H2, K, KIND, MAXB;
static float *P, *G, *Mo, *Vo;  // parameters, gradients, Adam moments
static int NP;
static float *A1, *P1, *A2, *P2, *D1, *D2, *Z, *DA1, *DP1, *DA2, *DP2, *DD1, *DD2, *DZ;
static int *ARG1, *ARG2;
static unsigned char *heap;

static void *take(int bytes) {
  void *p = heap;
  heap += (bytes + 15) & ~15;
  return p;
}

static int offsets[10];

// Sets the architecture and lays out all buffers from `base`; returns the first free byte.
EXPORT(lenet_init)
unsigned int lenet_init(unsigned int base, int c1, int c2, int h1, int h2, int k, int kind, int maxBatch) {
  C1 = c1, C2 = c2, H1 = h1, H2 = h2, K = k, KIND = kind, MAXB = maxBatch;
  int F = 7 * 7 * C2;
  int sizes[10] = {9 * C1, C1, 9 * C1 * C2, C2, F * H1, H1, H1 * H2, H2, H2 * K, K};
  NP = 0;
  for (int i = 0; i < 10; i++) offsets[i] = NP, NP += sizes[i];
  heap = (unsigned char *)base;
  P = take(NP * 4), G = take(NP * 4), Mo = take(NP * 4), Vo = take(NP * 4);
  zero(Mo, NP), zero(Vo, NP);
  int B = maxBatch;
  A1 = take(B * 784 * C1 * 4), DA1 = take(B * 784 * C1 * 4);
  P1 = take(B * 196 * C1 * 4), DP1 = take(B * 196 * C1 * 4), ARG1 = take(B * 196 * C1 * 4);
  A2 = take(B * 196 * C2 * 4), DA2 = take(B * 196 * C2 * 4);
  P2 = take(B * F * 4), DP2 = take(B * F * 4), ARG2 = take(B * F * 4);
  D1 = take(B * H1 * 4), DD1 = take(B * H1 * 4), D2 = take(B * H2 * 4), DD2 = take(B * H2 * 4);
  Z = take(B * K * 4), DZ = take(B * K * 4);
  return (unsigned int)heap;
}

EXPORT(lenet_params) float *lenet_params(void) { return P; }
EXPORT(lenet_param_count) int lenet_param_count(void) { return NP; }
EXPORT(lenet_grads) float *lenet_grads(void) { return G; }
EXPORT(lenet_moments) float *lenet_moments(int second) { return second ? Vo : Mo; }
EXPORT(lenet_probs) float *lenet_probs(void) { return Z; }

// Forward pass of `B` images x [B,28,28,1]; leaves softmax probabilities in Z.
EXPORT(lenet_forward)
void lenet_forward(const float *x, int B) {
  int F = 7 * 7 * C2;
  conv3x3(x, P + offsets[0], P + offsets[1], A1, B, 28, 28, 1, C1);
  act_array(A1, B * 784 * C1, KIND);
  maxpool(A1, P1, ARG1, B, 28, 28, C1);
  conv3x3(P1, P + offsets[2], P + offsets[3], A2, B, 14, 14, C1, C2);
  act_array(A2, B * 196 * C2, KIND);
  maxpool(A2, P2, ARG2, B, 14, 14, C2);
  dense(P2, P + offsets[4], P + offsets[5], D1, B, F, H1, KIND);
  dense(D1, P + offsets[6], P + offsets[7], D2, B, H1, H2, KIND);
  dense(D2, P + offsets[8], P + offsets[9], Z, B, H2, K, -1);
  for (int b = 0; b < B; b++) {
    float *z = Z + b * K, mx = z[0], s = 0.0f;
    for (int k = 1; k < K; k++) mx = z[k] > mx ? z[k] : mx;
    for (int k = 0; k < K; k++) z[k] = expf_(z[k] - mx), s += z[k];
    for (int k = 0; k < K; k++) z[k] /= s;
  }
}

// Gradients of the mean categorical cross-entropy over the batch (softmax output Z from
// lenet_forward, labels as class indices) into G. The loss itself is read from Z by the caller.
EXPORT(lenet_backward)
void lenet_backward(const float *x, const int *labels, int B) {
  int F = 7 * 7 * C2;
  for (int b = 0; b < B; b++) {
    const float *p = Z + b * K;
    for (int k = 0; k < K; k++) DZ[b * K + k] = (p[k] - (k == labels[b] ? 1.0f : 0.0f)) / B;
  }
  zero(G, NP);
  dense_backward(D2, P + offsets[8], DZ, G + offsets[8], G + offsets[9], DD2, B, H2, K);
  for (int i = 0; i < B * H2; i++) DD2[i] *= act_grad(D2[i], KIND);
  dense_backward(D1, P + offsets[6], DD2, G + offsets[6], G + offsets[7], DD1, B, H1, H2);
  for (int i = 0; i < B * H1; i++) DD1[i] *= act_grad(D1[i], KIND);
  dense_backward(P2, P + offsets[4], DD1, G + offsets[4], G + offsets[5], DP2, B, F, H1);
  zero(DA2, B * 196 * C2);
  for (int i = 0; i < B * F; i++) DA2[ARG2[i]] += DP2[i];
  for (int i = 0; i < B * 196 * C2; i++) DA2[i] *= act_grad(A2[i], KIND);
  conv3x3_backward(P1, P + offsets[2], DA2, G + offsets[2], G + offsets[3], DP1, B, 14, 14, C1, C2);
  zero(DA1, B * 784 * C1);
  for (int i = 0; i < B * 196 * C1; i++) DA1[ARG1[i]] += DP1[i];
  for (int i = 0; i < B * 784 * C1; i++) DA1[i] *= act_grad(A1[i], KIND);
  conv3x3_backward(x, P + offsets[0], DA1, G + offsets[0], G + offsets[1], 0, B, 28, 28, 1, C1);
}

// Adam as tfjs computes it: w -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
EXPORT(lenet_adam)
void lenet_adam(float lr, float b1, float b2, float eps, float accB1, float accB2) {
  float c1 = 1.0f / (1.0f - accB1), c2 = 1.0f / (1.0f - accB2);
  for (int i = 0; i < NP; i++) {
    float g = G[i];
    float m = Mo[i] = b1 * Mo[i] + (1.0f - b1) * g;
    float v = Vo[i] = b2 * Vo[i] + (1.0f - b2) * g * g;
    P[i] -= lr * (m * c1) / (__builtin_sqrtf(v * c2) + eps);
  }
}
