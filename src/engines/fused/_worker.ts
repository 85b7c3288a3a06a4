// A helper thread of a FusedTrainer: a WebAssembly instance of wasm/lenet.c on the trainer's
// shared memory that, each time its control block's generation moves, does the task it finds
// there (forward, and backward, on its share of the batch, or its share of Adam) and reports back.
// See trainer.ts.
import { IMAGE_PIXELS } from "../../config.ts";
import {
  Control,
  CONTROL_WORDS,
  instantiateLenet,
  Pixels,
  Task,
  waitWhile,
  type WorkerSetup,
} from "./_wasm.ts";
import { onSetup } from "./_thread.ts";
import { messageOf } from "../../errors.ts";

await onSetup(async (data: WorkerSetup) => {
  const { memory, net, nets, x, labels, control, stackTop, build } = data;
  const wasm = await instantiateLenet(memory, build);
  wasm.__stack_pointer.value = stackTop;
  const ints = new Int32Array(memory.buffer, control, CONTROL_WORDS),
    floats = new Float32Array(memory.buffer, control, CONTROL_WORDS);
  return loop;

  function loop(): void {
    for (let seen = 0;;) {
      waitWhile(ints, Control.asked, seen);
      seen = Atomics.load(ints, Control.asked);
      const task = ints[Control.task];
      if (task === Task.quit) break;
      try {
        run(task!);
      } catch (error) {
        console.error(`error: the training worker failed: ${messageOf(error)}`);
        ints[Control.failed] = 1;
      }
      Atomics.store(ints, Control.done, seen);
      Atomics.notify(ints, Control.done);
    }
  }

  function run(task: number): void {
    if (task === Task.forwardBackward || task === Task.forward) {
      const first = ints[Control.first]!, count = ints[Control.count]!, pixels = ints[Control.bytes]!;
      const bytes = pixels === Pixels.floats ? 0 : 1;
      const transforms = pixels === Pixels.transformedBytes ? ints[Control.transforms]! : 0;
      wasm.lenet_forward(net, x + first * IMAGE_PIXELS * (bytes ? 1 : 4), count, bytes, transforms);
      if (task === Task.forwardBackward) {
        wasm.lenet_backward(net, labels + first * 4, ints[Control.count]!, floats[Control.scale]!);
      }
    } else {
      const [lr, b1, b2, eps, accB1, accB2] = floats.subarray(Control.adam, Control.adam + 6);
      wasm.lenet_adam(
        net,
        nets,
        ints[Control.nets]!,
        lr!,
        b1!,
        b2!,
        eps!,
        accB1!,
        accB2!,
        floats[Control.decay]!,
        ints[Control.from]!,
        ints[Control.to]!,
      );
    }
  }
});
