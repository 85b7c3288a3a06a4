// The floor of a cold start: a script that only imports onnxruntime-web, creates a session on a
// model and runs one zero image. bench/inference_report.ts times `deno task predict` against it.
//   deno run --allow-read bench/_minimal_ort.ts <model.onnx>
import * as ort from "npm:onnxruntime-web@1.30.0";

ort.env.wasm.numThreads = 1;
const session = await ort.InferenceSession.create(Deno.args[0]!);
const outputs = await session.run({
  [session.inputNames[0]!]: new ort.Tensor("float32", new Float32Array(784), [1, 1, 28, 28]),
});
console.log((outputs[session.outputNames[0]!]!.data as Float32Array).length);
