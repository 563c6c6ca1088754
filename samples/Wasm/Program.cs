using System;
using System.IO;
using Patchouly.Samples.Wasm.Decoding;
using Patchouly.Samples.Wasm.Jit;
using Patchouly.Samples.Wasm.Runtime;
using Patchouly.Samples.Wasm.Validation;

var bytes = File.ReadAllBytes(args[0]);
var m = ModuleDecoder.Decode(bytes);
Validator.Validate(m);
var inst = Instance.Instantiate(m, (_, _) => null, i => JitCompiler.Compile(i));
var f = inst.GetFunction(args[1]);
var a = new long[args.Length - 2];
for (int i = 0; i < a.Length; i++) a[i] = long.Parse(args[i + 2]);
foreach (var r in f.Invoke(a)) Console.WriteLine(r);
return 0;
