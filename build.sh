#!/usr/bin/env bash
# Patchouly build script.
#   ./build.sh run             run the bf JIT (samples/Bf) on its embedded mandelbrot program
#   ./build.sh test            build everything and run every test; ends with "N passed, N failed[, N skipped]"
#   ./build.sh pack            make artifacts/packages/Patchouly.<version>.nupkg
#   ./build.sh bench <what>    run a benchmark (runtime, bf, build, wasm)
#   ./build.sh clang           only make sure clang >= 19 (and llvm tools) are installed
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

# Installs Debian packages (as root, or through sudo) when one of the commands is missing.
#   ensure_debian "what it is for" package command...
ensure_debian() {
  local why="$1" package="$2" missing=0 c
  shift 2
  for c in "$@"; do command -v "$c" >/dev/null 2>&1 || missing=1; done
  [ "$missing" = 0 ] && return 0
  echo "build.sh: $* not found ($why); installing $package from Debian's packages" >&2
  local sudo=""
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
      echo "build.sh: cannot install $package without root: 'apt-get install $package'" >&2
      exit 1
    fi
  fi
  command -v apt-get >/dev/null 2>&1 || { echo "build.sh: no apt-get here: install $package ($*)" >&2; exit 1; }
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $package >/dev/null
  for c in "$@"; do command -v "$c" >/dev/null 2>&1 || { echo "build.sh: installing $package did not give $c" >&2; exit 1; }; done
}

# wast2json (the Wasm sample's spec runner and tests).
ensure_wabt() { ensure_debian "the Wasm sample's spec tests" wabt wast2json wat2wasm; }

cmd_run() {
  ensure_clang
  dotnet build samples/Bf/Bf.csproj -c Release -v:q -nologo
  dotnet run -c Release --no-build --project samples/Bf -- "$@"
}

cmd_test() {
  ensure_clang
  ensure_wabt
  ensure_debian "wasm-ld for the Wasm sample's tests" lld-19 wasm-ld-19
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
    wasm)
      ensure_wabt
      ensure_debian "wasm-ld for the Wasm benchmarks" lld-19 wasm-ld-19
      command -v node >/dev/null 2>&1 || ensure_debian "V8 for the Wasm benchmarks" nodejs node
      dotnet build samples/Wasm/Wasm.csproj -c Release -v:q -nologo
      dotnet run -c Release --no-build --project samples/Wasm -- bench "${@:2}" ;;
    *) echo "usage: ./build.sh bench runtime|bf|build|wasm" >&2; exit 2 ;;
  esac
}

case "${1:-}" in
  run) shift; cmd_run "$@" ;;
  test) shift; cmd_test "$@" ;;
  pack) shift; cmd_pack "$@" ;;
  bench) shift; cmd_bench "$@" ;;
  clang) ensure_clang; find_clang ;;
  *) echo "usage: ./build.sh run|test|pack|bench|clang" >&2; exit 2 ;;
esac
