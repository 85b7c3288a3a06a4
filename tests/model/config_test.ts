import { assertEquals, assertThrows } from "../_assert.ts";
import { ConfigError, DEFAULT_LENET, resolveLeNetConfig, resolveTrainConfig } from "../../src/config.ts";

Deno.test("resolveLeNetConfig() fills the tutorial's defaults", () => {
  assertEquals(resolveLeNetConfig(), { ...DEFAULT_LENET, inputShape: [28, 28, 1] });
});

Deno.test("resolveLeNetConfig() rejects an unknown option and an unknown activation", () => {
  assertThrows(
    () => resolveLeNetConfig({ filters: 3 } as never),
    ConfigError,
    'Unknown model option "filters"',
  );
  assertThrows(
    () => resolveLeNetConfig({ activation: "swish" as never }),
    ConfigError,
    'Unknown activation "swish": expected one of sigmoid, relu, tanh, elu',
  );
  assertThrows(() => resolveLeNetConfig({ fc1Units: 0 }), ConfigError, "Invalid fc1Units");
});

Deno.test("resolveTrainConfig() rejects out-of-range values", () => {
  assertThrows(() => resolveTrainConfig({ epochs: 1.5 }), ConfigError, "Invalid epochs");
  assertThrows(() => resolveTrainConfig({ learningRate: -1 }), ConfigError, "Invalid learningRate");
  assertThrows(() => resolveTrainConfig({ validationSplit: 1 }), ConfigError, "Invalid validationSplit");
});

Deno.test("resolveTrainConfig() keeps weight averaging, label smoothing and weight decay to the fused engine", () => {
  for (const key of ["averageDecay", "labelSmoothing", "weightDecay"] as const) {
    assertEquals(resolveTrainConfig({ [key]: 0.1 })[key], 0.1);
    assertThrows(
      () => resolveTrainConfig({ [key]: 0.1, engine: "tfjs" }),
      ConfigError,
      `(${key}) needs the fused engine`,
    );
    assertThrows(() => resolveTrainConfig({ [key]: 1 }), ConfigError, `Invalid ${key}`);
  }
});
