using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using Patchouly.Samples.Wasm.Decoding;
using Patchouly.Samples.Wasm.Jit;
using Patchouly.Samples.Wasm.Runtime;
using Patchouly.Samples.Wasm.Validation;

namespace Patchouly.Wasm.Tests;

/// <summary>
/// Validation and compilation of a module's bodies on several threads (<see cref="BodyBatches"/>): the same code and
/// results as on one thread, and the same error (kind, section, offset) for a module with several bad functions.
/// </summary>
public class ParallelCompileTests
{
    private const int Functions = 700;

    /// <summary>
    /// A module of <see cref="Functions"/> exported functions <c>fK(x)</c> (i32 → i32) of about 150 bytes each, so that
    /// it makes several batches: fK adds 20 constants to x, then returns f(K−1) of it (f0 returns x). Bodies in
    /// <paramref name="invalid"/> return an i64 instead (a type mismatch); bodies in <paramref name="huge"/> declare
    /// 20,000 locals (valid, beyond the JIT's frame).
    /// </summary>
    internal static byte[] Module(ISet<int>? invalid = null, ISet<int>? huge = null)
    {
        var code = new List<byte>();
        var exports = new List<byte>();
        for (int k = 0; k < Functions; k++)
        {
            var body = new List<byte>();
            if (huge?.Contains(k) == true) { body.Add(1); Leb(body, 20_000); body.Add(0x7F); }
            else body.Add(0);
            for (int i = 0; i < 20; i++) body.AddRange([0x20, 0, 0x41, (byte)((k + i) & 0x3F), 0x6A, 0x21, 0]);
            body.AddRange([0x20, 0]);
            if (k > 0) { body.Add(0x10); Leb(body, (uint)(k - 1)); }
            if (invalid?.Contains(k) == true) body.AddRange([0x1A, 0x42, 0]); // drop; i64.const 0
            body.Add(0x0B);
            Leb(code, (uint)body.Count);
            code.AddRange(body);
            string name = "f" + k;
            Leb(exports, (uint)name.Length);
            exports.AddRange(System.Text.Encoding.ASCII.GetBytes(name));
            exports.Add(0);
            Leb(exports, (uint)k);
        }
        var m = new List<byte> { 0, 0x61, 0x73, 0x6D, 1, 0, 0, 0 };
        Section(m, 1, [1, 0x60, 1, 0x7F, 1, 0x7F]);
        var functions = new List<byte>();
        Leb(functions, Functions);
        for (int k = 0; k < Functions; k++) functions.Add(0);
        Section(m, 3, functions);
        var exportSection = new List<byte>();
        Leb(exportSection, Functions);
        exportSection.AddRange(exports);
        Section(m, 7, exportSection);
        var codeSection = new List<byte>();
        Leb(codeSection, Functions);
        codeSection.AddRange(code);
        Section(m, 10, codeSection);
        return [.. m];
    }

    private static void Section(List<byte> m, byte id, IReadOnlyCollection<byte> content)
    {
        m.Add(id);
        Leb(m, (uint)content.Count);
        m.AddRange(content);
    }

    private static void Leb(List<byte> to, uint v)
    {
        do
        {
            byte b = (byte)(v & 0x7F);
            v >>= 7;
            to.Add(v != 0 ? (byte)(b | 0x80) : b);
        }
        while (v != 0);
    }

    private static Instance Compile(WasmModule m, int threads) =>
        Instance.Instantiate(new Store(), m, (_, _) => null, instance => JitCompiler.Compile(instance, threads, disassemblable: true));

    [Fact]
    public void TheModuleMakesSeveralBatches()
    {
        var m = ModuleDecoder.Decode(Module());
        Assert.True(BodyBatches.Split(m).Length - 1 >= 3, "the test module must span several batches");
    }

    [Fact]
    public void TheJitsBatchesAreItsOwnSizeAndCoverEveryBodyInOrder()
    {
        var m = ModuleDecoder.Decode(Module());
        int[] validation = BodyBatches.Split(m), jit = BodyBatches.Split(m, JitCompiler.BatchBytes);
        Assert.True(jit.Length > validation.Length, "the JIT's batches are smaller than validation's");
        foreach (var starts in new[] { validation, jit })
        {
            Assert.Equal(0, starts[0]);
            Assert.Equal(m.Bodies.Count, starts[^1]);
            for (int b = 0; b + 1 < starts.Length; b++)
            {
                Assert.True(starts[b] < starts[b + 1], "no empty batch");
                // A batch closes at the first body that reaches its size.
                long size = 0;
                for (int i = starts[b]; i < starts[b + 1] - 1; i++) size += m.Bodies[i].CodeEnd - m.Bodies[i].CodeStart;
                Assert.True(size < (starts == jit ? JitCompiler.BatchBytes : BodyBatches.BatchBytes));
            }
        }
        var code = Assert.IsType<JitCode>(Compile(m, 2).Code);
        Assert.Equal(jit.Length - 1, code.Modules.Length); // one JitModule per JIT batch
        Assert.Throws<ArgumentOutOfRangeException>(() => BodyBatches.Split(m, 0));
    }

    [Fact]
    public void SeveralThreadsCompileTheSameCodeAndResults()
    {
        var m = ModuleDecoder.Decode(Module());
        Validator.Validate(m, 4);
        var one = Compile(m, 1);
        var four = Compile(m, 4);
        var a = Assert.IsType<JitCode>(one.Code);
        var b = Assert.IsType<JitCode>(four.Code);
        Assert.Equal(a.Modules.Length, b.Modules.Length);
        for (int i = 0; i < a.Modules.Length; i++)
        {
            Assert.Equal(a.Modules[i].Functions.Select(f => f.Code.Length), b.Modules[i].Functions.Select(f => f.Code.Length));
            // The instances' addresses (function references) differ; the instructions must not.
            static string Normalized(string listing) => Regex.Replace(listing, "0x[0-9a-fA-F]+|\\b[0-9a-f]{8,16}\\b", "N");
            Assert.Equal(Normalized(a.Modules[i].Disassemble()), Normalized(b.Modules[i].Disassemble()));
        }
        foreach (int k in new[] { 0, 1, 99, 350, Functions - 1 })
        {
            long x = WasmRuntime.RunOnLargeStack(() => one.GetFunction("f" + k).Invoke(1000))[0];
            Assert.Equal(x, WasmRuntime.RunOnLargeStack(() => four.GetFunction("f" + k).Invoke(1000))[0]);
            // fK(x) = x + the sum of (j + i) & 63 for j <= K, i < 20.
            long expected = 1000;
            for (int j = 0; j <= k; j++) for (int i = 0; i < 20; i++) expected += (j + i) & 0x3F;
            Assert.Equal((int)expected, (int)x);
        }
    }

    [Theory]
    [InlineData(new[] { 5, 500 })]
    [InlineData(new[] { 650 })]
    [InlineData(new[] { 300, 301, 699 })]
    public void TheLowestInvalidBodyIsReportedWhateverTheThreads(int[] bad)
    {
        var m = ModuleDecoder.Decode(Module(invalid: bad.ToHashSet()));
        var errors = new[] { 1, 2, 4 }.Select(t => Assert.Throws<WasmException>(() => Validator.Validate(m, t))).ToArray();
        foreach (var e in errors)
        {
            Assert.Equal(WasmErrorKind.Invalid, e.Kind);
            Assert.Equal($"code[{bad.Min()}]", e.Section);
            Assert.Equal("type mismatch", e.Reason);
            Assert.Equal(errors[0].Offset, e.Offset);
        }
        Assert.True(errors[0].Offset > m.Bodies[bad.Min()].CodeStart && errors[0].Offset < m.Bodies[bad.Min()].CodeEnd);
    }

    [Fact]
    public void TheLowestFunctionBeyondTheJitsLimitsIsReportedWhateverTheThreads()
    {
        var m = ModuleDecoder.Decode(Module(huge: new HashSet<int> { 9, 420, 690 }));
        Validator.Validate(m, 4);
        foreach (int threads in new[] { 1, 2, 4 })
        {
            var e = Assert.Throws<WasmException>(() => Compile(m, threads));
            Assert.Equal(WasmErrorKind.ImplementationLimit, e.Kind);
            Assert.Equal("code[9]", e.Section);
        }
    }
}
