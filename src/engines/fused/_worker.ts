// A helper thread of a FusedTrainer: a WebAssembly instance of wasm/lenet.c on the trainer's
// shared memory that serves the trainer's pool (lenet_serve: each phase's share of the batch or
// of Adam, until the trainer says quit). The hand-off is lenet.c's. See trainer.ts.
import { instantiateLenet, type WorkerSetup } from "./_wasm.ts";
import { onSetup } from "./_thread.ts";
import { messageOf } from "../../errors.ts";

await onSetup(async (data: WorkerSetup) => {
  const { memory, pool, thread, stackTop, build } = data;
  const wasm = await instantiateLenet(memory, build);
  wasm.__stack_pointer.value = stackTop;
  return () => {
    try {
      wasm.lenet_serve(pool, thread);
    } catch (error) {
      // the trainer's thread stops waiting for this one, and throws
      console.error(`error: the training worker failed: ${messageOf(error)}`);
      wasm.lenet_pool_fail(pool, thread);
    }
  };
});
