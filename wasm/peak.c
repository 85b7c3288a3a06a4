// peak.c: the most floating-point arithmetic this CPU does per second through WebAssembly SIMD, the
// ceiling every figure of the fused trainer is measured against (bench/train_bench.ts).
// Build: deno task build:wasm, twice: plain (peak.wasm: a multiply and an add, two instructions)
// and with relaxed SIMD (peak_relaxed.wasm: one fused multiply-add where the CPU has one).
//
// The loop: CHAINS independent chains of a = a * m + c on four lanes each. Independent chains keep
// every SIMD unit busy however long one multiply-add takes (a chain waits for its own previous
// result only), and nothing is loaded or stored inside the loop. Each round is CHAINS * 4 lanes *
// 2 flops (a multiply and an add count as two, fused or not).
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name)))

enum { CHAINS = 12 };

#ifdef __wasm_relaxed_simd__
#define MADD(a, m, c) wasm_f32x4_relaxed_madd(a, m, c)
#else
#define MADD(a, m, c) wasm_f32x4_add(wasm_f32x4_mul(a, m), c)
#endif

// Floating-point operations in one round of peak_run.
EXPORT(peak_flops_per_round) int peak_flops_per_round(void) { return CHAINS * 4 * 2; }

// `rounds` rounds of the chains; returns their sum, so that the compiler cannot drop the work.
// With m = 0.5 and c = 1 every chain converges to 2: no overflow, no denormals, whatever `rounds`.
EXPORT(peak_run)
float peak_run(int rounds, float m, float c) {
  v128_t vm = wasm_f32x4_splat(m), vc = wasm_f32x4_splat(c);
  v128_t a0 = wasm_f32x4_splat(0.0f), a1 = wasm_f32x4_splat(0.1f), a2 = wasm_f32x4_splat(0.2f);
  v128_t a3 = wasm_f32x4_splat(0.3f), a4 = wasm_f32x4_splat(0.4f), a5 = wasm_f32x4_splat(0.5f);
  v128_t a6 = wasm_f32x4_splat(0.6f), a7 = wasm_f32x4_splat(0.7f), a8 = wasm_f32x4_splat(0.8f);
  v128_t a9 = wasm_f32x4_splat(0.9f), a10 = wasm_f32x4_splat(1.0f), a11 = wasm_f32x4_splat(1.1f);
  for (int r = 0; r < rounds; r++) {
    a0 = MADD(a0, vm, vc), a1 = MADD(a1, vm, vc), a2 = MADD(a2, vm, vc), a3 = MADD(a3, vm, vc);
    a4 = MADD(a4, vm, vc), a5 = MADD(a5, vm, vc), a6 = MADD(a6, vm, vc), a7 = MADD(a7, vm, vc);
    a8 = MADD(a8, vm, vc), a9 = MADD(a9, vm, vc), a10 = MADD(a10, vm, vc), a11 = MADD(a11, vm, vc);
  }
  v128_t s = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_add(a0, a1), wasm_f32x4_add(a2, a3)),
                            wasm_f32x4_add(wasm_f32x4_add(a4, a5), wasm_f32x4_add(a6, a7)));
  s = wasm_f32x4_add(s, wasm_f32x4_add(wasm_f32x4_add(a8, a9), wasm_f32x4_add(a10, a11)));
  return wasm_f32x4_extract_lane(s, 0) + wasm_f32x4_extract_lane(s, 1) + wasm_f32x4_extract_lane(s, 2) +
         wasm_f32x4_extract_lane(s, 3);
}
