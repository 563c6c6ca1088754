using System;
using System.Collections.Generic;
using Patchouly.Samples.Wasm.Decoding;
using Patchouly.Samples.Wasm.Engines;
using Patchouly.Samples.Wasm.Runtime;
using Patchouly.Samples.Wasm.Validation;

namespace Patchouly.Wasm.Tests;

/// <summary>The decoder and validator: typed errors with section and offset, never a crash, on hostile input.</summary>
public class DecoderTests
{
    /// <summary>
    /// A module with imports, memory, table, data and element segments, a loop, loads, globals, conversions,
    /// call_indirect, br_table and select (wat2wasm of the text in the comment of <see cref="RichWat"/>).
    /// </summary>
    internal static readonly byte[] Rich = Convert.FromBase64String(
        "AGFzbQEAAAABDQJgAX8Bf2ADf39/AX8CCgEDZW52AWcDfwADBQQAAAABBAQBcAAEBQQBAQEEBgYBfgFCBwsHDQIDcnVuAAIDc2VsAAMJCAEAQQALAgABCmYEBwAgACAAbAsHACAAQQFqC0oCAX4BfAJAA0AgAEUNASABIABBA3EtABCtfCEBIAIgAbmgIQIjASABfCQBIABBAWshAAwACwtBAEAAGiACqkEBEQAAQQAOAQAACwkAIAAgASACGwsLCwEAQRALBWhlbGxv");

    /// <summary>The source of <see cref="Rich"/>.</summary>
    internal const string RichWat = """
        (module
          (type $t (func (param i32) (result i32)))
          (import "env" "g" (global $g i32))
          (memory 1 4) (table 4 funcref) (global $m (mut i64) (i64.const 7))
          (data (i32.const 16) "hello") (elem (i32.const 0) $sq $inc)
          (func $sq (type $t) (i32.mul (local.get 0) (local.get 0)))
          (func $inc (type $t) (i32.add (local.get 0) (i32.const 1)))
          (func (export "run") (param i32) (result i32) (local i64 f64)
            (block $b (loop $l
              (br_if $b (i32.eqz (local.get 0)))
              (local.set 1 (i64.add (local.get 1) (i64.extend_i32_u (i32.load8_u offset=16 (i32.and (local.get 0) (i32.const 3))))))
              (local.set 2 (f64.add (local.get 2) (f64.convert_i64_s (local.get 1))))
              (global.set $m (i64.add (global.get $m) (local.get 1)))
              (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
              (br $l)))
            (drop (memory.grow (i32.const 0)))
            (call_indirect (type $t) (i32.trunc_f64_s (local.get 2)) (i32.const 1))
            (br_table 0 0 (i32.const 0)))
          (func (export "sel") (param i32 i32 i32) (result i32) (select (local.get 0) (local.get 1) (local.get 2))))
        """;

    private static ImportResolver Env(Store store) => (module, name) =>
        module == "env" && name == "g" ? new GlobalCell(store, new GlobalType(ValType.I32, false), 5) : null;

    [Fact]
    public void RichModuleRuns()
    {
        var m = ModuleDecoder.Decode(Rich);
        Validator.Validate(m);
        using var store = new Store();
        var inst = WasmRuntime.RunOnLargeStack(() => new JitEngine().Instantiate(store, m, Env(store)));
        // run(4): the bytes at 16 + (i & 3) for i = 4, 3, 2, 1 are 'h' (104), 'l' (108), 'l', 'e' (101), so the
        // running sums are 104, 212, 320, 421; their sum is 1057, and inc(1057) = 1058.
        var r = WasmRuntime.RunOnLargeStack(() => inst.GetFunction("run").Invoke(4));
        Assert.Equal(1058, (int)r[0]);
        Assert.Equal(7, (int)WasmRuntime.RunOnLargeStack(() => inst.GetFunction("sel").Invoke(7, 9, 1))[0]);
        Assert.Equal(9, (int)WasmRuntime.RunOnLargeStack(() => inst.GetFunction("sel").Invoke(7, 9, 0))[0]);
    }

    public static IEnumerable<object[]> Malformed() =>
    [
        [new byte[] { }, "header", "magic header not detected"],
        [new byte[] { 0, 0x61, 0x73, 0x6D, 2, 0, 0, 0 }, "header", "unknown binary version"],
        [new byte[] { 0, 0x61, 0x73, 0x6D, 1, 0, 0, 0, 1, 5, 1, 0x60, 0, 0 }, "type", "unexpected end"],
        [new byte[] { 0, 0x61, 0x73, 0x6D, 1, 0, 0, 0, 1, 5, 1, 0x60, 0, 0, 0 }, "type", "section size mismatch"],
        [new byte[] { 0, 0x61, 0x73, 0x6D, 1, 0, 0, 0, 13, 0 }, "header", "malformed section id"],
        [new byte[] { 0, 0x61, 0x73, 0x6D, 1, 0, 0, 0, 3, 2, 1, 0 }, "code", "function and code section have inconsistent lengths"],
        [new byte[] { 0, 0x61, 0x73, 0x6D, 1, 0, 0, 0, 1, 4, 1, 0x60, 0, 0, 1, 4, 1, 0x60, 0, 0 }, "type", "unexpected content after last section"],
        [new byte[] { 0, 0x61, 0x73, 0x6D, 1, 0, 0, 0, 5, 6, 1, 0, 0x80, 0x80, 0x80, 0x80 }, "memory", "unexpected end"],
        [new byte[] { 0, 0x61, 0x73, 0x6D, 1, 0, 0, 0, 5, 7, 1, 0, 0x80, 0x80, 0x80, 0x80, 0x70 }, "memory", "integer too large"],
        [new byte[] { 0, 0x61, 0x73, 0x6D, 1, 0, 0, 0, 1, 5, 1, 0x60, 1, 0x7B, 0 }, "type", "malformed value type"],
    ];

    [Theory]
    [MemberData(nameof(Malformed))]
    public void MalformedModulesAreRejectedWithSectionAndOffset(byte[] bytes, string section, string reason)
    {
        var e = Assert.Throws<WasmException>(() => ModuleDecoder.Decode(bytes));
        Assert.Equal(WasmErrorKind.Malformed, e.Kind);
        Assert.Equal(section, e.Section);
        Assert.StartsWith(reason, e.Reason);
        Assert.InRange(e.Offset, 0, bytes.Length);
    }

    [Fact]
    public void InvalidCodeNamesTheFunctionAndOffset()
    {
        // (func (result i32) (i64.const 0)): a type mismatch at the end of function 0.
        byte[] bytes = [0, 0x61, 0x73, 0x6D, 1, 0, 0, 0, 1, 5, 1, 0x60, 0, 1, 0x7F, 3, 2, 1, 0, 10, 6, 1, 4, 0, 0x42, 0, 0x0B];
        var m = ModuleDecoder.Decode(bytes);
        var e = Assert.Throws<WasmException>(() => Validator.Validate(m));
        Assert.Equal(WasmErrorKind.Invalid, e.Kind);
        Assert.Equal("code[0]", e.Section);
        Assert.Equal("type mismatch", e.Reason);
        Assert.Equal(bytes.Length - 1, e.Offset);
    }

    [Fact]
    public void BeyondTheJitsLimitsIsATypedError()
    {
        // (func (local 20000 i32)): valid, but its frame has more slots than FunctionBuilder allows.
        byte[] bytes = [0, 0x61, 0x73, 0x6D, 1, 0, 0, 0, 1, 4, 1, 0x60, 0, 0, 3, 2, 1, 0, 10, 8, 1, 6, 1, 0xA0, 0x9C, 0x01, 0x7F, 0x0B];
        var m = ModuleDecoder.Decode(bytes);
        Validator.Validate(m);
        using var store = new Store();
        var e = Assert.Throws<WasmException>(() => new JitEngine().Instantiate(store, m, Env(store)));
        Assert.Equal(WasmErrorKind.ImplementationLimit, e.Kind);
        Assert.Equal("code[0]", e.Section);
        // The interpreter has no frame limit.
        var inst = new Patchouly.Samples.Wasm.Interp.InterpEngine().Instantiate(store, m, Env(store));
        Assert.NotNull(inst);
        // A table of 100 million elements.
        var t = ModuleDecoder.Decode([0, 0x61, 0x73, 0x6D, 1, 0, 0, 0, 4, 7, 1, 0x70, 0, 0x80, 0xC2, 0xD7, 0x2F]);
        Validator.Validate(t);
        Assert.Equal(WasmErrorKind.ImplementationLimit, Assert.Throws<WasmException>(() => new JitEngine().Instantiate(store, t, Env(store))).Kind);
    }

    /// <summary>Every truncation and thousands of byte mutations of a valid module: decoded, validated and compiled, or rejected with a <see cref="WasmException"/>.</summary>
    [Fact]
    public void HostileBytesNeverCrash()
    {
        int rejected = 0, accepted = 0;
        void Try(byte[] bytes)
        {
            try
            {
                var m = ModuleDecoder.Decode(bytes);
                Validator.Validate(m);
                // Compile (but do not run: a mutated loop may not end).
                using var store = new Store();
                try { new JitEngine().Instantiate(store, m, Env(store)); }
                catch (WasmException e) when (e.Kind is WasmErrorKind.Unlinkable or WasmErrorKind.Uninstantiable) { }
                accepted++;
            }
            catch (WasmException) { rejected++; }
        }
        WasmRuntime.RunOnLargeStack(() =>
        {
            for (int n = 0; n < Rich.Length; n++) Try(Rich[..n]);
            var random = new Random(20251207);
            for (int i = 0; i < 4000; i++)
            {
                var b = (byte[])Rich.Clone();
                int flips = random.Next(1, 4);
                for (int k = 0; k < flips; k++) b[random.Next(8, b.Length)] = (byte)random.Next(256);
                Try(b);
            }
            return 0;
        });
        Assert.True(rejected > 1000, $"{rejected} rejected");
        Assert.True(accepted > 10, $"{accepted} accepted");
    }
}
