// Assertions for the tests, on node:assert (Deno's std is out of reach here).
import assert from "node:assert/strict";

export function assertEquals<T>(actual: T, expected: T, message?: string): void {
  assert.deepStrictEqual(actual, expected, message);
}

export function assert_(condition: unknown, message?: string): asserts condition {
  assert.ok(condition, message);
}
export { assert_ as assert };

type ErrorClass = new (...a: never[]) => Error;

/** A node:assert validator: the error is a `type` whose message contains `includes`. */
function isError(type: ErrorClass, includes?: string): (error: unknown) => true {
  return (error) => {
    assert.ok(error instanceof type, `expected ${type.name}, got ${error}`);
    if (includes) assert.ok(error.message.includes(includes), `"${error.message}" lacks "${includes}"`);
    return true;
  };
}

export function assertThrows(fn: () => unknown, type: ErrorClass, includes?: string): void {
  assert.throws(fn, isError(type, includes));
}

export async function assertRejects(
  fn: () => Promise<unknown>,
  type: ErrorClass,
  includes?: string,
): Promise<void> {
  await assert.rejects(fn, isError(type, includes));
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
