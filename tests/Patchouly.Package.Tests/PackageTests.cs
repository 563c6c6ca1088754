using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Xunit.Abstractions;

namespace Patchouly.Package.Tests;

/// <summary>
/// The Patchouly package as a user gets it: its layout, and a brand-new console project that adds it, builds and runs
/// the README's quick start, rebuilds after a stencil edit, skips clang when nothing changed, and reports unsupported
/// stencil code with its PATCH code at its line.
/// </summary>
public sealed class PackageTests(PackedPackage package, ITestOutputHelper output) : IClassFixture<PackedPackage>
{
    private const string CompiledMarker = "Patchouly: compiled";
    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(5);

    private static readonly string[] s_libFiles =
    [
        "lib/net10.0/Patchouly.Attributes.dll", "lib/net10.0/Patchouly.Attributes.xml",
        "lib/net10.0/Patchouly.Runtime.dll", "lib/net10.0/Patchouly.Runtime.xml",
    ];

    private static readonly string[] s_requiredFiles =
    [
        .. s_libFiles,
        "analyzers/dotnet/cs/Patchouly.Generators.dll",
        "tasks/net10.0/Patchouly.Build.Tasks.dll",
        "tasks/net10.0/Patchouly.Generators.dll",
        "tasks/net10.0/Patchouly.Runtime.dll",
        "tasks/net10.0/Patchouly.Attributes.dll",
        "tasks/net10.0/Microsoft.CodeAnalysis.dll",
        "tasks/net10.0/Microsoft.CodeAnalysis.CSharp.dll",
        "tasks/net10.0/Iced.dll",
        "build/Patchouly.props",
        "build/Patchouly.targets",
        "buildTransitive/Patchouly.props",
        "buildTransitive/Patchouly.targets",
        "README.md",
        "docs/diagnostics.md", // the analyzer's help links: docs/diagnostics.md#patchnnnn
        "docs/runtime.md",
        "docs/msbuild.md",
        "docs/authoring.md",
    ];

    [Fact]
    public void Package_has_the_documented_layout_and_dependencies()
    {
        package.AssertPacked();
        using var zip = ZipFile.OpenRead(package.NupkgPath);
        var names = zip.Entries.Select(e => e.FullName).ToHashSet(StringComparer.Ordinal);
        output.WriteLine($"{Path.GetFileName(package.NupkgPath)} ({new FileInfo(package.NupkgPath).Length / 1024} KiB):");
        foreach (var name in names.Order(StringComparer.Ordinal)) output.WriteLine("  " + name);

        foreach (var file in s_requiredFiles)
            Assert.True(names.Contains(file), $"the package lacks {file}; it holds:\n{string.Join("\n", names.Order())}");
        Assert.DoesNotContain(names, n => Path.GetFileName(n).StartsWith("Microsoft.Build", StringComparison.OrdinalIgnoreCase) && n.EndsWith(".dll", StringComparison.OrdinalIgnoreCase));
        // The consumer references exactly the attributes and the runtime; the analyzer folder holds only the generator.
        Assert.Equal(s_libFiles.Order(StringComparer.Ordinal), names.Where(n => n.StartsWith("lib/", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        Assert.Equal(["analyzers/dotnet/cs/Patchouly.Generators.dll"], names.Where(n => n.StartsWith("analyzers/", StringComparison.Ordinal)));

        // build/ carries the repository's props and targets unchanged (the samples import the same files).
        foreach (var file in new[] { "Patchouly.props", "Patchouly.targets" })
            Assert.Equal(File.ReadAllText(Path.Combine(RepoPaths.Root, "Patchouly.Build.Tasks", "build", file)), ReadText(zip, "build/" + file));

        // Every assembly the task loads is in tasks/net10.0/, in the .NET shared framework, or MSBuild's own.
        string framework = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var taskAssemblies = names.Where(n => n.StartsWith("tasks/net10.0/", StringComparison.Ordinal) && n.Count(c => c == '/') == 2 && n.EndsWith(".dll", StringComparison.Ordinal))
            .Select(n => Path.GetFileNameWithoutExtension(n)).ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var assembly in taskAssemblies)
        {
            foreach (var reference in AssemblyReferences(zip, $"tasks/net10.0/{assembly}.dll"))
            {
                bool found = taskAssemblies.Contains(reference)
                    || File.Exists(Path.Combine(framework, reference + ".dll"))
                    || reference.StartsWith("Microsoft.Build", StringComparison.Ordinal);
                Assert.True(found, $"tasks/net10.0/{assembly}.dll references {reference}, which is neither in the package's tasks folder nor in the shared framework ({framework}).");
            }
        }

        // The generator loads in the compiler, which provides Roslyn and the BCL; anything else would have to be packed next to it.
        foreach (var reference in AssemblyReferences(zip, "analyzers/dotnet/cs/Patchouly.Generators.dll"))
            Assert.True(reference is "netstandard" or "mscorlib" || reference.StartsWith("System", StringComparison.Ordinal) || reference.StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal),
                $"the analyzer Patchouly.Generators.dll references {reference}, which the compiler does not provide and the package does not carry.");

        // The nuspec: id and version, a runtime (not development-only) package, Iced as a dependency.
        var nuspec = XDocument.Parse(ReadText(zip, "Patchouly.nuspec"));
        var metadata = nuspec.Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        string? Meta(string name) => metadata.Elements().FirstOrDefault(e => e.Name.LocalName == name)?.Value;
        Assert.Equal("Patchouly", Meta("id"));
        Assert.Equal(package.Version, Meta("version"));
        // A local pack has a version of its own, so NuGet never hands back a cached copy of an earlier pack.
        Assert.Matches("^" + Regex.Escape(package.BaseVersion) + @"-local\.\d{14}$", package.Version);
        Assert.NotEqual("true", Meta("developmentDependency"));
        var dependencies = metadata.Descendants().Where(e => e.Name.LocalName == "dependency").ToList();
        var iced = Assert.Single(dependencies, d => (string?)d.Attribute("id") == "Iced");
        Assert.Equal(PackedPackage.CentralPackageVersion("Iced"), (string?)iced.Attribute("version"));
        Assert.DoesNotContain(dependencies, d => ((string?)d.Attribute("id"))?.StartsWith("Patchouly", StringComparison.Ordinal) == true);
    }

    [Fact]
    public void Readme_and_msbuild_docs_show_the_commands_pack_prints()
    {
        package.AssertPacked();
        foreach (var doc in new[] { Readme.Path, Path.Combine(RepoPaths.Root, "docs", "msbuild.md") })
        {
            string text = File.ReadAllText(doc);
            // The printed commands, with the folder and the version as placeholders.
            string source = Regex.Replace(package.AddSourceCommand, Regex.Escape(package.PackageSource), "/abs/path/to/artifacts/packages");
            Assert.Contains(source, text);
            Assert.Contains("dotnet add package Patchouly --version " + package.BaseVersion + "-local.", text);
            Assert.Contains("<add key=\"patchouly-local\" value=\"/abs/path/to/artifacts/packages\" />", text);
            // No bare `dotnet add package Patchouly` presented as working: it fails while the package is on no feed.
            Assert.DoesNotMatch(@"(?m)^dotnet add package Patchouly\s*(#.*)?$", text);
        }
    }

    [Fact]
    public void A_plain_dotnet_pack_also_gets_a_local_version_and_a_release_version_can_be_chosen()
    {
        string project = Path.Combine(RepoPaths.Root, "nuget", "Patchouly.csproj");
        string Evaluate(params string[] properties)
        {
            var result = DotNet.Run(RepoPaths.Root, s_timeout, null, ["msbuild", project, "-getProperty:PackageVersion", "-nologo", .. properties]);
            Assert.True(result.ExitCode == 0, result.ToString());
            return result.Output.Trim();
        }
        Assert.Matches("^" + Regex.Escape(package.BaseVersion) + @"-local\.\d{14}$", Evaluate());
        Assert.Equal(package.BaseVersion + "-local.7", Evaluate("-p:PatchoulyVersionSuffix=local.7"));
        Assert.Equal(package.BaseVersion, Evaluate("-p:PackageVersion=" + package.BaseVersion));
    }

    [Fact]
    public void Quick_start_from_the_readme_builds_runs_rebuilds_and_reports_errors()
    {
        package.AssertPacked();
        string stencils = Readme.Block("Stencils.cs");
        string program = Readme.Block("Program.cs");
        string expected = Readme.Block("output");

        // A user's machine: nuget.org only, and a package cache of its own. The package is added with the commands
        // ./build.sh pack printed: its folder becomes a package source (here in the consumer's nuget.config rather
        // than the machine's user one: --configfile), then `dotnet add package` as printed.
        string root = Path.Combine(package.Root, "consumer");
        Directory.CreateDirectory(root);
        string nugetConfig = Path.Combine(root, "nuget.config");
        File.WriteAllText(nugetConfig, """
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
              </packageSources>
            </configuration>
            """);
        var environment = new Dictionary<string, string> { ["NUGET_PACKAGES"] = Path.Combine(root, "nuget-packages") };
        DotNet.Result Dotnet(string directory, params string[] arguments)
        {
            var result = DotNet.Run(directory, s_timeout, environment, arguments);
            output.WriteLine($"[{result.Elapsed.TotalSeconds,6:0.00} s] {result.Command} -> {result.ExitCode}");
            return result;
        }
        void Succeeded(DotNet.Result result) => Assert.True(result.ExitCode == 0, result.ToString());

        Succeeded(Dotnet(root, "new", "console", "-o", "MyJit", "--framework", "net10.0", "--no-restore"));
        Succeeded(Dotnet(root, "new", "console", "-o", "Baseline", "--framework", "net10.0", "--no-restore"));
        string app = Path.Combine(root, "MyJit");
        string baseline = Path.Combine(root, "Baseline");
        Assert.Equal($"dotnet nuget add source {package.PackageSource} --name patchouly-local", package.AddSourceCommand);
        Assert.Equal($"dotnet add package Patchouly --version {package.Version}", package.AddPackageCommand);
        Succeeded(Dotnet(root, [.. Arguments(package.AddSourceCommand), "--configfile", nugetConfig]));
        Succeeded(Dotnet(app, Arguments(package.AddPackageCommand)));
        Assert.Contains($"<PackageReference Include=\"Patchouly\" Version=\"{package.Version}\" />", File.ReadAllText(Path.Combine(app, "MyJit.csproj")));
        File.WriteAllText(Path.Combine(app, "Stencils.cs"), stencils);
        File.WriteAllText(Path.Combine(app, "Program.cs"), program);

        // First build: clang compiles the stencils; the program prints what the README says.
        var first = Dotnet(app, "build", "-v:n", "-nologo");
        Succeeded(first);
        Assert.Contains(CompiledMarker, first.Output);
        Assert.Contains(Path.Combine(root, "nuget-packages", "patchouly", package.Version.ToLowerInvariant()), first.Output);
        var run = Dotnet(app, "run", "--no-build");
        Succeeded(run);
        Assert.Equal(Lines(expected), Lines(run.Output));

        // An edited stencil is recompiled and used.
        string edited = stencils.Replace("a * b;", "a * b + 1000;", StringComparison.Ordinal);
        Assert.NotEqual(stencils, edited);
        File.WriteAllText(Path.Combine(app, "Stencils.cs"), edited);
        var rebuild = Dotnet(app, "build", "-v:n", "-nologo");
        Succeeded(rebuild);
        Assert.Contains(CompiledMarker, rebuild.Output);
        run = Dotnet(app, "run", "--no-build");
        Succeeded(run);
        Assert.Contains("f(4, 5) = 1035", run.Output);
        Assert.Contains("f(4, 0) = -1", run.Output);

        // Nothing changed: clang does not run.
        var noop = Dotnet(app, "build", "-v:n", "-nologo");
        Succeeded(noop);
        Assert.DoesNotContain(CompiledMarker, noop.Output);

        // Timing (reported, not asserted): no-op builds with and without the package, alternating, five each; the
        // minimum is the least disturbed by other work on the machine.
        Succeeded(Dotnet(baseline, "build", "-nologo"));
        var withPatchouly = new List<double>();
        var without = new List<double>();
        for (int i = 0; i < 5; i++)
        {
            var a = Dotnet(app, "build", "-nologo");
            Succeeded(a);
            Assert.DoesNotContain(CompiledMarker, a.Output);
            withPatchouly.Add(a.Elapsed.TotalSeconds);
            var b = Dotnet(baseline, "build", "-nologo");
            Succeeded(b);
            without.Add(b.Elapsed.TotalSeconds);
        }
        double median(List<double> xs) => xs.Order().ElementAt(xs.Count / 2);
        output.WriteLine($"TIMING first build (restore done, clang, compile): {first.Elapsed.TotalSeconds:0.00} s");
        string all(List<double> xs) => string.Join(", ", xs.Select(x => x.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)));
        output.WriteLine($"TIMING no-op build with Patchouly:    min {withPatchouly.Min():0.00} s, median {median(withPatchouly):0.00} s of [{all(withPatchouly)}]");
        output.WriteLine($"TIMING no-op build without Patchouly: min {without.Min():0.00} s, median {median(without):0.00} s of [{all(without)}]");
        output.WriteLine($"TIMING no-op overhead of the package: min {withPatchouly.Min() - without.Min():+0.00;-0.00} s, median {median(withPatchouly) - median(without):+0.00;-0.00} s (goal: <= 0.30 s)");

        // A property changed outside the project file (here on the command line) reruns clang with it.
        var o2 = Dotnet(app, "build", "-v:n", "-nologo", "-p:PatchoulyOptimization=O2");
        Succeeded(o2);
        Assert.Contains(CompiledMarker, o2.Output);
        Assert.Contains("-O2)", o2.Output);

        // Unsupported constructs: the build fails with the PATCH code at the offending line.
        const string returnStencil = "[Stencil(ReturnsToCaller = true)]";
        int at = edited.IndexOf(returnStencil, StringComparison.Ordinal);
        Assert.True(at > 0, $"the README's stencils have no {returnStencil}");
        int lineStart = edited.LastIndexOf('\n', at) + 1;
        string indent = edited[lineStart..at];
        string bad = edited[..lineStart]
            + string.Join("\n", new[]
            {
                "[Stencil]",
                "public static long Bad(long a)",
                "{",
                "    var s = \"text\";",
                "    var o = new object();",
                "    System.Console.WriteLine(a);",
                "    return a;",
                "}",
            }.Select(l => indent + l)) + "\n"
            + edited[lineStart..];
        File.WriteAllText(Path.Combine(app, "Stencils.cs"), bad);
        var failed = Dotnet(app, "build", "-v:n", "-nologo");
        Assert.NotEqual(0, failed.ExitCode);
        Assert.DoesNotContain(CompiledMarker, failed.Output);
        string[] lines = bad.Split('\n');
        AssertError(failed, "PATCH0101", Array.FindIndex(lines, l => l.Contains("\"text\"", StringComparison.Ordinal)) + 1);
        AssertError(failed, "PATCH0102", Array.FindIndex(lines, l => l.Contains("new object()", StringComparison.Ordinal)) + 1);
        AssertError(failed, "PATCH0103", Array.FindIndex(lines, l => l.Contains("Console.WriteLine", StringComparison.Ordinal)) + 1);

        // Clean removes what the Patchouly build wrote.
        var patchoulyDirectories = Directory.GetDirectories(Path.Combine(app, "obj"), "patchouly", SearchOption.AllDirectories);
        Assert.NotEmpty(patchoulyDirectories);
        Succeeded(Dotnet(app, "clean", "-nologo"));
        Assert.All(patchoulyDirectories, d => Assert.False(Directory.Exists(d), $"{d} survived dotnet clean"));
    }

    private const string AotStencils = """
        using Patchouly;
        namespace AotJit;
        [StencilLibrary(Registers = 2)]
        public static partial class AotStencils
        {
            [Stencil] public static long AddConst(long a, [Hole] long c) => a + c;
            [Stencil] public static Target IfZero(long a, Target zero) => a == 0 ? zero : Target.Next;
            [Stencil(ReturnsToCaller = true)] public static long Ret(long a) => a;
        }
        """;

    private const string AotProgram = """
        using Patchouly.Runtime;
        using Patchouly.Runtime.Managed;
        Console.WriteLine("dynamic code: " + System.Runtime.CompilerServices.RuntimeFeature.IsDynamicCodeSupported);
        Console.WriteLine("native code: " + AotJit.AotStencils.Library.HasNativeCode);
        foreach (var engine in new[] { ExecutionEngine.Native, ExecutionEngine.Managed, ExecutionEngine.Interpreter })
        {
            var builder = new FunctionBuilder(AotJit.AotStencils.Library, parameterCount: 1) { Engine = engine };
            var emit = new AotJit.AotStencils.Emitter(builder);
            var zero = builder.NewBlock();
            emit.IfZero(Location.Register(0), zero);
            emit.AddConst(Location.Register(0), 40, Location.Register(1));
            emit.Ret(Location.Register(1));
            builder.StartBlock(zero);
            emit.AddConst(Location.Register(0), -1, Location.Register(1));
            emit.Ret(Location.Register(1));
            using var f = builder.Compile();
            Console.WriteLine($"{engine}: f(2)={f.Invoke(2)} f(0)={f.Invoke(0)} ran on {f.Engine}");
            if (f.EngineReason is { } reason) Console.WriteLine(reason);
        }
        """;

    /// <summary>
    /// A NativeAOT app (no JIT of .NET's own, no dynamic code) that uses the package: it publishes without warnings
    /// from Patchouly's assemblies, runs its stencils natively, and a request for the managed engine runs the program on
    /// the interpreter instead (the DynamicMethod back end needs dynamic code).
    /// </summary>
    [Fact]
    public void A_NativeAOT_app_runs_its_stencils_natively_and_interprets_the_managed_engine()
    {
        package.AssertPacked();
        string root = Path.Combine(package.Root, "aot-consumer");
        string app = Path.Combine(root, "AotJit");
        Directory.CreateDirectory(app);
        File.WriteAllText(Path.Combine(root, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
                <add key="patchouly-local" value="{package.PackageSource}" />
              </packageSources>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(app, "AotJit.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
                <PublishAot>true</PublishAot>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Patchouly" Version="{package.Version}" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(app, "Stencils.cs"), AotStencils);
        File.WriteAllText(Path.Combine(app, "Program.cs"), AotProgram);

        string rid = System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier;
        string publish = Path.Combine(root, "publish");
        var published = DotNet.Run(app, TimeSpan.FromMinutes(10), null, "publish", "-c", "Release", "-r", rid, "-o", publish, "-nologo");
        output.WriteLine($"[{published.Elapsed.TotalSeconds,6:0.00} s] {published.Command} -> {published.ExitCode}");
        Assert.True(published.ExitCode == 0, published.ToString());
        Assert.DoesNotMatch(new Regex(@"warning IL\d+"), published.Output);

        var run = DotNet.RunProgram(Path.Combine(publish, "AotJit"), app, TimeSpan.FromMinutes(1), null);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(
            [
                "dynamic code: False",
                "native code: True",
                "Native: f(2)=42 f(0)=-1 ran on Native",
                "Managed: f(2)=42 f(0)=-1 ran on Interpreter",
                "The managed engine was selected and this runtime does not support dynamic code, so the program is interpreted.",
                "Interpreter: f(2)=42 f(0)=-1 ran on Interpreter",
                "The interpreter was selected (FunctionBuilder.Engine, JitModule.Engine or PATCHOULY_ENGINE).",
            ],
            Lines(run.Output));
    }

    /// <summary>The arguments of a printed <c>dotnet …</c> command (paths without spaces), without the <c>dotnet</c>.</summary>
    private static string[] Arguments(string command)
    {
        string[] words = command.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("dotnet", words[0]);
        return words[1..];
    }

    private static void AssertError(DotNet.Result result, string code, int line)
    {
        var pattern = new Regex(@"Stencils\.cs\(" + line + @",\d+\): error " + code + ":");
        Assert.True(pattern.IsMatch(result.Output), $"expected error {code} at Stencils.cs line {line} in:\n{result}");
    }

    private static string[] Lines(string text) =>
        text.Replace("\r\n", "\n").Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0).ToArray();

    private static string ReadText(ZipArchive zip, string name)
    {
        var entry = zip.GetEntry(name) ?? throw new InvalidOperationException($"the package has no {name}");
        using var reader = new StreamReader(entry.Open());
        return reader.ReadToEnd();
    }

    /// <summary>The simple names of the assemblies a packed assembly references.</summary>
    private static IEnumerable<string> AssemblyReferences(ZipArchive zip, string name)
    {
        var entry = zip.GetEntry(name) ?? throw new InvalidOperationException($"the package has no {name}");
        var memory = new MemoryStream();
        using (var stream = entry.Open()) stream.CopyTo(memory);
        memory.Position = 0;
        using var pe = new PEReader(memory);
        var reader = pe.GetMetadataReader();
        return reader.AssemblyReferences.Select(h => reader.GetString(reader.GetAssemblyReference(h).Name)).ToList();
    }
}
