// Working arrays the preparation reuses from one picture to the next. A fresh typed array of a few
// hundred KB gets new pages from the allocator, each zeroed by the kernel as it is first written:
// on the 2-core machine these figures come from, ~0.9 ms in Deno and ~1.2 ms in Chromium for one
// 280x280 array of floats, which made up most of a drawing's preparation. Only arrays that never
// leave the call that takes them come from here (JavaScript runs one call at a time, and each
// worker has its own module). Past MAX_REUSED elements a call gets an array of its own, so one huge
// picture does not stay in memory.

/** The largest array kept between calls, in elements: a 1024x1024 picture. */
const MAX_REUSED = 1 << 20;

type Typed = Float32Array | Int32Array | Uint8Array;

/**
 * A working array of one type, reused between calls: `take(length, zeroed)` gives `length`
 * elements, zeroed when asked (otherwise holding whatever the previous call left).
 */
export function scratch<T extends Typed>(
  make: (length: number) => T,
): (length: number, zeroed: boolean) => T {
  let kept: T | undefined;
  return (length, zeroed) => {
    if (length > MAX_REUSED) return make(length); // zeroed, as every new typed array is
    if (!kept || kept.length < length) {
      kept = make(Math.min(MAX_REUSED, Math.max(length, 2 * (kept?.length ?? 0))));
    }
    const view = kept.subarray(0, length) as T;
    if (zeroed) view.fill(0);
    return view;
  };
}
