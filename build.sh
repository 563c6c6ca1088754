#!/usr/bin/env bash
# Patchouly build script.
#   ./build.sh run             run the bf JIT (samples/Bf) on its embedded mandelbrot program
#   ./build.sh test            build everything and run every test (x86-64 natively, then the cross-target tests and the
#                              bf sample on linux-arm64 under qemu-user); ends with "N passed, N failed[, N skipped]"
#   ./build.sh pack            make artifacts/packages/Patchouly.<version>.nupkg
#   ./build.sh bench <what>    run a benchmark (runtime, bf, build)
#   ./build.sh clang           only make sure clang >= 19 (and llvm tools) are installed
#   ./build.sh qemu            only make sure qemu-aarch64 and the arm64 cross libraries are installed
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export MSBUILDDISABLENODEREUSE=1

CLANG_MIN=19
CLANG_PACKAGES="clang-19 llvm-19"

clang_major() { "$1" --version 2>/dev/null | sed -n 's/.*clang version \([0-9][0-9]*\)\..*/\1/p' | head -n1; }

find_clang() {
  if [ -n "${PATCHOULY_CLANG:-}" ]; then echo "$PATCHOULY_CLANG"; return 0; fi
  local c v
  for c in clang-25 clang-24 clang-23 clang-22 clang-21 clang-20 clang-19 clang; do
    if command -v "$c" >/dev/null 2>&1; then
      v=$(clang_major "$c")
      if [ -n "$v" ] && [ "$v" -ge "$CLANG_MIN" ]; then command -v "$c"; return 0; fi
    fi
  done
  return 1
}

ensure_clang() {
  local clang
  if clang=$(find_clang) && command -v "llvm-readobj-$(clang_major "$clang")" >/dev/null 2>&1; then return 0; fi
  echo "build.sh: clang >= $CLANG_MIN and its llvm tools were not found; installing $CLANG_PACKAGES from Debian's packages" >&2
  local sudo=""
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
      echo "build.sh: cannot install $CLANG_PACKAGES without root. Install them ('apt-get install $CLANG_PACKAGES')," >&2
      echo "or point the MSBuild property PatchoulyClang (or PATCHOULY_CLANG) at clang $CLANG_MIN or newer." >&2
      exit 1
    fi
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "build.sh: no apt-get here. Install clang $CLANG_MIN+ and llvm tools, or set PatchoulyClang / PATCHOULY_CLANG." >&2
    exit 1
  fi
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $CLANG_PACKAGES >/dev/null
  if ! clang=$(find_clang); then
    echo "build.sh: installing $CLANG_PACKAGES did not give a clang >= $CLANG_MIN. Set PatchoulyClang / PATCHOULY_CLANG." >&2
    exit 1
  fi
  echo "build.sh: using $clang ($($clang --version | head -n1))" >&2
}

QEMU_PACKAGES="qemu-user libc6-arm64-cross libstdc++6-arm64-cross libgcc-s1-arm64-cross"
ARM64_SYSROOT=/usr/aarch64-linux-gnu

# qemu-user and Debian's arm64 cross libraries (the sysroot given to qemu-aarch64 with -L). Not multiarch: the two
# set-ups must not be mixed (with -L and a multiarch libc6:arm64 installed, .NET was seen to hang).
ensure_qemu() {
  if command -v qemu-aarch64 >/dev/null 2>&1 && [ -e "$ARM64_SYSROOT/lib/ld-linux-aarch64.so.1" ] \
     && [ -e "$ARM64_SYSROOT/lib/libstdc++.so.6" ] && [ -e "$ARM64_SYSROOT/lib/libgcc_s.so.1" ]; then return 0; fi
  echo "build.sh: qemu-aarch64 or the arm64 cross libraries in $ARM64_SYSROOT were not found; installing $QEMU_PACKAGES" >&2
  local sudo=""
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
      echo "build.sh: cannot install $QEMU_PACKAGES without root; install them ('apt-get install $QEMU_PACKAGES')." >&2
      exit 1
    fi
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "build.sh: no apt-get here. Install qemu-user (qemu-aarch64) and an arm64 glibc/libstdc++ sysroot in $ARM64_SYSROOT." >&2
    exit 1
  fi
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $QEMU_PACKAGES >/dev/null
  if ! command -v qemu-aarch64 >/dev/null 2>&1 || [ ! -e "$ARM64_SYSROOT/lib/ld-linux-aarch64.so.1" ]; then
    echo "build.sh: installing $QEMU_PACKAGES did not give qemu-aarch64 and $ARM64_SYSROOT." >&2
    exit 1
  fi
}

# Runs a linux-arm64 executable under qemu-user. DOTNET_EnableWriteXorExecute=0: .NET's own W^X maps its code twice
# (a writable and an executable view of one memfd page); qemu-user does not see writes through the writable view, so
# code the runtime patches later (the GC write barrier when the heap grows) keeps running stale. Seen here as
# NullReferenceExceptions and crashes once enough garbage is collected; gone with W^X off or a huge gen0. Patchouly's
# own W^X (mmap RW, mprotect RX, one view) is not affected and still runs.
run_arm64() { DOTNET_EnableWriteXorExecute=0 timeout "${ARM64_TIMEOUT:-900}" qemu-aarch64 -L "$ARM64_SYSROOT" "$@"; }

# The arm64 part of `test`: the cross-target tests and the bf sample, both published self-contained for linux-arm64
# and run under qemu. Sets ARM64_PASSED / ARM64_FAILED.
test_arm64() {
  local start out=artifacts/arm64-tests bf=artifacts/arm64-bf log rc=0
  start=$(date +%s)
  ARM64_PASSED=0 ARM64_FAILED=0
  ensure_qemu
  echo "build.sh: linux-arm64 under qemu-user: publishing the cross-target tests and samples/Bf" >&2
  rm -rf "$out" "$bf"
  if ! dotnet publish tests/Patchouly.CrossTarget.Tests -c Release -r linux-arm64 --self-contained -p:InvariantGlobalization=true -o "$out" -v:q -nologo \
     || ! dotnet publish samples/Bf -c Release -r linux-arm64 --self-contained -p:InvariantGlobalization=true -o "$bf" -v:q -nologo; then
    echo "build.sh: publishing for linux-arm64 failed" >&2; ARM64_FAILED=1; return 0
  fi
  log=$(mktemp)
  run_arm64 "$out/Patchouly.CrossTarget.Tests" 2>&1 | tee "$log" || rc=$?
  local line
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -n1 || true)
  if [ -n "$line" ]; then
    ARM64_PASSED=$(echo "$line" | awk '{print $1}'); ARM64_FAILED=$(echo "$line" | awk '{print $3}')
  fi
  if [ "$rc" != 0 ] && [ "$ARM64_FAILED" = 0 ]; then
    ARM64_FAILED=1; echo "build.sh: the arm64 tests exited with $rc without a failing test (crash or timeout); counting it as a failure" >&2
  fi
  rm -f "$log"
  # The bf JIT on its embedded mandelbrot program: the same bytes on linux-arm64 as on x86-64.
  local x64out arm64out
  x64out=$(mktemp); arm64out=$(mktemp)
  if dotnet run -c Release --no-build --project samples/Bf >"$x64out" && run_arm64 "$bf/Bf" >"$arm64out" \
     && [ -s "$x64out" ] && cmp -s "$x64out" "$arm64out"; then
    ARM64_PASSED=$((ARM64_PASSED + 1))
    echo "build.sh: samples/Bf (linux-arm64, qemu) printed the same $(wc -c <"$arm64out") bytes as on x86-64" >&2
  else
    ARM64_FAILED=$((ARM64_FAILED + 1))
    echo "build.sh: samples/Bf under qemu-aarch64 did not print the same bytes as on x86-64 ($(wc -c <"$x64out") vs $(wc -c <"$arm64out") bytes)" >&2
  fi
  rm -f "$x64out" "$arm64out"
  echo "build.sh: linux-arm64 part: $ARM64_PASSED passed, $ARM64_FAILED failed in $(( $(date +%s) - start )) s" >&2
}

cmd_run() {
  ensure_clang
  dotnet build samples/Bf/Bf.csproj -c Release -v:q -nologo
  dotnet run -c Release --no-build --project samples/Bf -- "$@"
}

cmd_test() {
  ensure_clang
  dotnet build Patchouly.slnx -c Release -v:q -nologo
  local log rc=0
  log=$(mktemp)
  dotnet test Patchouly.slnx -c Release --no-build -v:q -nologo 2>&1 | tee "$log" || rc=$?
  local passed failed skipped
  passed=$(grep -Eo 'Passed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
  failed=$(grep -Eo 'Failed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
  skipped=$(grep -Eo 'Skipped: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
  rm -f "$log"
  if [ "$rc" != 0 ] && [ "$failed" = 0 ]; then failed=1; echo "build.sh: dotnet test failed (exit $rc) without a failing test; counting it as a failure" >&2; fi
  test_arm64
  passed=$((passed + ARM64_PASSED)); failed=$((failed + ARM64_FAILED))
  if [ "$skipped" != 0 ]; then echo "$passed passed, $failed failed, $skipped skipped"; else echo "$passed passed, $failed failed"; fi
  [ "$rc" = 0 ] && [ "$failed" = 0 ]
}

cmd_pack() {
  # Packing builds the toolkit's projects but compiles no stencils, so it needs no clang (the package's users do).
  local out=artifacts/packages version
  version=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' Directory.Build.props | head -n1)
  rm -f "$out/Patchouly.$version.nupkg"
  dotnet pack nuget/Patchouly.csproj -c Release -o "$out" -v:q -nologo
  [ -f "$out/Patchouly.$version.nupkg" ] || { echo "build.sh: dotnet pack did not write $out/Patchouly.$version.nupkg" >&2; exit 1; }
  echo "$out/Patchouly.$version.nupkg"
}

# From-scratch stencil builds of the sample libraries: the stencil output directory is deleted, then `dotnet build`
# recompiles the stencils (clang) and the project. Prints, per run, the task's own line, the time of the target
# PatchoulyCompileStencils (MSBuild's performance summary) and the whole build's wall-clock time.
bench_build() {
  local runs="${1:-3}" project name dir log start end
  for project in samples/Calc/Calc.csproj samples/Bf/Bf.csproj; do
    name=$(basename "$project" .csproj)
    dotnet build "$project" -c Release -v:q -nologo >/dev/null
    for i in $(seq "$runs"); do
      dir="$(dirname "$project")/obj/Release/net10.0/patchouly"
      rm -rf "$dir"
      log=$(mktemp)
      start=$(date +%s.%N)
      dotnet build "$project" -c Release -nologo -v:n -clp:PerformanceSummary >"$log" 2>&1 || { cat "$log"; exit 1; }
      end=$(date +%s.%N)
      printf '%s run %d: %s; target PatchoulyCompileStencils %s ms; build %.2f s (load %s)\n' "$name" "$i" \
        "$(grep -o 'Patchouly: compiled [^;]*; clang [^)]*)' "$log" | head -n1 | sed 's/^Patchouly: //')" \
        "$(grep -E '^ +[0-9]+ ms +PatchoulyCompileStencils ' "$log" | awk '{print $1}' | head -n1)" \
        "$(awk -v a="$start" -v b="$end" 'BEGIN{print b-a}')" "$(cut -d' ' -f1 /proc/loadavg)"
      rm -f "$log"
    done
  done
}

cmd_bench() {
  ensure_clang
  local what="${1:-}"
  case "$what" in
    runtime) dotnet run -c Release --project tests/Patchouly.Benchmarks -- "${@:2}" ;;
    bf) dotnet run -c Release --project samples/Bf -- --bench "${@:2}" ;;
    build) bench_build "${@:2}" ;;
    *) echo "usage: ./build.sh bench runtime|bf|build" >&2; exit 2 ;;
  esac
}

case "${1:-}" in
  run) shift; cmd_run "$@" ;;
  test) shift; cmd_test "$@" ;;
  pack) shift; cmd_pack "$@" ;;
  bench) shift; cmd_bench "$@" ;;
  clang) ensure_clang; find_clang ;;
  qemu) ensure_qemu; command -v qemu-aarch64 ;;
  *) echo "usage: ./build.sh run|test|pack|bench|clang|qemu" >&2; exit 2 ;;
esac
