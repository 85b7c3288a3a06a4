// Assertions for the tests, on node:assert (Deno's std is out of reach here).
import assert from "node:assert/strict";

export function assertEquals<T>(actual: T, expected: T, message?: string): void {
  assert.deepStrictEqual(actual, expected, message);
}

export function assert_(condition: unknown, message?: string): asserts condition {
  assert.ok(condition, message);
}
export { assert_ as assert };

export function assertThrows(fn: () => unknown, type: new (...a: never[]) => Error, includes?: string): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof type, `expected ${type.name}, got ${error}`);
    if (includes) {
      assert.ok(
        (error as Error).message.includes(includes),
        `"${(error as Error).message}" lacks "${includes}"`,
      );
    }
    return true;
  });
}

export async function assertRejects(
  fn: () => Promise<unknown>,
  type: new (...a: never[]) => Error,
  includes?: string,
): Promise<void> {
  await assert.rejects(fn, (error: unknown) => {
    assert.ok(error instanceof type, `expected ${type.name}, got ${error}`);
    if (includes) {
      assert.ok(
        (error as Error).message.includes(includes),
        `"${(error as Error).message}" lacks "${includes}"`,
      );
    }
    return true;
  });
}

export function assertAllClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  atol: number,
  rtol = 0,
): void {
  assert.equal(actual.length, expected.length, "lengths differ");
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!, e = expected[i]!;
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) {
      assert.fail(`element ${i}: ${a} vs ${e} (atol ${atol}, rtol ${rtol})`);
    }
  }
}
