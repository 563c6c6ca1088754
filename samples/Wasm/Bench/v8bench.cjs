// Times V8 on one module: node --allow-natives-syntax FLAGS v8bench.cjs [--tier=liftoff|turbofan] FILE.wasm EXPORT ARGS... RUNS
// Prints one JSON line: compile_ms (best of 3 synchronous compilations of the module), best run_ms over RUNS calls,
// result, and the tier of EXPORT's code before the first call and after the last (V8's own %IsLiftoffFunction /
// %IsTurboFanFunction). With --tier=…, a different tier at either point is an error (exit code 2): the benchmark's
// "Liftoff" must be Liftoff's code only. node 20 tiers hot functions up to TurboFan during a run even under
// `--liftoff --no-wasm-tier-up` (dynamic tiering, whose budget checks Liftoff's code carries); `--liftoff-only`
// keeps them in Liftoff's code.
// node 20's V8 compiles lazily by default (`new WebAssembly.Module` then only decodes and validates, every function is
// compiled on its first call), so the benchmark passes --no-wasm-lazy-compilation: the timed compile is then the whole
// module's, as the other engines' is. V8 keeps compiled modules in a cache keyed by their bytes, so every compilation
// gets a copy with a distinct (ignored) custom section at the end; else the second compile would be a cache hit.
'use strict';
const fs = require('fs');
let argv = process.argv.slice(2);
let expectedTier = null;
if (argv.length > 0 && argv[0].startsWith('--tier=')) {
  expectedTier = argv[0].slice('--tier='.length);
  argv = argv.slice(1);
}
const [file, exportName, ...rest] = argv;
const runs = parseInt(rest.pop(), 10);
const args = rest.map(a => Number(a));
const bytes = fs.readFileSync(file);
let compiled, compileMs = Infinity;
for (let i = 0; i < 3; i++) {
  const name = Buffer.from('v8bench' + i);
  const copy = Buffer.concat([bytes, Buffer.from([0, name.length + 1, name.length]), name]);
  const t0 = process.hrtime.bigint();
  compiled = new WebAssembly.Module(copy);
  const t1 = process.hrtime.bigint();
  compileMs = Math.min(compileMs, Number(t1 - t0) / 1e6);
}
const instance = new WebAssembly.Instance(compiled, {});
const f = instance.exports[exportName];
// Natives syntax is parsed only under --allow-natives-syntax: through eval, so that the script itself always parses.
function tierOf(fn) {
  try {
    const liftoff = eval('%IsLiftoffFunction(fn)'), turbofan = eval('%IsTurboFanFunction(fn)');
    return liftoff ? 'liftoff' : turbofan ? 'turbofan' : 'other';
  } catch (e) {
    return 'unknown (run node with --allow-natives-syntax)';
  }
}
function checkTier(when, tier) {
  if (expectedTier !== null && tier !== expectedTier) {
    console.error(`v8bench: ${exportName} is ${tier} code ${when}, expected ${expectedTier}`);
    process.exit(2);
  }
}
const tierBefore = tierOf(f);
checkTier('before the first call', tierBefore);
let best = Infinity, result;
if (runs > 0) {
  for (let i = 0; i < runs; i++) {
    const s = process.hrtime.bigint();
    result = f(...args);
    const e = process.hrtime.bigint();
    best = Math.min(best, Number(e - s) / 1e6);
  }
} else best = 0;
const tierAfter = runs > 0 ? tierOf(f) : tierBefore;
checkTier('after the last call', tierAfter);
console.log(JSON.stringify({ compile_ms: compileMs, run_ms: best, result: String(result), tier_before: tierBefore, tier_after: tierAfter }));
