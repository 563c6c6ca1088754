using System;
using System.IO;
using System.Linq;
using Patchouly.Runtime;
using Patchouly.Runtime.Tables;

namespace Patchouly.CrossTarget.Tests;

/// <summary>
/// Modules (functions calling each other through the module's slot table, forward references, recursion) and the perf
/// map, on the process's platform: natively on x86-64 and under qemu on linux-arm64.
/// </summary>
[Collection(nameof(PerfMapCollection))]
public class ModuleTests
{
    private static readonly Location R0 = Location.Register(0);

    /// <summary><c>f(n) = n == 0 ? atZero : other(n - 1)</c>, calling <paramref name="other"/> through its slot.</summary>
    private static unsafe void EmitParity(JitModule module, FunctionBuilder f, FunctionBuilder other, long atZero)
    {
        var e = new ModuleStencils.Emitter(f);
        var zero = f.NewBlock();
        e.IfZero(R0, zero);
        e.AddImm(R0, -1, R0);
        e.CallSlot(R0, (delegate* unmanaged<long, long>*)module.SlotAddress(other), R0);
        e.Return(R0);
        f.StartBlock(zero);
        e.ReturnConst(atZero);
    }

    [Theory]
    [MemberData(nameof(RunnableTables.Targets), MemberType = typeof(RunnableTables))]
    public void Even_and_odd_call_each_other_through_the_module(string target)
    {
        Assert.Equal(TableTarget.ProcessRuntimeIdentifier, TableTarget.FromTriple(ModuleStencils.Library.Target)!.RuntimeIdentifier);
        var library = RunnableTables.Of(ModuleStencils.Library, target);
        Assert.Equal(target, TableTarget.FromTriple(library.Target)!.RuntimeIdentifier);
        var module = new JitModule(library);
        var even = module.DefineFunction(1, "even");
        var odd = module.DefineFunction(1, "odd");
        EmitParity(module, even, odd, 1); // even calls odd, which is emitted later
        EmitParity(module, odd, even, 0);
        using var compiled = module.Compile();
        foreach (long n in new long[] { 0, 1, 2, 7, 10, 501, 1000 })
        {
            Assert.Equal(n % 2 == 0 ? 1 : 0, compiled.GetFunction("even").Invoke(n));
            Assert.Equal(n % 2 == 1 ? 1 : 0, compiled.GetFunction("odd").Invoke(n));
        }
    }

    [Fact]
    public void Compiled_functions_are_named_in_the_perf_map()
    {
        bool was = PerfMap.Enabled;
        PerfMap.Enabled = true;
        try
        {
            // Names of this run only: a map file of an earlier process with the same id may still be there (wine
            // reuses small Windows process ids from run to run).
            string suffix = Guid.NewGuid().ToString("N")[..8];
            var module = new JitModule(ModuleStencils.Library);
            var even = module.DefineFunction(1, "perf_even_" + suffix);
            var odd = module.DefineFunction(1, "perf_odd_" + suffix);
            EmitParity(module, even, odd, 1);
            EmitParity(module, odd, even, 0);
            using var compiled = module.Compile();
            var lines = File.ReadAllLines(PerfMap.FilePath);
            foreach (var (name, function) in new[] { ("perf_even_" + suffix, compiled.GetFunction(even)), ("perf_odd_" + suffix, compiled.GetFunction(odd)) })
            {
                var line = Assert.Single(lines, l => l.EndsWith("::" + name, StringComparison.Ordinal));
                ulong start = Convert.ToUInt64(line.Split(' ')[0], 16);
                ulong size = Convert.ToUInt64(line.Split(' ')[1], 16);
                ulong entry = (ulong)function.EntryPoint;
                Assert.True(entry >= start && entry < start + size, $"{name}: entry 0x{entry:x} outside [{line}]");
            }
            Assert.Equal(1, compiled.GetFunction(even).Invoke(10));
        }
        finally
        {
            PerfMap.Enabled = was;
        }
    }
}

/// <summary>Tests that switch <see cref="PerfMap.Enabled"/> do not run in parallel with each other.</summary>
[CollectionDefinition(nameof(PerfMapCollection), DisableParallelization = true)]
public sealed class PerfMapCollection;
