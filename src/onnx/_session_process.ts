// The process of an isolated model session (session.ts's IsolatedSession, in Deno when it may
// start one): Deno with read access only (onnxruntime's .wasm is read from its package), reading
// a frame per question on stdin and writing a frame per answer on stdout. Its parent kills it when
// a question passes its deadline: that stops the model and frees all its memory at once, which a
// terminated worker's does not (Deno frees it late).
import { FrameReader, writeFrame } from "../_frames.ts";
import { fromFrame, sessionHost, toFrame } from "./session_host.ts";
import type { ToSessionWorker } from "./ort_session.ts";

/** Largest question body: a model file (64 MB) or a batch of pixels. */
const MAX_BODY = 256 * 1024 * 1024;

const answer = sessionHost();
const frames = new FrameReader(Deno.stdin.readable, MAX_BODY);
const out = Deno.stdout.writable.getWriter();
for (let frame = await frames.next<Record<string, unknown>>(); frame; frame = await frames.next()) {
  const { header, body } = toFrame(await answer(fromFrame<ToSessionWorker>(frame)));
  await writeFrame(out, header, body);
}
