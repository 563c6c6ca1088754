using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using Patchouly.Build.Tasks.Compile;
using Patchouly.Build.Tasks.Tests.Elf;

namespace Patchouly.Build.Tasks.Tests.ObjectFiles;

/// <summary>Compiles C for any target triple and runs llvm-readobj on the object (the COFF and Mach-O reader tests).</summary>
internal static class ObjectTestSupport
{
    /// <summary>ObjectFiles/TestData next to the test sources.</summary>
    public static string TestDataDirectory => Path.Combine(ElfTestSupport.ProjectDirectory, "ObjectFiles", "TestData");

    /// <summary>The format-neutral test source (TestData/objects.c).</summary>
    public static string ObjectsSource => File.ReadAllText(Path.Combine(TestDataDirectory, "objects.c"));

    /// <summary>Compiles <paramref name="source"/> for <paramref name="triple"/> at -O2 (plus <paramref name="flags"/>) and returns the object.</summary>
    public static byte[] Compile(string source, string triple, params string[] flags)
    {
        string dir = Directory.CreateTempSubdirectory("patchouly-obj-").FullName;
        try
        {
            string c = Path.Combine(dir, "input.c"), o = Path.Combine(dir, "input.o");
            File.WriteAllText(c, source);
            var args = new List<string> { "--target=" + triple, "-c", "-O2", "-std=gnu11", "-ffreestanding", "-w" };
            args.AddRange(flags);
            args.AddRange([c, "-o", o]);
            Run(ClangLocator.Locate().Path, args, dir);
            return File.ReadAllBytes(o);
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>llvm-readobj (LLVM style) of the object bytes with <paramref name="options"/>, parsed.</summary>
    public static ReadobjNode Readobj(byte[] obj, params string[] options)
    {
        string dir = Directory.CreateTempSubdirectory("patchouly-readobj-").FullName;
        try
        {
            File.WriteAllBytes(Path.Combine(dir, "input.o"), obj);
            var args = new List<string>(options) { "input.o" };
            return ReadobjNode.Parse(Run(ElfTestSupport.LocateLlvmReadobj(), args, dir));
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

    /// <summary>Compares two line lists entry by entry, naming the first difference.</summary>
    public static void AssertLines(string what, IReadOnlyList<string> expected, IReadOnlyList<string> actual)
    {
        for (int i = 0; i < Math.Min(expected.Count, actual.Count); i++)
            if (expected[i] != actual[i])
                Assert.Fail($"{what} differ at entry {i}:\n  llvm-readobj: {expected[i]}\n  ours:         {actual[i]}");
        Assert.True(expected.Count == actual.Count, $"llvm-readobj lists {expected.Count} {what}, we list {actual.Count}");
        Assert.NotEmpty(expected);
    }
}
