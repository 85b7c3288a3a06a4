// kernels.c: the training kernels tfjs's wasm backend lacks or gets wrong, for `--engine tfjs`,
// in C with WebAssembly SIMD (128-bit). Build: deno task build:wasm (clang 14 + wasm-ld; the .wasm
// is committed and embedded). src/engines/tfjs/kernels.ts registers them with tfjs.
//
//   conv2d_backprop_filter  dW of a convolution (tfjs-wasm has none: tensorflow/tfjs#8474)
//   conv2d_backprop_input   dX of a convolution (tfjs-wasm's is slow)
//   batch_matmul            the transposed products of the dense layers' gradients (likewise)
//   max_pool_grad           dX of max pooling (tfjs-wasm's drops windows whose maximum is negative)
//
// A 3x3 'same' convolution of stride 1 (the LeNet's) takes lenet.c's fast path, from blocks.h: its
// filter gradient as patches times the output gradient, its input gradient as a convolution read
// in place; every product is blocked 4x8. Other geometries take the plain loops below.
//
// Tensors are NHWC, float32, row-major; filters are HWIO. The JavaScript side copies inputs into
// this module's memory from `heap_base()` on, calls a kernel with room for scratch after its
// output, and copies the output back. As in lenet.c's plain build, no fused multiply-add: the same
// results on every CPU.
#include "blocks.h"

// The LeNet's convolutions: 3x3, stride 1, no dilation, padded by one on each side ('same').
static int same_3x3(int inH, int inW, int outH, int outW, int kH, int kW, int sH, int sW, int pT, int pL, int dH,
                    int dW) {
  return kH == 3 && kW == 3 && sH == 1 && sW == 1 && dH == 1 && dW == 1 && pT == 1 && pL == 1 && outH == inH &&
         outW == inW;
}

// Floats of scratch conv2d_backprop_filter and conv2d_backprop_input need on the fast path.
EXPORT(conv_scratch_floats)
int conv_scratch_floats(int batch, int h, int w, int inC, int outC) {
  int padded = batch * (h + 2) * (w + 2) * (inC > outC ? inC : outC) + 64;
  int patches = batch * h * w * TAPS * inC + 64, turned = TAPS * outC * ((inC + 7) & ~7) + 64;
  return padded + (patches > turned ? patches : turned);
}

// ----------------------------------------------------------------------------------------------
// convolution gradients

// Both convolution gradients visit every (output pixel, tap) pair whose input pixel lies inside
// the input: g points at the output pixel's gradient (outC floats), `pixel` is the input pixel's
// first channel and `tap` the tap's first filter weight (inC x outC of them).
#define FOR_EACH_TAP(...)                                                                  \
  for (int b = 0; b < batch; b++)                                                          \
    for (int oh = 0; oh < outH; oh++)                                                      \
      for (int ow = 0; ow < outW; ow++) {                                                  \
        const float *g = dy + ((b * outH + oh) * outW + ow) * outC;                        \
        for (int kh = 0; kh < kH; kh++) {                                                  \
          int ih = oh * sH - pT + kh * dH;                                                 \
          if (ih < 0 || ih >= inH) continue;                                               \
          for (int kw = 0; kw < kW; kw++) {                                                \
            int iw = ow * sW - pL + kw * dW;                                               \
            if (iw < 0 || iw >= inW) continue;                                             \
            int pixel = ((b * inH + ih) * inW + iw) * inC, tap = (kh * kW + kw) * inC * outC; \
            __VA_ARGS__                                                                    \
          }                                                                                \
        }                                                                                  \
      }

// dW[kh,kw,ci,co] = sum over b,oh,ow of x[b, oh*sh + kh*dh - pt, ow*sw + kw*dw - pl, ci] * dy[b,oh,ow,co]
// One output pixel at a time: an outer product of the input pixel's channels with its gradient.
// Zero inputs (most of an MNIST digit, every relu's negatives) are skipped.
EXPORT(conv2d_backprop_filter)
void conv2d_backprop_filter(const float *x, const float *dy, float *dw, int batch, int inH, int inW, int inC,
                            int outH, int outW, int outC, int kH, int kW, int sH, int sW, int pT, int pL,
                            int dH, int dW, float *scratch) {
  if (same_3x3(inH, inW, outH, outW, kH, kW, sH, sW, pT, pL, dH, dW)) {  // patches^T dy
    int padded = batch * (inH + 2) * (inW + 2) * inC;
    float *xp = scratch, *col = scratch + ((padded + 64) & ~15);
    zero(xp, padded);
    pad_forward(x, xp, batch, inH, inW, inC);
    im2col(xp, col, batch, inH, inW, inC, 0);
    gemm(TAPS * inC, outC, batch * inH * inW, col, 1, TAPS * inC, dy, outC, dw, outC, 0, NO_ACT);
    return;
  }
  zero(dw, kH * kW * inC * outC);
  FOR_EACH_TAP(
    for (int ci = 0; ci < inC; ci++) {
      float xv = x[pixel + ci];
      if (xv != 0.0f) axpy(dw + tap + ci * outC, xv, g, outC);
    })
}

// dx[b,ih,iw,ci] = sum over kh,kw,co of dy[b,oh,ow,co] * W[kh,kw,ci,co], where ih = oh*sh + kh*dh - pt.
EXPORT(conv2d_backprop_input)
void conv2d_backprop_input(const float *dy, const float *w, float *dx, int batch, int inH, int inW, int inC,
                           int outH, int outW, int outC, int kH, int kW, int sH, int sW, int pT, int pL,
                           int dH, int dW, float *scratch) {
  if (same_3x3(inH, inW, outH, outW, kH, kW, sH, sW, pT, pL, dH, dW)) {  // dy convolved by w turned
    int padded = batch * (outH + 2) * (outW + 2) * outC, cp = (inC + 7) & ~7;
    float *dyp = scratch, *wf = scratch + ((padded + 64) & ~15);
    zero(dyp, padded);
    pad_forward(dy, dyp, batch, outH, outW, outC);
    turn_kernel(w, wf, inC, outC, cp);
    conv3x3_direct(dyp, wf, cp, 0, dx, 0, batch, inH, inW, outC, inC);
    return;
  }
  zero(dx, batch * inH * inW * inC);
  FOR_EACH_TAP(for (int ci = 0; ci < inC; ci++) dx[pixel + ci] += dot(w + tap + ci * outC, g, outC);)
}

// ----------------------------------------------------------------------------------------------
// batched matrix product

// C[m,n] = sum_k A(m,k) * B(k,n) for `batch` matrices (a batch of 1 in A or B is broadcast).
// A is M x K (K x M when transA), B is K x N (N x K when transB); C is M x N, all row-major. The
// blocked product reads A through strides either way; B, when transposed, is first turned into
// scratch (K x N floats).
EXPORT(batch_matmul)
void batch_matmul(const float *a, const float *b, float *c, int batchA, int batchB, int M, int K, int N,
                  int transA, int transB, float *scratch) {
  int batch = batchA > batchB ? batchA : batchB;
  for (int i = 0; i < batch; i++) {
    const float *A = a + (batchA == 1 ? 0 : i) * M * K;
    const float *B = b + (batchB == 1 ? 0 : i) * K * N;
    if (transB) {
      transpose(B, N, K, scratch);
      B = scratch;
    }
    gemm(M, N, K, A, transA ? 1 : K, transA ? M : 1, B, N, c + i * M * N, N, 0, NO_ACT);
  }
}

// ----------------------------------------------------------------------------------------------
// max pooling

// dx of max pooling: each output gradient goes to the first position (row-major) holding its
// window's maximum, padding excluded, as tfjs's cpu backend does.
EXPORT(max_pool_grad)
void max_pool_grad(const float *x, const float *dy, float *dx, int batch, int inH, int inW, int C, int outH,
                   int outW, int kH, int kW, int sH, int sW, int pT, int pL) {
  zero(dx, batch * inH * inW * C);
  for (int b = 0; b < batch; b++)
    for (int oh = 0; oh < outH; oh++)
      for (int ow = 0; ow < outW; ow++) {
        const float *g = dy + ((b * outH + oh) * outW + ow) * C;
        for (int c = 0; c < C; c++) {
          int best = -1;
          for (int kh = 0; kh < kH; kh++) {
            int ih = oh * sH - pT + kh;
            if (ih < 0 || ih >= inH) continue;
            for (int kw = 0; kw < kW; kw++) {
              int iw = ow * sW - pL + kw;
              if (iw < 0 || iw >= inW) continue;
              int at = ((b * inH + ih) * inW + iw) * C + c;
              if (best < 0 || x[at] > x[best]) best = at;
            }
          }
          if (best >= 0) dx[best] += g[c];
        }
      }
}
