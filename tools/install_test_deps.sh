#!/usr/bin/env bash
# Debian packages some tests use, installed when missing (idempotent; needs root for apt-get).
# `deno task test` runs without them (their tests are skipped, one line each); .ci/run installs
# them so that CI runs everything:
#   python3-onnx           the ONNX reference checker (tests/onnx_test.ts)
#   chromium               renders report.html (tests/figures_test.ts)
#   dataset-fashion-mnist  a second, gzipped IDX data set (tests/idx_test.ts)
#   clang, lld             rebuild wasm/*.wasm to check them against their sources (.ci/run)
#   clang-19, lld-19       the same for the relaxed-SIMD builds (clang 14 emits opcodes V8 rejects)
#   jupyter-nbconvert, python3-nbclient, jupyter-client, python3-ipykernel
#                          run notebooks/tutorial.ipynb headless on Deno's kernel (deno jupyter --install)
set -euo pipefail
missing=()
/usr/bin/python3 -c "import onnx" >/dev/null 2>&1 || missing+=(python3-onnx)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
[ -f /usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz ] || missing+=(dataset-fashion-mnist)
{ command -v clang && command -v wasm-ld; } >/dev/null 2>&1 || missing+=(clang lld)
{ command -v clang-19 && [ -x /usr/lib/llvm-19/bin/wasm-ld ]; } >/dev/null 2>&1 || missing+=(clang-19 lld-19)
command -v jupyter >/dev/null 2>&1 && jupyter nbconvert --version >/dev/null 2>&1 ||
  missing+=(jupyter-nbconvert python3-nbclient jupyter-client python3-ipykernel)
register_kernel() { # Deno's Jupyter kernel, once jupyter is there
  if command -v jupyter >/dev/null 2>&1 && ! jupyter kernelspec list 2>/dev/null | grep -q deno; then
    deno jupyter --install >/dev/null 2>&1 || true
  fi
}
if [ ${#missing[@]} -eq 0 ]; then
  register_kernel
  exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "error: the tests need these Debian packages: ${missing[*]} (install them, e.g. sudo apt-get install ${missing[*]})" >&2
  exit 1
fi
echo "installing ${missing[*]} for the tests" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
register_kernel
