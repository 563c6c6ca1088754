using Patchouly.Build.Tasks.Elf;
using Patchouly.Build.Tasks.Targets.LinuxX64;

namespace Patchouly.Build.Tasks.Tests.Elf;

/// <summary>The x86-64 reading of a relocation's type, for tests of x86-64 objects.</summary>
internal static class X86_64TypeExtension
{
    extension(ElfRelocation relocation)
    {
        public X86_64RelocationType X86_64Type => (X86_64RelocationType)relocation.Type;
    }
}
