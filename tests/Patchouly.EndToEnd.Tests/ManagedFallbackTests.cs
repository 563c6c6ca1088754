using System;
using System.Collections.Generic;
using System.IO;

namespace Patchouly.EndToEnd.Tests;

/// <summary>
/// A consumer project built without clang (<c>PATCHOULY_CLANG</c> pointing at nothing): the build warns (PATCH2008)
/// and writes no native tables, and the program runs on the managed engine and prints the right answer, saying why;
/// with <c>PatchoulyRequireNative=true</c> the same build fails (PATCH2001); once clang is there again, the next build
/// compiles the stencils and the program runs natively.
/// </summary>
public class ManagedFallbackTests
{
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
            [Stencil] public static Target IfZero(long a, Target zero) => a == 0 ? zero : Target.Next;
            [Stencil(ReturnsToCaller = true)] public static long Ret(long a) => a;
        }
        """;

    private const string Program = """
        using Patchouly.Runtime;
        using Patchouly.Runtime.Managed;
        ManagedEngine.Fallback += (_, e) => Console.WriteLine("fallback: " + e.Reason);
        Console.WriteLine("native code: " + Consumer.MyStencils.Library.HasNativeCode);
        var builder = new FunctionBuilder(Consumer.MyStencils.Library, parameterCount: 1);
        var emit = new Consumer.MyStencils.Emitter(builder);
        var zero = builder.NewBlock();
        emit.IfZero(Location.Register(0), zero);
        emit.AddConst(Location.Register(0), 40, Location.Register(1));
        emit.Ret(Location.Register(1));
        builder.StartBlock(zero);
        emit.AddConst(Location.Register(0), -1, Location.Register(1));
        emit.Ret(Location.Register(1));
        using var f = builder.Compile();
        Console.WriteLine($"result={f.Invoke(2)},{f.Invoke(0)} engine={f.Engine}");
        """;

    [Fact]
    public void Without_clang_the_build_warns_and_the_program_runs_managed()
    {
        string dir = DotNet.TempDirectory("managed-fallback");
        File.WriteAllText(Path.Combine(dir, "Consumer.csproj"), ProjectFile());
        File.WriteAllText(Path.Combine(dir, "Stencils.cs"), Stencils);
        File.WriteAllText(Path.Combine(dir, "Program.cs"), Program);
        var timeout = TimeSpan.FromMinutes(4);
        var noClang = new Dictionary<string, string> { ["PATCHOULY_CLANG"] = "/nonexistent/clang-19" };

        // PatchoulyRequireNative=true: a missing clang is an error, as it always was.
        var strict = DotNet.Run(dir, timeout, noClang, "build", "-nologo", "-p:PatchoulyRequireNative=true");
        Assert.True(strict.ExitCode != 0, strict.ToString());
        Assert.Contains("error PATCH2001", strict.Output);
        Assert.Contains("/nonexistent/clang-19", strict.Output);

        // By default: a warning, no native tables, and a program that runs on the managed engine.
        var build = DotNet.Run(dir, timeout, noClang, "build", "-nologo");
        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.Contains("warning PATCH2008", build.Output);
        Assert.Contains("its functions run on the managed engine", build.Output);
        Assert.Empty(Directory.GetFiles(Path.Combine(dir, "obj"), "*.ptab", SearchOption.AllDirectories));
        var run = DotNet.Run(dir, timeout, noClang, "run", "--no-build");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("native code: False", run.Output);
        Assert.Contains("result=42,-1 engine=Managed", run.Output);
        Assert.Contains("fallback: The stencil tables of Consumer.MyStencils have not been built", run.Output);

        // With clang back (the usual search), the next build compiles the stencils although no source changed.
        var native = DotNet.Run(dir, timeout, "build", "-nologo");
        Assert.True(native.ExitCode == 0, native.ToString());
        Assert.DoesNotContain("PATCH2008", native.Output);
        var nativeRun = DotNet.Run(dir, timeout, "run", "--no-build");
        Assert.True(nativeRun.ExitCode == 0, nativeRun.ToString());
        Assert.Contains("native code: True", nativeRun.Output);
        Assert.Contains("result=42,-1 engine=Native", nativeRun.Output);
        Assert.DoesNotContain("fallback:", nativeRun.Output);
    }
}
