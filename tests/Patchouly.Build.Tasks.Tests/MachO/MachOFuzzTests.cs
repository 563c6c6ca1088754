using Patchouly.Build.Tasks.MachO;
using Patchouly.Build.Tasks.Tests.ObjectFiles;
using Xunit.Abstractions;

namespace Patchouly.Build.Tasks.Tests.MachO;

/// <summary>Mutation fuzzing of a clang Mach-O object: typed errors (ObjectFileException) only, never a crash.</summary>
public sealed class MachOFuzzTests(ITestOutputHelper output)
{
    /// <summary>Cases per run; <c>PATCHOULY_FUZZ_CASES</c> overrides it.</summary>
    public const int DefaultCases = 100_000;

    [Fact]
    public void MutatedObjectsParseOrThrowObjectFileException()
    {
        byte[] original = MachOTestSupport.Objects;
        var fields = MachOTestSupport.Fields(original, MachOObject.Read(original));
        output.WriteLine(ObjectFuzzer.Run(original, fields, 0x3AC0, ObjectFuzzer.Cases(DefaultCases), mutant =>
        {
            var macho = MachOObject.Read(mutant, "fuzz.o");
            long total = macho.ToString().Length + macho.SegmentName.Length;
            foreach (var s in macho.Sections)
            {
                total += s.ToString().Length + macho.GetSectionMemory(s).Length;
                foreach (var r in macho.RelocationsFor(s)) total += r.ToString().Length + macho.RelocationTypeName(r.Type).Length + r.AddendValue + r.Width;
            }
            foreach (var s in macho.Symbols) total += s.ToString().Length + (s.IsCommon ? 1 : 0) + (s.IsUndefined ? 1 : 0);
            total += ObjectFuzzer.Walk(macho.ToObjectFile());
            System.GC.KeepAlive(total);
        }));
    }
}
