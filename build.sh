#!/usr/bin/env bash
# Patchouly build script.
#   ./build.sh run             run the bf JIT (samples/Bf) on its embedded mandelbrot program
#   ./build.sh test            build everything and run every test (x86-64 natively, then the cross-target tests and the
#                              bf sample on linux-arm64 under qemu-user and on win-x64 under wine); ends with
#                              "N passed, N failed[, N skipped]"
#   ./build.sh pack [folder]   make artifacts/packages (or folder)/Patchouly.<version>-local.<time>.nupkg and print
#                              the command that adds it to a project
#   ./build.sh bench <what>    run a benchmark (runtime, bf, build, wasm)
#   ./build.sh clang           only make sure clang >= 19 (and llvm tools) are installed
#   ./build.sh qemu            only make sure qemu-aarch64 and the arm64 cross libraries are installed
#   ./build.sh wine            only make sure wine64 is installed and the test prefix exists
set -euo pipefail
CALLER_DIR=$PWD
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

# One foreign target's part of `test`: the cross-target tests and the bf sample, both published self-contained for
# runtime identifier $1 and run by the runner function $2 (qemu or wine); $3 is the executables' suffix. The bf JIT on
# its embedded mandelbrot program must print the same bytes as on linux-x64. Sets FOREIGN_PASSED / FOREIGN_FAILED.
test_foreign() {
  local rid="$1" runner="$2" exe="$3" start out="artifacts/$1-tests" bf="artifacts/$1-bf" log rc=0
  start=$(date +%s)
  FOREIGN_PASSED=0 FOREIGN_FAILED=0
  echo "build.sh: $rid ($runner): publishing the cross-target tests and samples/Bf" >&2
  rm -rf "$out" "$bf"
  if ! dotnet publish tests/Patchouly.CrossTarget.Tests -c Release -r "$rid" --self-contained -p:InvariantGlobalization=true -o "$out" -v:q -nologo \
     || ! dotnet publish samples/Bf -c Release -r "$rid" --self-contained -p:InvariantGlobalization=true -o "$bf" -v:q -nologo; then
    echo "build.sh: publishing for $rid failed" >&2; FOREIGN_FAILED=1; return 0
  fi
  log=$(mktemp)
  "$runner" "$out/Patchouly.CrossTarget.Tests$exe" 2>&1 | tee "$log" || rc=$?
  local line
  line=$(tr -d '\r' <"$log" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -n1 || true)
  if [ -n "$line" ]; then
    FOREIGN_PASSED=$(echo "$line" | awk '{print $1}'); FOREIGN_FAILED=$(echo "$line" | awk '{print $3}')
  fi
  if [ "$rc" != 0 ] && [ "$FOREIGN_FAILED" = 0 ]; then
    FOREIGN_FAILED=1; echo "build.sh: the $rid tests exited with $rc without a failing test (crash or timeout); counting it as a failure" >&2
  fi
  rm -f "$log"
  local x64out foreignout
  x64out=$(mktemp); foreignout=$(mktemp)
  if dotnet run -c Release --no-build --project samples/Bf >"$x64out" && "$runner" "$bf/Bf$exe" >"$foreignout" \
     && [ -s "$x64out" ] && cmp -s "$x64out" "$foreignout"; then
    FOREIGN_PASSED=$((FOREIGN_PASSED + 1))
    echo "build.sh: samples/Bf ($rid) printed the same $(wc -c <"$foreignout") bytes as on linux-x64" >&2
  else
    FOREIGN_FAILED=$((FOREIGN_FAILED + 1))
    echo "build.sh: samples/Bf ($rid) did not print the same bytes as on linux-x64 ($(wc -c <"$x64out") vs $(wc -c <"$foreignout") bytes)" >&2
  fi
  rm -f "$x64out" "$foreignout"
  echo "build.sh: $rid part: $FOREIGN_PASSED passed, $FOREIGN_FAILED failed in $(( $(date +%s) - start )) s" >&2
}

WINE=/usr/lib/wine/wine64
# Outside the repository: a prefix links z: to /, which tree walks over the repository would follow.
WINE_PREFIX="${PATCHOULY_WINE_PREFIX:-${XDG_CACHE_HOME:-$HOME/.cache}/patchouly/wine-prefix}"

# wine64 from Debian (its loader is not on PATH) and a prefix of our own, made once (wineboot -i, a few seconds).
ensure_wine() {
  ensure_debian "the win-x64 tests under wine" wine64 "$WINE"
  if [ ! -f "$WINE_PREFIX/system.reg" ]; then
    mkdir -p "$WINE_PREFIX"
    WINEPREFIX="$WINE_PREFIX" WINEDEBUG=-all "$WINE" wineboot -i >/dev/null 2>&1 \
      || { echo "build.sh: 'wineboot -i' could not create the wine prefix $WINE_PREFIX" >&2; exit 1; }
  fi
}

# Runs a win-x64 executable under wine. DOTNET_EnableWriteXorExecute=0: with .NET's own W^X (code mapped twice through
# a section object), wine 8 fails when the runtime frees a collected DynamicMethod ("Internal CLR error 0x80131506" in
# DestroyScout.Finalize, seen without any Patchouly code). Patchouly's own W^X (VirtualAlloc RW, VirtualProtect RX)
# is not affected. PATCHOULY_TEST_IDLE_TIMEOUT: a test that fails with an exception can leave wine's exception dispatch
# looping on a stale frame (the process hangs); the test runner then stops after 120 s without a finished test.
run_win64() {
  WINEPREFIX="$WINE_PREFIX" WINEDEBUG=-all DOTNET_EnableWriteXorExecute=0 PATCHOULY_TEST_IDLE_TIMEOUT=120 \
    timeout "${WIN64_TIMEOUT:-900}" "$WINE" "$@"
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
  ensure_qemu
  test_foreign linux-arm64 run_arm64 ""
  passed=$((passed + FOREIGN_PASSED)); failed=$((failed + FOREIGN_FAILED))
  ensure_wine
  test_foreign win-x64 run_win64 .exe
  passed=$((passed + FOREIGN_PASSED)); failed=$((failed + FOREIGN_FAILED))
  if [ "$skipped" != 0 ]; then echo "$passed passed, $failed failed, $skipped skipped"; else echo "$passed passed, $failed failed"; fi
  [ "$rc" = 0 ] && [ "$failed" = 0 ]
}

cmd_pack() {
  # Packing builds the toolkit's projects but compiles no stencils, so it needs no clang (the package's users do).
  # The version is $(Version) of Directory.Build.props plus a suffix of its own (-local.<UTC time>), so a new pack is
  # never confused with a copy NuGet cached earlier (it caches by id and version).
  local out=artifacts/packages base suffix version
  if [ -n "${1:-}" ]; then case "$1" in /*) out=$1 ;; *) out="$CALLER_DIR/$1" ;; esac; fi
  base=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' Directory.Build.props | head -n1)
  mkdir -p "$out"
  out=$(cd "$out" && pwd)
  suffix="local.$(date -u +%Y%m%d%H%M%S)"
  while [ -f "$out/Patchouly.$base-$suffix.nupkg" ]; do sleep 1; suffix="local.$(date -u +%Y%m%d%H%M%S)"; done
  version="$base-$suffix"
  dotnet pack nuget/Patchouly.csproj -c Release -o "$out" -v:q -nologo "-p:PatchoulyVersionSuffix=$suffix"
  [ -f "$out/Patchouly.$version.nupkg" ] || { echo "build.sh: dotnet pack did not write $out/Patchouly.$version.nupkg" >&2; exit 1; }
  local source
  source=$(printf %q "$out")
  echo "$out/Patchouly.$version.nupkg"
  echo "To use it, make the folder a NuGet package source (once; this adds it to your user NuGet.config):"
  echo "  dotnet nuget add source $source --name patchouly-local"
  echo "then, in your project's folder:"
  echo "  dotnet add package Patchouly --version $version"
  echo "(Or add <add key=\"patchouly-local\" value=\"$out\" /> to <packageSources> in a nuget.config next to the project."
  echo "dotnet add package --source $source alone fails: that source replaces nuget.org, which has the dependency Iced.)"
}

# The build benchmark (issue 15, "Builds that scale"): for Calc, Bf and a generated library of 10,000+ variants
# (artifacts/bench-build/BuildScale), measures
#   * from scratch: obj/…/patchouly deleted, `dotnet build`; clang time (the task's messages, per target) and the time
#     of the target PatchoulyCompileStencils (MSBuild's performance summary), per target and per 1,000 variants;
#   * edit one stencil: one stencil's body changed; families compiled (the task's cache message) and task time;
#   * no-op edit: a comment added to a file without stencils, `dotnet build` with Patchouly and with
#     PatchoulyEnabled=false, alternating; the difference of the medians, and the task's own time;
# and prints one table with each goal marked met or missed. Usage: ./build.sh bench build [runs (default 3)].
# The measured builds use --no-dependencies (the toolkit's projects are built once first), the same for both sides.
bench_gen_scale() {
  local dir=artifacts/bench-build/BuildScale ops=("a + b" "a - b" "a * b" "a & b" "a | b" "a ^ b" "a << (int)(b & 63)" "a >> (int)(b & 63)" "a < b ? a : b" "a > b ? a : b")
  mkdir -p "$dir"
  cat > artifacts/bench-build/Directory.Build.props <<XML
<Project>
  <Import Project="$PWD/samples/Directory.Build.props" />
</Project>
XML
  cat > artifacts/bench-build/Directory.Build.targets <<XML
<Project>
  <Import Project="$PWD/samples/Directory.Build.targets" />
</Project>
XML
  cat > "$dir/BuildScale.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <AllowUnsafeBlocks>true</AllowUnsafeBlocks>
    <IsPackable>false</IsPackable>
  </PropertyGroup>
</Project>
XML
  {
    echo "// Generated by ./build.sh bench build: 10 stencils of 2 inputs and 1 output at Registers = 9, 1,000 variants each."
    echo "using Patchouly;"
    echo "namespace BuildScale;"
    echo "[StencilLibrary(Registers = 9)]"
    echo "internal static partial class ScaleStencils"
    echo "{"
    local i=0 op
    for op in "${ops[@]}"; do echo "    [Stencil] public static long Op$i(long a, long b) => $op;"; i=$((i + 1)); done
    echo "    [Stencil(ReturnsToCaller = true)] public static long Ret(long a) => a;"
    echo "}"
  } > "$dir/ScaleStencils.cs"
  cat > "$dir/Program.cs" <<'CS'
// A file without stencils: the no-op edit appends a comment here.
namespace BuildScale;
internal static class Program
{
    private static int Main() => ScaleStencils.Library.Families.Count > 0 ? 0 : 1;
}
CS
}

bench_median() { sort -g | awk '{a[NR]=$1} END {if (NR == 0) print "n/a"; else if (NR % 2) print a[(NR+1)/2]; else printf "%.3f\n", (a[NR/2]+a[NR/2+1])/2}'; }

# Builds $1 (extra args after it) at normal verbosity with the performance summary into $BENCH_LOG; sets BENCH_WALL.
bench_dotnet_build() {
  local project="$1" start end; shift
  start=$(date +%s.%N)
  dotnet build "$project" -c Release -nologo -v:n -clp:PerformanceSummary --no-restore --no-dependencies "$@" >"$BENCH_LOG" 2>&1 || { cat "$BENCH_LOG"; exit 1; }
  end=$(date +%s.%N)
  BENCH_WALL=$(awk -v a="$start" -v b="$end" 'BEGIN{printf "%.3f", b-a}')
}
bench_task_ms() { grep -E '^ +[0-9]+ ms +PatchoulyCompileStencils ' "$BENCH_LOG" | awk '{print $1}' | head -n1; }
bench_csc_ms() { grep -E '^ +[0-9]+ ms +CoreCompile ' "$BENCH_LOG" | awk '{print $1}' | head -n1; }

bench_build() {
  local runs="${1:-3}" rows=() loads=() project name dir stencils program edit_from edit_to
  bench_gen_scale
  BENCH_LOG=$(mktemp)
  for spec in "samples/Calc/Calc.csproj|samples/Calc/CalcStencils.cs|samples/Calc/Program.cs|a + b|b + a" \
              "samples/Bf/Bf.csproj|samples/Bf/BfStencils.cs|samples/Bf/Program.cs|p[off]++|p[off] += 1" \
              "artifacts/bench-build/BuildScale/BuildScale.csproj|artifacts/bench-build/BuildScale/ScaleStencils.cs|artifacts/bench-build/BuildScale/Program.cs|a ^ b|b ^ a"; do
    IFS='|' read -r project stencils program edit_from edit_to <<<"$spec"
    name=$(basename "$project" .csproj)
    dir="$(dirname "$project")/obj/Release/net10.0/patchouly"
    dotnet build "$project" -c Release -v:q -nologo >/dev/null
    local clang=() task=() variants="" targets=0 compiled="" edit_task=() noop_on=() noop_off=() noop_task=() csc_on=() csc_off=() i
    # From scratch.
    for i in $(seq "$runs"); do
      rm -rf "$dir"
      bench_dotnet_build "$project"
      clang+=("$(grep -o 'clang [0-9.]* s in' "$BENCH_LOG" | awk '{s+=$2} END {print s}')")
      task+=("$(bench_task_ms)")
      variants=$(grep -o 'stencils, [0-9]* variants' "$BENCH_LOG" | head -n1 | awk '{print $2}')
      targets=$(grep -c 'Patchouly: compiled .* for ' "$BENCH_LOG")
      loads+=("$(cut -d' ' -f1 /proc/loadavg)")
    done
    # Edit one stencil (then restore it: a second recompilation of that family).
    for i in $(seq "$runs"); do
      cp "$stencils" "$BENCH_LOG.orig"
      python3 -c "import sys; p,a,b=sys.argv[1:]; s=open(p).read(); assert a in s, a; open(p,'w').write(s.replace(a,b,1))" "$stencils" "$edit_from" "$edit_to"
      bench_dotnet_build "$project"
      edit_task+=("$(bench_task_ms)")
      compiled=$(grep -o 'compiled [0-9]* of [0-9]* families ([0-9]* variants, [0-9]* reused)' "$BENCH_LOG" | head -n1)
      cp "$BENCH_LOG.orig" "$stencils"
      bench_dotnet_build "$project"
    done
    # No-op edit of a file without stencils, alternating with and without Patchouly.
    for i in $(seq 5); do
      echo "// bench edit $i $(date +%s%N)" >> "$program"
      bench_dotnet_build "$project" -p:PatchoulyEnabled=false
      noop_off+=("$BENCH_WALL")
      csc_off+=("$(bench_csc_ms)")
      echo "// bench edit $i' $(date +%s%N)" >> "$program"
      bench_dotnet_build "$project"
      noop_on+=("$BENCH_WALL")
      noop_task+=("$(bench_task_ms)")
      csc_on+=("$(bench_csc_ms)")
      grep -q 'Patchouly: nothing to do' "$BENCH_LOG" || echo "bench: $name: the task did not take the fast path on a no-op edit" >&2
    done
    git checkout -q -- "$program" 2>/dev/null || sed -i '/^\/\/ bench edit /d' "$program"
    dotnet build "$project" -c Release -v:q -nologo >/dev/null
    local c t e on off nt
    c=$(printf '%s\n' "${clang[@]}" | bench_median); t=$(printf '%s\n' "${task[@]}" | bench_median)
    e=$(printf '%s\n' "${edit_task[@]}" | bench_median); nt=$(printf '%s\n' "${noop_task[@]}" | bench_median)
    on=$(printf '%s\n' "${noop_on[@]}" | bench_median); off=$(printf '%s\n' "${noop_off[@]}" | bench_median)
    rows+=("$name|$variants|$targets|$c|$t|$e|$compiled|$on|$off|$nt")
    echo "$name: no-op edit CoreCompile median $(printf '%s\n' "${csc_on[@]}" | bench_median) ms with Patchouly, $(printf '%s\n' "${csc_off[@]}" | bench_median) ms with PatchoulyEnabled=false"
  done
  rm -f "$BENCH_LOG" "$BENCH_LOG.orig"
  echo
  echo "Build benchmark: medians of $runs runs (no-op edits: 5 alternating pairs); load average during the from-scratch runs: ${loads[*]}; $(nproc) cores"
  printf '%-11s %9s | %-34s | %-36s | %-55s | %-40s\n' library variants "from scratch: clang / task (all targets)" "per target; per 1,000 variants" "edit one stencil: task time (families compiled)" "no-op edit: build vs PatchoulyEnabled=false (task)"
  local row name v n c t e comp on off nt
  local bf_task_per_target="" noop_worst=0 edit_ok=1
  for row in "${rows[@]}"; do
    IFS='|' read -r name v n c t e comp on off nt <<<"$row"
    local tt=$(awk -v t="$t" 'BEGIN{printf "%.2f", t/1000}') ptc=$(awk -v c="$c" -v n="$n" 'BEGIN{printf "%.2f", c/n}') ptt=$(awk -v t="$t" -v n="$n" 'BEGIN{printf "%.2f", t/1000/n}')
    local kc=$(awk -v c="$c" -v n="$n" -v v="$v" 'BEGIN{printf "%.2f", c/n/v*1000}') kt=$(awk -v t="$t" -v n="$n" -v v="$v" 'BEGIN{printf "%.2f", t/1000/n/v*1000}')
    local d=$(awk -v a="$on" -v b="$off" 'BEGIN{printf "%+.2f", a-b}')
    printf '%-11s %9s | clang %6.2f s / task %6.2f s (%d)   | %5s / %5s s; %5s / %5s s        | %6.2f s (%s) | %6.2f vs %6.2f s = %s s (task %.2f s)\n' \
      "$name" "$v" "$c" "$tt" "$n" "$ptc" "$ptt" "$kc" "$kt" "$(awk -v e="$e" 'BEGIN{print e/1000}')" "$comp" "$on" "$off" "$d" "$(awk -v x="$nt" 'BEGIN{print x/1000}')"
    [ "$name" = Bf ] && bf_task_per_target=$ptt
    noop_worst=$(awk -v w="$noop_worst" -v d="$d" 'BEGIN{print (d > w) ? d : w}')
    case "$comp" in "compiled 1 of "*) ;; *) edit_ok=0 ;; esac
  done
  echo
  mark() { if [ "$1" = 1 ]; then echo met; else echo MISSED; fi; }
  echo "Goal: no-op edit at most 0.5 s slower than PatchoulyEnabled=false (worst: $noop_worst s): $(mark "$(awk -v w="$noop_worst" 'BEGIN{print (w <= 0.5) ? 1 : 0}')")"
  echo "Goal: editing one stencil recompiles its family only: $(mark "$edit_ok")"
  echo "Goal: Bf from scratch in <= 5 s of task time per target ($bf_task_per_target s): $(mark "$(awk -v w="$bf_task_per_target" 'BEGIN{print (w != "" && w <= 5) ? 1 : 0}')")"
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
  qemu) ensure_qemu; command -v qemu-aarch64 ;;
  wine) ensure_wine; echo "$WINE" ;;
  *) echo "usage: ./build.sh run|test|pack|bench|clang|qemu|wine" >&2; exit 2 ;;
esac
