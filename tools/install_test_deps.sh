#!/usr/bin/env bash
# Debian packages some tests use, installed when missing (idempotent; needs root for apt-get).
# `deno task test` runs without them (their tests are skipped, one line each); .ci/run installs
# them so that CI runs everything:
#   python3-onnx           the ONNX reference checker (tests/onnx_test.ts)
#   chromium               renders report.html (tests/figures_test.ts)
#   dataset-fashion-mnist  a second, gzipped IDX data set (tests/idx_test.ts)
#   clang, lld             rebuild wasm/*.wasm to check them against their sources (.ci/run)
#   clang-19, lld-19       the same for the relaxed-SIMD builds (clang 14 emits opcodes V8 rejects)
set -euo pipefail
missing=()
/usr/bin/python3 -c "import onnx" >/dev/null 2>&1 || missing+=(python3-onnx)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
[ -f /usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz ] || missing+=(dataset-fashion-mnist)
{ command -v clang && command -v wasm-ld; } >/dev/null 2>&1 || missing+=(clang lld)
{ command -v clang-19 && [ -x /usr/lib/llvm-19/bin/wasm-ld ]; } >/dev/null 2>&1 || missing+=(clang-19 lld-19)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "error: the tests need these Debian packages: ${missing[*]} (install them, e.g. sudo apt-get install ${missing[*]})" >&2
  exit 1
fi
echo "installing ${missing[*]} for the tests" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
