using System;
using System.Globalization;
using System.IO;
using System.Linq;
using Patchouly.Runtime.Tests.Stencils;
using static Patchouly.Runtime.Tests.Jit;

namespace Patchouly.Runtime.Tests;

/// <summary>perf map entries (<c>/tmp/perf-&lt;pid&gt;.map</c>) for JIT-compiled code.</summary>
public sealed class PerfMapTests : IDisposable
{
    private readonly bool _existed = File.Exists(PerfMap.FilePath);

    public void Dispose()
    {
        PerfMap.Enabled = false;
        PerfMap.IncludeStencils = false;
        if (!_existed) File.Delete(PerfMap.FilePath);
    }

    private static string[] Lines() => File.Exists(PerfMap.FilePath) ? File.ReadAllLines(PerfMap.FilePath) : [];

    private static string Hex(long value) => value.ToString("x", CultureInfo.InvariantCulture);

    [Fact]
    public void TheFileIsNamedAfterTheProcess()
    {
        Assert.Equal($"/tmp/perf-{Environment.ProcessId}.map", PerfMap.FilePath);
    }

    [Theory]
    [InlineData(null, "/tmp/perf-42.map")]
    [InlineData("0", "/tmp/perf-42.map")]
    [InlineData("2", "/tmp/perf-42.map")] // jitdump only
    [InlineData("1", "/tmp/perf-42.patchouly.map")] // the runtime owns /tmp/perf-42.map and would overwrite our lines
    [InlineData("3", "/tmp/perf-42.patchouly.map")]
    public void ASeparateFileWhenTheRuntimeWritesItsOwnPerfMap(string? runtimeSetting, string expected)
    {
        Assert.Equal(expected, PerfMap.ChooseFilePath(42, runtimeSetting));
    }

    [Fact]
    public void NothingIsWrittenWhenDisabled()
    {
        PerfMap.Enabled = false;
        var b = Builder();
        b.Name = "quiet_function";
        new TestEmitter(b).ReturnConst(1);
        using var f = b.Compile();
        Assert.DoesNotContain(Lines(), l => l.Contains("quiet_function", StringComparison.Ordinal));
    }

    [Fact]
    public void OneLinePerFunction()
    {
        PerfMap.Enabled = true;
        var b = Builder(1);
        b.Name = "perf_function";
        new TestEmitter(b).AddImm8(R0, 1, R0);
        new TestEmitter(b).Return(R0);
        using var f = b.Compile();
        Assert.Contains($"{Hex(f.EntryPoint)} {Hex(f.Code.Length)} TestStencils::perf_function", Lines());
    }

    [Fact]
    public void OneLinePerStencilWhenAsked()
    {
        PerfMap.Enabled = true;
        PerfMap.IncludeStencils = true;
        var b = Builder(1);
        b.Name = "perf_stencils";
        new TestEmitter(b).Const(5, R1);
        new TestEmitter(b).Add(R0, R1, R2);
        new TestEmitter(b).Return(R2);
        using var f = b.Compile();
        var lines = Lines().Where(l => l.Contains(" TestStencils::perf_stencils::", StringComparison.Ordinal)).ToArray();
        Assert.Equal(4, lines.Length);
        long body = f.EntryPoint + f.BodyOffset;
        int constLength = VariantLength(TestStencils.Const, R1) - 5, addLength = VariantLength(TestStencils.Add, R0, R1, R2) - 5;
        Assert.Equal($"{Hex(f.EntryPoint)} {Hex(TestStencils.Library.Variants[TestStencils.Library.EntryFamily.FirstVariant].Length)} TestStencils::perf_stencils::entry", lines[0]);
        Assert.Equal($"{Hex(body)} {Hex(constLength)} TestStencils::perf_stencils::Const", lines[1]);
        Assert.Equal($"{Hex(body + constLength)} {Hex(addLength)} TestStencils::perf_stencils::Add", lines[2]);
        Assert.Equal($"{Hex(body + constLength + addLength)} {Hex(VariantLength(TestStencils.Return, R2))} TestStencils::perf_stencils::Return", lines[3]);
    }

    [Fact]
    public void ModulesGetALinePerFunction()
    {
        PerfMap.Enabled = true;
        var module = new JitModule(TestStencils.Library);
        foreach (string name in new[] { "perf_first", "perf_second" })
            new TestEmitter(module.DefineFunction(0, name)).ReturnConst(1);
        using var compiled = module.Compile();
        var lines = Lines();
        foreach (var f in compiled.Functions)
            Assert.Contains($"{Hex(f.EntryPoint)} {Hex(f.Code.Length)} TestStencils::{f.Name}", lines);
    }
}
