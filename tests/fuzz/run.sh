#!/usr/bin/env bash
# Builds the libFuzzer targets with clang into build-fuzz (ASan + UBSan) and runs each one
# for SECONDS (default 60), one after the other. The working corpus grows in
# build-fuzz/corpus/<target>; the committed seeds in tests/fuzz/corpus/<target> are read,
# never written. A crash stops the script with the reproducer path (crash-*, in build-fuzz/).
#   tests/fuzz/run.sh [SECONDS] [TARGET...]      e.g. tests/fuzz/run.sh 20 session
# FUZZ_JOBS=N runs N targets at once (default 1), each still for SECONDS on a core of its own:
# CI runs two on its two cores. Each one's output is printed when it ends.
# To keep a finding as a regression test: copy the reproducer into tests/fuzz/corpus/<target>/
# (name it regress-<what>), fix the bug, and `ctest -R "fuzz replay"` replays it in any build.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-60}
shift || true
dir=${BUILD_DIR:-build-fuzz}
cmake -S . -B "$dir" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DBOUNCEBACK_FUZZ=ON >/dev/null
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in tests/fuzz/*_fuzz.cpp; do
    name=$(basename "$f" _fuzz.cpp)
    targets+=("$name")
  done
fi
cmake --build "$dir" -j"${JOBS:-2}" --target "${targets[@]/#/fuzz_}"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
fuzz_one() {  # fuzz_one NAME: runs one target, prints its output, fails when it crashed
  local name=$1 corpus="$dir/corpus/$1" max_len seeds dict
  mkdir -p "$corpus"
  seeds=("$PWD/tests/fuzz/corpus/$name")
  [ "$name" = scenario ] && seeds+=("$PWD/scenarios")
  # Inputs as large as the server accepts: the API takes 1 MiB bodies (a scenario PUT), and a
  # 64 KiB cap once hid a crash that needed 80 KB. SMTP input streams, so 64 KiB covers it.
  max_len=65536
  case $name in scenario | api_router) max_len=1048576 ;; esac
  dict=()
  [ -f "tests/fuzz/$name.dict" ] && dict=(-dict="$PWD/tests/fuzz/$name.dict")
  echo "== fuzz_$name for ${seconds}s =="
  (cd "$dir" && "./tests/fuzz/fuzz_$name" -max_total_time="$seconds" -rss_limit_mb=2048 \
    -max_len="$max_len" -timeout=10 -print_final_stats=1 "${dict[@]}" \
    "corpus/$name" "${seeds[@]}") 2>&1 | grep -v "^#[0-9]*.*\(NEW\|REDUCE\|pulse\)"
}
jobs=${FUZZ_JOBS:-1}
for ((i = 0; i < ${#targets[@]}; i += jobs)); do
  batch=("${targets[@]:i:jobs}")
  pids=()
  for name in "${batch[@]}"; do
    fuzz_one "$name" >"$dir/fuzz_$name.log" 2>&1 &
    pids+=($!)
  done
  for j in "${!batch[@]}"; do
    status=0
    wait "${pids[$j]}" || status=$?
    cat "$dir/fuzz_${batch[$j]}.log"
    if [ $status -ne 0 ]; then
      echo "fuzz_${batch[$j]} FAILED: see the crash-* file in $dir/"
      wait
      exit 1
    fi
  done
done
