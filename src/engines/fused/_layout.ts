// Where a FusedTrainer's buffers lie in its WebAssembly memory, one function that plans it all:
//
//   pool | Net pointers | Net 0 | Net 1, stack 1 | ... | Net T-1, stack T-1 | images | labels
//
// The pool (lenet.c's Pool) is where the threads meet: each phase's arguments, a generation word
// and a line per helper. Thread 0 (the trainer's own) runs on Net 0 and the C stack the module
// starts with; each helper thread t has a Net of its own (its gradients and activations; the
// parameters and Adam's moments are Net 0's) and a stack.
// Every Net is laid out by lenet_init for ceil(maxBatch / T) images, the most a thread takes.
import { type Activation, ACTIVATIONS, ConfigError, IMAGE_PIXELS, type LeNetConfig } from "../../config.ts";
import { type LenetExports, MAX_PAGES } from "./_wasm.ts";

/** A WebAssembly page, the unit memory grows by. */
const PAGE = 65536;
/** A cache line: what two threads write goes this far apart, so that neither evicts the other's. */
const LINE = 64;
/** A helper thread's C stack: the C code keeps its arrays in Nets, so a page is plenty. */
const STACK_BYTES = PAGE;
/** The batch's images as floats (bytes and their augmentation transforms fit in the same room), and a label each. */
const BATCH_BYTES_PER_IMAGE = IMAGE_PIXELS * 4 + 4;

/** Where everything lies: byte offsets into the memory. */
export interface Layout {
  /** Each thread's Net; the first is the trainer's own, which holds the parameters. */
  nets: number[];
  /** The Nets' addresses as an array in memory, for Adam (which sums their gradients). */
  netList: number;
  /** The threads' pool. */
  pool: number;
  /** Each helper's stack top. */
  stacks: number[];
  /** The batch's images. */
  x: number;
  /** The batch's labels. */
  labels: number;
}

const align = (at: number) => Math.ceil(at / LINE) * LINE;

/** The activation's number in the C code (sigmoid 0, relu 1, tanh 2, elu 3). */
function kindOf(activation: Activation): number {
  return ACTIVATIONS.indexOf(activation);
}

/**
 * Lays out a trainer of `threads` threads for batches of up to `maxBatch` images in `memory`
 * (growing it), writes each Net's header, and returns where everything is.
 *
 * @throws {ConfigError} When a batch that large does not fit the module's 2 GiB.
 */
export function layOut(
  wasm: LenetExports,
  memory: WebAssembly.Memory,
  config: LeNetConfig,
  maxBatch: number,
  threads: number,
): Layout {
  const { conv1Filters: c1, conv2Filters: c2, fc1Units: h1, fc2Units: h2, numClasses: k } = config;
  const kind = kindOf(config.activation);
  const pool = align(wasm.heap_base());
  const netList = align(pool + wasm.lenet_pool_bytes());
  const net0 = align(netList + 4 * threads);
  const init = (at: number, batch: number, share: number) =>
    wasm.lenet_init(at, c1, c2, h1, h2, k, kind, batch, share) >>> 0;
  // A Net's size grows linearly with its batch: measure the slope and the rest (an owning Net's,
  // the larger) by laying Net 0 out twice, then check the whole plan fits before making it.
  const perImage = init(net0, 2, 0) - init(net0, 1, 0), fixed = init(net0, 1, 0) - net0 - perImage;
  const need = (batch: number) =>
    net0 + threads * (fixed + perImage * Math.ceil(batch / threads) + 2 * LINE) +
    (threads - 1) * STACK_BYTES +
    batch * BATCH_BYTES_PER_IMAGE + LINE;
  const room = MAX_PAGES * PAGE - PAGE;
  if (!Number.isInteger(maxBatch) || maxBatch < 1 || need(maxBatch) > room) {
    let largest = 1;
    for (let step = 1 << 30; step >= 1; step >>= 1) if (need(largest + step) <= room) largest += step;
    throw new ConfigError(
      `A batch of ${maxBatch} images does not fit the fused engine's 2 GiB of WebAssembly memory ` +
        `on ${threads} thread${threads === 1 ? "" : "s"}: use 1 to ${largest}`,
    );
  }
  const grow = (end: number) => {
    const missing = end - memory.buffer.byteLength;
    if (missing > 0) memory.grow(Math.ceil(missing / PAGE));
  };
  const batch = Math.ceil(maxBatch / threads);
  const nets = [net0], stacks: number[] = [];
  let end = init(net0, batch, 0);
  for (let t = 1; t < threads; t++) {
    const net = align(end) + LINE;
    grow(net + PAGE); // room for the Net's header, which lenet_init writes
    end = init(net, batch, net0);
    nets.push(net);
    end = align(end) + STACK_BYTES;
    stacks.push(end);
  }
  const x = align(end), labels = x + maxBatch * IMAGE_PIXELS * 4;
  grow(labels + maxBatch * 4 + LINE);
  new Uint32Array(memory.buffer, netList, threads).set(nets);
  wasm.lenet_pool_init(pool, threads);
  return { nets, netList, pool, stacks, x, labels };
}
