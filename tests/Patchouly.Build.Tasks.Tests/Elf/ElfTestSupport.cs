using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using Patchouly.Build.Tasks.Compile;
using Patchouly.Build.Tasks.Elf;

namespace Patchouly.Build.Tasks.Tests.Elf;

/// <summary>Compiles test stencils with clang, runs llvm-readobj, finds the checked-in test data, patches bytes.</summary>
internal static class ElfTestSupport
{
    /// <summary>The flags Patchouly compiles stencils with.</summary>
    public static readonly string[] StencilFlags =
    [
        "--target=x86_64-unknown-linux-gnu", "-c", "-O3", "-std=gnu11", "-fwrapv", "-fno-pic", "-mcmodel=medium",
        "-mlarge-data-threshold=0", "-ffunction-sections", "-fno-asynchronous-unwind-tables", "-fno-builtin",
        "-fno-stack-protector",
    ];

    /// <summary>Tail calls, a .data hole (32-bit), .ldata holes (64-bit), an indirect call, a jump table, a string, data and bss.
    /// Kept identical to TestData/stencils.c, from which TestData/stencils.o was made.</summary>
    public static string StencilSource => File.ReadAllText(Path.Combine(TestDataDirectory, "stencils.c"));

    /// <summary>The stencil functions in <see cref="StencilSource"/>.</summary>
    public static readonly string[] StencilFunctions = ["add_narrow", "add_wide", "call_indirect", "switch_table", "string_and_data"];

    private static readonly Lazy<byte[]> s_compiled = new(() => Compile(StencilSource, "stencils.c"));

    /// <summary>The stencils compiled by this machine's clang during the test run (compiled once).</summary>
    public static byte[] CompiledStencils => s_compiled.Value;

    /// <summary>The checked-in object, made once by clang 19 from TestData/stencils.c.</summary>
    public static byte[] FixedStencils => File.ReadAllBytes(Path.Combine(TestDataDirectory, "stencils.o"));

    /// <summary>The checked-in object or a fresh compile of the same source.</summary>
    public static byte[] Stencils(string which) => which switch
    {
        "fixed" => FixedStencils,
        "compiled" => CompiledStencils,
        _ => throw new ArgumentOutOfRangeException(nameof(which), which, null),
    };

    /// <summary>The directory holding Patchouly.Build.Tasks.Tests.csproj, found by walking up from the test assembly.</summary>
    public static string ProjectDirectory
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Patchouly.Build.Tasks.Tests.csproj")))
                    return dir.FullName;
            throw new InvalidOperationException($"No directory above {AppContext.BaseDirectory} contains Patchouly.Build.Tasks.Tests.csproj.");
        }
    }

    /// <summary>Elf/TestData next to the test sources.</summary>
    public static string TestDataDirectory => Path.Combine(ProjectDirectory, "Elf", "TestData");

    /// <summary>Compiles <paramref name="source"/> with the stencil flags (plus <paramref name="extraFlags"/>) and returns the object's bytes.</summary>
    public static byte[] Compile(string source, string fileName = "test.c", params string[] extraFlags)
    {
        string dir = Directory.CreateTempSubdirectory("patchouly-elf-").FullName;
        try
        {
            string c = Path.Combine(dir, fileName);
            string o = Path.ChangeExtension(c, ".o");
            File.WriteAllText(c, source);
            var args = new List<string>(StencilFlags);
            args.AddRange(extraFlags);
            args.AddRange([c, "-o", o]);
            Run(ClangLocator.Locate().Path, args, dir);
            return File.ReadAllBytes(o);
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>Finds llvm-readobj-&lt;clang major&gt; or llvm-readobj; fails the test (not skips) when neither exists.</summary>
    public static string LocateLlvmReadobj()
    {
        var clang = ClangLocator.Locate();
        var names = new[] { $"llvm-readobj-{clang.Major}", "llvm-readobj" };
        var dirs = new List<string>();
        if (Path.GetDirectoryName(clang.Path) is { } clangDir) dirs.Add(clangDir);
        dirs.AddRange((Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries));
        foreach (var name in names)
            foreach (var dir in dirs)
            {
                string full = Path.Combine(dir, name);
                if (File.Exists(full)) return full;
            }
        Assert.Fail($"Neither {names[0]} nor {names[1]} was found next to {clang.Path} or on PATH; the ELF golden tests need it. "
            + $"Install it with 'apt-get install llvm-{clang.Major}' (the repository's build script does this).");
        return null!;
    }

    /// <summary><c>llvm-readobj --elf-output-style=JSON --sections --symbols --relocations</c> of the object bytes.</summary>
    public static string ReadobjJson(byte[] obj)
    {
        string dir = Directory.CreateTempSubdirectory("patchouly-readobj-").FullName;
        try
        {
            File.WriteAllBytes(Path.Combine(dir, "input.o"), obj);
            return Run(LocateLlvmReadobj(), ["--elf-output-style=JSON", "--sections", "--symbols", "--relocations", "input.o"], dir);
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    private static string Run(string exe, IEnumerable<string> args, string workingDirectory)
    {
        var psi = new ProcessStartInfo(exe)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"Could not start {exe}.");
        var stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"{exe} {string.Join(' ', psi.ArgumentList)} exited with {p.ExitCode}:\n{stderr.Result}");
        return stdout;
    }

    // --- byte patching for the malformed-input and fuzz tests ---

    /// <summary>e_shoff of a valid object.</summary>
    public static int SectionHeaderTable(byte[] data) => (int)BinaryPrimitives.ReadUInt64LittleEndian(data.AsSpan(40));

    /// <summary>The file offset of section <paramref name="index"/>'s header.</summary>
    public static int SectionHeader(byte[] data, int index) => SectionHeaderTable(data) + 64 * index;

    /// <summary>The file offset of symbol <paramref name="index"/>.</summary>
    public static int SymbolEntry(ElfObject obj, int index) => (int)obj.SymbolTable!.Offset + 24 * index;

    /// <summary>The file offset of entry <paramref name="index"/> of a RELA section.</summary>
    public static int RelocationEntry(ElfRelocationSection rs, int index) => (int)rs.Section.Offset + 24 * index;

    public static void Put16(byte[] d, int at, ushort v) => BinaryPrimitives.WriteUInt16LittleEndian(d.AsSpan(at), v);
    public static void Put32(byte[] d, int at, uint v) => BinaryPrimitives.WriteUInt32LittleEndian(d.AsSpan(at), v);
    public static void Put64(byte[] d, int at, ulong v) => BinaryPrimitives.WriteUInt64LittleEndian(d.AsSpan(at), v);
}
