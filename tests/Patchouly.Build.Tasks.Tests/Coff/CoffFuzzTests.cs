using Patchouly.Build.Tasks.Coff;
using Patchouly.Build.Tasks.Tests.ObjectFiles;
using Xunit.Abstractions;

namespace Patchouly.Build.Tasks.Tests.Coff;

/// <summary>Mutation fuzzing of a clang COFF object: typed errors (ObjectFileException) only, never a crash.</summary>
public sealed class CoffFuzzTests(ITestOutputHelper output)
{
    /// <summary>Cases per run; <c>PATCHOULY_FUZZ_CASES</c> overrides it.</summary>
    public const int DefaultCases = 100_000;

    [Fact]
    public void MutatedObjectsParseOrThrowObjectFileException()
    {
        byte[] original = CoffTestSupport.Objects;
        var fields = CoffTestSupport.Fields(original, CoffObject.Read(original));
        output.WriteLine(ObjectFuzzer.Run(original, fields, 0xC0FF, ObjectFuzzer.Cases(DefaultCases), mutant =>
        {
            var coff = CoffObject.Read(mutant, "fuzz.obj");
            long total = coff.ToString().Length;
            foreach (var s in coff.Sections)
            {
                total += s.ToString().Length + coff.GetSectionMemory(s).Length + s.Alignment;
                foreach (var r in coff.RelocationsFor(s)) total += r.ToString().Length + coff.RelocationTypeName(r.Type).Length;
            }
            foreach (var s in coff.Symbols) total += s.ToString().Length + (s.IsCommon ? 1 : 0) + (s.IsUndefined ? 1 : 0);
            total += ObjectFuzzer.Walk(coff.ToObjectFile());
            System.GC.KeepAlive(total);
        }));
    }
}
