using System;
using System.IO;
using System.Text.RegularExpressions;

namespace Patchouly.EndToEnd.Tests;

/// <summary>
/// A consumer project wired to this repository's build outputs (as the samples are): rebuilding from an empty obj/
/// regenerates the tables, a no-op build does not run clang, an edited stencil is picked up, and an unsupported
/// construct fails the build with its PATCH code at the offending line.
/// </summary>
public class IncrementalBuildTests
{
    private const string CompiledMarker = "Patchouly: compiled";

    private static string ProjectFile() => $"""
        <Project Sdk="Microsoft.NET.Sdk">
          <Import Project="{RepoPaths.Root}/Patchouly.Build.Tasks/build/Patchouly.props" />
          <PropertyGroup>
            <OutputType>Exe</OutputType>
            <TargetFramework>net10.0</TargetFramework>
            <Nullable>enable</Nullable>
            <ImplicitUsings>enable</ImplicitUsings>
            <PatchoulyTasksAssembly>{RepoPaths.Output("Patchouly.Build.Tasks")}/Patchouly.Build.Tasks.dll</PatchoulyTasksAssembly>
            <PatchoulyTaskHost>true</PatchoulyTaskHost>
          </PropertyGroup>
          <ItemGroup>
            <Reference Include="{RepoPaths.Output("Patchouly.Runtime")}/Patchouly.Runtime.dll" />
            <Reference Include="{RepoPaths.Output("Patchouly.Runtime")}/Patchouly.Attributes.dll" />
            <Analyzer Include="{RepoPaths.Output("Patchouly.Generators")}/Patchouly.Generators.dll" />
          </ItemGroup>
          <Import Project="{RepoPaths.Root}/Patchouly.Build.Tasks/build/Patchouly.targets" />
        </Project>
        """;

    private const string Stencils = """
        using Patchouly;
        namespace Consumer;
        [StencilLibrary(Registers = 2)]
        public static partial class MyStencils
        {
            [Stencil] public static long AddConst(long a, [Hole] long c) => a + c;
            [Stencil(ReturnsToCaller = true)] public static long Ret(long a) => a;
        }
        """;

    private const string Program = """
        using Patchouly.Runtime;
        var builder = new FunctionBuilder(Consumer.MyStencils.Library, parameterCount: 1);
        var emit = new Consumer.MyStencils.Emitter(builder);
        emit.AddConst(Location.Register(0), 40, Location.Register(1));
        emit.Ret(Location.Register(1));
        using var f = builder.Compile();
        Console.WriteLine("result=" + f.Invoke(2));
        """;

    [Fact]
    public void Builds_incrementally_and_reports_unsupported_code_at_its_line()
    {
        string dir = DotNet.TempDirectory("incremental");
        File.WriteAllText(Path.Combine(dir, "Consumer.csproj"), ProjectFile());
        File.WriteAllText(Path.Combine(dir, "Stencils.cs"), Stencils);
        File.WriteAllText(Path.Combine(dir, "Program.cs"), Program);
        var timeout = TimeSpan.FromMinutes(4);

        // From an empty obj/: clang runs and the tables appear.
        var first = DotNet.Run(dir, timeout, "build", "-v:n", "-nologo");
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains(CompiledMarker, first.Output);
        var tables = Directory.GetFiles(Path.Combine(dir, "obj"), "Consumer.MyStencils.PatchoulyTables.cs", SearchOption.AllDirectories);
        Assert.Single(tables);
        var run = DotNet.Run(dir, timeout, "run", "--no-build");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("result=42", run.Output);

        // No change: clang does not run.
        var second = DotNet.Run(dir, timeout, "build", "-v:n", "-nologo");
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.DoesNotContain(CompiledMarker, second.Output);

        // An unrelated edit reruns the task, which finds nothing to do without a Roslyn pass (patchouly.deps).
        File.AppendAllText(Path.Combine(dir, "Program.cs"), "\n// touched\n");
        var third = DotNet.Run(dir, timeout, "build", "-v:n", "-nologo");
        Assert.True(third.ExitCode == 0, third.ToString());
        Assert.DoesNotContain(CompiledMarker, third.Output);
        Assert.Contains("Patchouly: nothing to do for Consumer: 1 source file(s) changed, none that a stencil library depends on", third.Output);

        // An edited stencil is recompiled and used: its family only, for each target (entry, move, jump, AddConst, Ret).
        File.WriteAllText(Path.Combine(dir, "Stencils.cs"), Stencils.Replace("a + c", "a + c + 1000"));
        var fourth = DotNet.Run(dir, timeout, "build", "-v:n", "-nologo");
        Assert.True(fourth.ExitCode == 0, fourth.ToString());
        Assert.Contains(CompiledMarker, fourth.Output);
        foreach (var rid in new[] { "linux-x64", "linux-arm64" })
            Assert.Matches(@"Patchouly: compiled MyStencils for " + rid + @": .*; compiled 1 of 5 families \(18 variants, 4 reused\);", fourth.Output);
        run = DotNet.Run(dir, timeout, "run", "--no-build");
        Assert.Contains("result=1042", run.Output);

        // Unsupported constructs: the build fails with the PATCH code at the offending line.
        string bad = Stencils.Replace(
            "[Stencil(ReturnsToCaller = true)]",
            "[Stencil] public static long Bad(long a)\n    {\n        var s = \"text\";\n        var o = new object();\n        System.Console.WriteLine(a);\n        return a;\n    }\n    [Stencil(ReturnsToCaller = true)]");
        File.WriteAllText(Path.Combine(dir, "Stencils.cs"), bad);
        var failed = DotNet.Run(dir, timeout, "build", "-v:n", "-nologo");
        Assert.NotEqual(0, failed.ExitCode);
        string[] lines = bad.Split('\n');
        int stringLine = Array.FindIndex(lines, l => l.Contains("\"text\"")) + 1;
        int newLine = Array.FindIndex(lines, l => l.Contains("new object()")) + 1;
        int callLine = Array.FindIndex(lines, l => l.Contains("Console.WriteLine")) + 1;
        AssertError(failed.Output, stringLine);
        AssertError(failed.Output, newLine);
        AssertError(failed.Output, callLine);
    }

    private static void AssertError(string output, int line)
    {
        var pattern = new Regex(@"Stencils\.cs\(" + line + @",\d+\): error PATCH0\d{3}");
        Assert.True(pattern.IsMatch(output), $"expected a PATCH error at Stencils.cs line {line} in:\n{output}");
    }
}
