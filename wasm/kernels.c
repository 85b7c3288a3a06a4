// kernels.c: the training kernels tfjs's wasm backend lacks or gets wrong, for `--engine tfjs`,
// in C with WebAssembly SIMD (128-bit). Build: deno task build:wasm (clang 14 + wasm-ld; the .wasm
// is committed and embedded). src/engines/tfjs/kernels.ts registers them with tfjs.
//
//   conv2d_backprop_filter  dW of a convolution (tfjs-wasm has none: tensorflow/tfjs#8474)
//   conv2d_backprop_input   dX of a convolution (tfjs-wasm's is slow)
//   batch_matmul            the transposed products of the dense layers' gradients (likewise)
//
// Tensors are NHWC, float32, row-major; filters are HWIO. The JavaScript side copies inputs into
// this module's memory from `heap_base()` on, calls a kernel, and copies the output back. As in
// lenet.c, no fused multiply-add and no relaxed SIMD: the same results on every CPU.
#include "simd.h"

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
                            int dH, int dW) {
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
                           int dH, int dW) {
  zero(dx, batch * inH * inW * inC);
  FOR_EACH_TAP(for (int ci = 0; ci < inC; ci++) dx[pixel + ci] += dot(w + tap + ci * outC, g, outC);)
}

// ----------------------------------------------------------------------------------------------
// batched matrix product

// C[m,n] = sum_k A(m,k) * B(k,n) for `batch` matrices (a batch of 1 in A or B is broadcast).
// A is M x K (K x M when transA), B is K x N (N x K when transB); C is M x N, all row-major.
// Loop orders keep the innermost loop contiguous: a row of B scaled into a row of C, or a dot
// product of two contiguous rows when B is transposed.
EXPORT(batch_matmul)
void batch_matmul(const float *a, const float *b, float *c, int batchA, int batchB, int M, int K, int N,
                  int transA, int transB) {
  int batch = batchA > batchB ? batchA : batchB;
  for (int i = 0; i < batch; i++) {
    const float *A = a + (batchA == 1 ? 0 : i) * M * K;
    const float *B = b + (batchB == 1 ? 0 : i) * K * N;
    float *C = c + i * M * N;
    if (!transB) {
      zero(C, M * N);
      if (!transA) {
        for (int m = 0; m < M; m++)
          for (int k = 0; k < K; k++) {
            float v = A[m * K + k];
            if (v != 0.0f) axpy(C + m * N, v, B + k * N, N);
          }
      } else {
        for (int k = 0; k < K; k++)
          for (int m = 0; m < M; m++) {
            float v = A[k * M + m];
            if (v != 0.0f) axpy(C + m * N, v, B + k * N, N);
          }
      }
    } else if (!transA) {
      for (int m = 0; m < M; m++)
        for (int n = 0; n < N; n++) C[m * N + n] = dot(A + m * K, B + n * K, K);
    } else {
      for (int m = 0; m < M; m++)
        for (int n = 0; n < N; n++) {
          float s = 0.0f;
          for (int k = 0; k < K; k++) s += A[k * M + m] * B[n * K + k];
          C[m * N + n] = s;
        }
    }
  }
}
