using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using System.Text;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Patchouly.Generators.Diagnostics;
using Patchouly.Generators.Translation;

namespace Patchouly.Generators.Tests.Translation;

/// <summary>The result of translating every stencil of one library.</summary>
internal sealed class TranslatedLibrary
{
    public required CSharpCompilation Compilation { get; init; }
    public required INamedTypeSymbol Library { get; init; }
    public required List<IMethodSymbol> Stencils { get; init; }
    /// <summary>Stencil C# name to C function definition (only stencils that translated).</summary>
    public required Dictionary<string, string> Functions { get; init; }
    public required Dictionary<string, string> CNames { get; init; }
    public required List<DiagnosticInfo> Diagnostics { get; init; }
    public required string Prelude { get; init; }

    /// <summary>The prelude followed by every translated stencil function.</summary>
    public string AllC()
    {
        var sb = new StringBuilder(Prelude);
        foreach (var s in Stencils)
            if (Functions.TryGetValue(s.Name, out var f)) sb.Append('\n').Append(f);
        return sb.ToString();
    }
}

/// <summary>Builds Roslyn compilations of test sources, runs the translator, and compiles C with clang.</summary>
internal static class TranslationHarness
{
    private static readonly Lazy<MetadataReference[]> s_references = new(() =>
    {
        var paths = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).ToList();
        paths.Add(typeof(Patchouly.StencilAttribute).Assembly.Location);
        return paths.Distinct().Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToArray();
    });

    public const string Usings = "using System;\nusing Patchouly;\n";

    public static CSharpCompilation Compile(string source, string assemblyName = "StencilTests")
    {
        var tree = CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest), path: "Stencils.cs");
        return CSharpCompilation.Create(assemblyName, new[] { tree }, s_references.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true, optimizationLevel: OptimizationLevel.Release));
    }

    /// <summary>Compiles <paramref name="source"/> (which must have no compile errors unless <paramref name="allowErrors"/>),
    /// finds its [StencilLibrary] class and translates every [Stencil] method, in name order.</summary>
    public static TranslatedLibrary Translate(string source, bool allowErrors = false)
    {
        var compilation = Compile(source);
        if (!allowErrors)
        {
            var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
            Assert.True(errors.Count == 0, "The test source has compile errors:\n" + string.Join("\n", errors));
        }
        var library = compilation.SyntaxTrees.SelectMany(t => t.GetRoot().DescendantNodes())
            .OfType<Microsoft.CodeAnalysis.CSharp.Syntax.ClassDeclarationSyntax>()
            .Select(c => compilation.GetSemanticModel(c.SyntaxTree).GetDeclaredSymbol(c)!)
            .First(t => t.GetAttributes().Any(a => a.AttributeClass?.Name == "StencilLibraryAttribute"));
        var stencils = library.GetMembers().OfType<IMethodSymbol>()
            .Where(m => m.GetAttributes().Any(a => a.AttributeClass?.Name == "StencilAttribute"))
            .OrderBy(m => m.Name, StringComparer.Ordinal).ToList();

        var translator = new StencilTranslator(compilation, library, CancellationToken.None);
        var diagnostics = new List<DiagnosticInfo>();
        var functions = new Dictionary<string, string>();
        var names = new Dictionary<string, string>();
        for (int i = 0; i < stencils.Count; i++)
        {
            string cName = Patchouly.Generators.Translation.CNames.Stencil(stencils[i].Name, i + 3);
            names[stencils[i].Name] = cName;
            string? c = translator.TranslateStencil(stencils[i], cName, diagnostics);
            if (c is not null) functions[stencils[i].Name] = c;
        }
        return new TranslatedLibrary
        {
            Compilation = compilation,
            Library = library,
            Stencils = stencils,
            Functions = functions,
            CNames = names,
            Diagnostics = diagnostics,
            Prelude = translator.Prelude,
        };
    }

    // ------------------------------------------------------------------ clang

    private static readonly Lazy<string?> s_clang = new(FindClang);

    /// <summary>clang-19 (or $PATCHOULY_CLANG, or clang) — the tests fail, not skip, without it.</summary>
    public static string Clang => s_clang.Value ?? throw new InvalidOperationException(
        "No C compiler found: set PATCHOULY_CLANG or put clang-19 (or clang) on PATH. The translation tests need it to check the generated C.");

    private static string? FindClang()
    {
        var env = Environment.GetEnvironmentVariable("PATCHOULY_CLANG");
        if (!string.IsNullOrEmpty(env) && File.Exists(env)) return env;
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var name in new[] { "clang-19", "clang" })
            foreach (var dir in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            {
                var candidate = Path.Combine(dir, OperatingSystem.IsWindows() ? name + ".exe" : name);
                if (File.Exists(candidate)) return candidate;
            }
        return null;
    }

    private static string TempDirectory()
    {
        string dir = Path.Combine(Path.GetTempPath(), "patchouly-translation-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>Runs clang on <paramref name="code"/>; returns (exit code, stderr, output path).</summary>
    public static (int ExitCode, string Errors, string Output) RunClang(string code, string arguments, string outputExtension)
    {
        string dir = TempDirectory();
        string input = Path.Combine(dir, "stencils.c");
        string output = Path.Combine(dir, "stencils" + outputExtension);
        File.WriteAllText(input, code);
        var psi = new ProcessStartInfo(Clang)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var a in arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries)) psi.ArgumentList.Add(a);
        psi.ArgumentList.Add(input);
        psi.ArgumentList.Add("-o");
        psi.ArgumentList.Add(output);
        using var process = Process.Start(psi)!;
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stderr.Result, output);
    }

    public const string StrictFlags = "-std=gnu11 -fwrapv -O3 -c -Werror -Wall -Wno-unused-function -Wno-unused-variable -fno-strict-aliasing -fno-builtin";

    /// <summary>Asserts that <paramref name="code"/> compiles with the strict flags.</summary>
    public static void AssertCompiles(string code)
    {
        var (exit, errors, _) = RunClang(code, StrictFlags, ".o");
        Assert.True(exit == 0, "clang rejected the translated C:\n" + errors + "\n---- C ----\n" + Numbered(code));
    }

    /// <summary>
    /// Undefined behaviour in the translated C would often be invisible on x86-64 (the hardware masks shift counts,
    /// wraps addresses...), so the differential tests compile with UBSan in trap mode (no runtime library needed):
    /// any undefined operation the tests reach stops the test run. Misaligned accesses are excluded: C# allows them
    /// and clang emits unaligned-safe loads and stores on x86-64.
    /// </summary>
    public const string SanitizerFlags = "-fsanitize=undefined -fsanitize-trap=undefined -fno-sanitize=alignment";

    /// <summary>Compiles <paramref name="code"/> into a shared library and loads it.</summary>
    public static IntPtr LoadShared(string code)
    {
        var (exit, errors, output) = RunClang(code, "-std=gnu11 -shared -fPIC -O2 -fwrapv -fno-strict-aliasing -fno-builtin -Werror -Wall -Wno-unused-function -Wno-unused-variable " + SanitizerFlags, ".so");
        Assert.True(exit == 0, "clang could not build the shared library:\n" + errors + "\n---- C ----\n" + Numbered(code));
        return System.Runtime.InteropServices.NativeLibrary.Load(output);
    }

    /// <summary>Emits the compilation and loads it into a collectible context.</summary>
    public static Assembly LoadManaged(CSharpCompilation compilation)
    {
        using var ms = new MemoryStream();
        var result = compilation.Emit(ms);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        ms.Position = 0;
        var context = new AssemblyLoadContext("stencil-tests-" + Guid.NewGuid().ToString("N"), isCollectible: true);
        return context.LoadFromStream(ms);
    }

    public static string Numbered(string code) =>
        string.Join("\n", code.Split('\n').Select((l, i) => (i + 1).ToString().PadLeft(4) + "  " + l));
}
