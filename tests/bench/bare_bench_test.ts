// `deno bench`, typed as people type it: no flag, no task. The benches it finds (deno.json
// `bench.include`) need no permission, so it runs them and prints their tables; a bench that
// asked for one would stop it.
import { assert, assertEquals } from "../_assert.ts";

Deno.test("deno bench, bare, runs every bench it finds without a permission flag", async () => {
  // --filter keeps it short; every bench module still loads and runs its set-up
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["bench", "--filter", "single image"],
    cwd: new URL("../../", import.meta.url),
    stdout: "piped",
    stderr: "piped",
  }).output();
  const out = new TextDecoder().decode(stdout), err = new TextDecoder().decode(stderr);
  assertEquals(code, 0, err);
  assert(/onnxruntime-web 1 thread, single image/.test(out), out);
  assert(!/NotCapable|Requires .* access/.test(out + err), err);
});
