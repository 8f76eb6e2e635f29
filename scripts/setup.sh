#!/usr/bin/env bash
# Installs the Debian packages hostbpf needs, if any are missing. Idempotent and
# quiet when everything is there. Needs root (or sudo) only when it installs.
set -euo pipefail

PACKAGES=(
  cmake ninja-build g++ pkg-config
  clang-19 llvm-19 lld-19 libclang-rt-19-dev   # BPF C compiler; sanitizer/fuzzer runtimes
  libbpf-dev libelf-dev zlib1g-dev liburcu-dev
  libgtest-dev libgmock-dev libbenchmark-dev libcli11-dev libfmt-dev
  libasmjit-dev libffi-dev
  bpftool dwarves
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "setup: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
