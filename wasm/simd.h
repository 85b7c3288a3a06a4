// What both WebAssembly modules share: the export attribute, the heap start, and the small SIMD
// vector helpers every kernel is built from.
#ifndef LENET_SIMD_H
#define LENET_SIMD_H
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name)))

extern unsigned char __heap_base;

// First free byte of linear memory: buffers are laid out from here.
EXPORT(heap_base) unsigned int heap_base(void) { return (unsigned int)&__heap_base; }

static void zero(float *p, int n) {
  int i = 0;
  for (; i + 4 <= n; i += 4) wasm_v128_store(p + i, wasm_f32x4_splat(0.0f));
  for (; i < n; i++) p[i] = 0.0f;
}

// y[0..n) += a * x[0..n)
static inline void axpy(float *y, float a, const float *x, int n) {
  v128_t va = wasm_f32x4_splat(a);
  int i = 0;
  for (; i + 4 <= n; i += 4)
    wasm_v128_store(y + i, wasm_f32x4_add(wasm_v128_load(y + i), wasm_f32x4_mul(va, wasm_v128_load(x + i))));
  for (; i < n; i++) y[i] += a * x[i];
}

// sum(a[0..n) * b[0..n))
static inline float dot(const float *a, const float *b, int n) {
  v128_t acc = wasm_f32x4_splat(0.0f);
  int i = 0;
  for (; i + 4 <= n; i += 4) acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_v128_load(a + i), wasm_v128_load(b + i)));
  float s = wasm_f32x4_extract_lane(acc, 0) + wasm_f32x4_extract_lane(acc, 1) + wasm_f32x4_extract_lane(acc, 2) +
            wasm_f32x4_extract_lane(acc, 3);
  for (; i < n; i++) s += a[i] * b[i];
  return s;
}

#endif
