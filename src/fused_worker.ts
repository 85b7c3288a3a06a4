// The second thread of a FusedTrainer: a WebAssembly instance of wasm/lenet.c on the trainer's
// shared memory that, each time the control block's generation moves, runs forward and backward
// on its share of the batch and reports back. See src/fused.ts.
import { instantiateLenet, type WorkerSetup } from "./fused_wasm.ts";

interface WorkerScope {
  onmessage: ((event: MessageEvent<WorkerSetup>) => void) | null;
  postMessage(message: unknown): void;
  close(): void;
}

const scope = globalThis as unknown as WorkerScope;

scope.onmessage = async ({ data }) => {
  const { memory, net, x, labels, control, stackTop } = data;
  const wasm = await instantiateLenet(memory);
  wasm.__stack_pointer.value = stackTop;
  const ints = new Int32Array(memory.buffer, control, 5),
    floats = new Float32Array(memory.buffer, control, 5);
  scope.postMessage("ready");
  for (let seen = 0;;) {
    Atomics.wait(ints, 0, seen);
    seen = Atomics.load(ints, 0);
    const count = ints[2]!;
    if (count < 0) break;
    const first = ints[4]!;
    wasm.lenet_forward(net, x + first * 784 * 4, count);
    wasm.lenet_backward(net, labels + first * 4, count, floats[3]!);
    Atomics.store(ints, 1, seen);
    Atomics.notify(ints, 1);
  }
  scope.close();
};
