using System.Linq;
using System.Text.RegularExpressions;
using Patchouly.Runtime;
using Patchouly.Samples.Wasm.Decoding;
using Patchouly.Samples.Wasm.Engines;
using Patchouly.Samples.Wasm.Runtime;
using Patchouly.Samples.Wasm.Validation;

namespace Patchouly.Wasm.Tests;

/// <summary>
/// The descriptors JIT code points to (memory, globals' cells, the exchange area, function references) lie below
/// 2 GiB, so the stencils that dereference them are emitted narrow (their address a 32-bit immediate), never wide.
/// A guarded memory's unchecked loads and stores (see <see cref="Memory.UseGuardPages"/>) take the address of the memory
/// itself, which lies above 4 GiB: they are wide, and are the only memory accesses then.
/// </summary>
public class NarrowVariantTests
{
    /// <summary>The disassembly of a module compiled by the JIT (decoded, validated, instantiated without imports).</summary>
    internal static string JitListing(byte[] wasm)
    {
        var m = ModuleDecoder.Decode(wasm);
        Validator.Validate(m);
        using var store = new Store();
        var instance = new JitEngine(disassemblable: true).Instantiate(store, m, (_, _) => null);
        return Assert.IsType<Patchouly.Samples.Wasm.Jit.JitCode>(instance.Code).Disassemble();
    }

    [Theory]
    [InlineData("sieve")]
    [InlineData("sort")]
    [InlineData("hash")]
    public void Memory_global_and_exchange_accesses_use_narrow_variants(string program)
    {
        var listing = JitListing(EngineAgreementTests.CompileC(program));
        var headers = Regex.Matches(listing, @"^; (Load\w*|Store\w*|Get|Set|SetConst|Call|StackCheck) \[[^\]]*\] (narrow|wide)", RegexOptions.Multiline)
            .Select(x => (Family: x.Groups[1].Value, Variant: x.Groups[2].Value)).ToList();
        Assert.Contains(headers, h => h.Family.StartsWith("Load", System.StringComparison.Ordinal));
        Assert.Contains(headers, h => h.Family.StartsWith("Store", System.StringComparison.Ordinal));
        Assert.Contains(headers, h => h.Family == "StackCheck");
        bool guarded = headers.Any(h => h.Family.EndsWith("Guarded", System.StringComparison.Ordinal));
        Assert.Equal(Memory.UseGuardPages, guarded);
        if (guarded) Assert.DoesNotContain(headers, h => h.Family.StartsWith("Load", System.StringComparison.Ordinal) && !h.Family.EndsWith("Guarded", System.StringComparison.Ordinal));
        var wide = headers.Where(h => h.Variant == "wide" && !h.Family.EndsWith("Guarded", System.StringComparison.Ordinal)).Select(h => h.Family).Distinct().ToList();
        Assert.True(wide.Count == 0, $"wide variants of {string.Join(", ", wide)} in {program}");
    }
}
