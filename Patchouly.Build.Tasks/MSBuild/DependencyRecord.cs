using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Patchouly.Build.Tasks.MSBuild;

/// <summary>What a full pass of the task learnt about the sources its stencil libraries depend on.</summary>
public sealed class StencilDependencies
{
    /// <summary>Source files whose content the libraries' models depend on: the libraries' declaring files, the files
    /// declaring the types and members their stencils use (transitively), and every file with a <c>global using</c>.</summary>
    public HashSet<string> Files { get; } = new(StringComparer.Ordinal);

    /// <summary>Names of the types, namespaces and members those sources bind to (a new declaration of one elsewhere
    /// could change what a name binds to).</summary>
    public HashSet<string> Names { get; } = new(StringComparer.Ordinal);

    /// <summary>The clang used, if any.</summary>
    public string? ClangPath { get; set; }

    /// <summary>True when clang was missing and a library got no tables (PATCH2008): the next build must look again.</summary>
    public bool NativeMissing { get; set; }

    /// <summary>Files the build wrote that must still exist for the result to stand (tables sources and blobs).</summary>
    public List<string> Outputs { get; } = [];

    /// <summary>Collects the dependencies of <paramref name="libraries"/> in <paramref name="compilation"/>.</summary>
    public void Collect(Compilation compilation, IEnumerable<INamedTypeSymbol> libraries, CancellationToken cancellationToken)
    {
        var seen = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
        var queue = new Queue<SyntaxNode>();
        foreach (var library in libraries) Visit(library, walk: true);
        foreach (var tree in compilation.SyntaxTrees)
            if (tree.GetRoot(cancellationToken) is CompilationUnitSyntax unit && unit.Usings.Any(u => u.GlobalKeyword.IsKind(SyntaxKind.GlobalKeyword)))
                Files.Add(tree.FilePath);
        while (queue.Count > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var node = queue.Dequeue();
            var model = compilation.GetSemanticModel(node.SyntaxTree);
            foreach (var name in node.DescendantNodesAndSelf().OfType<SimpleNameSyntax>())
            {
                var info = model.GetSymbolInfo(name, cancellationToken);
                var symbol = info.Symbol ?? info.CandidateSymbols.FirstOrDefault();
                if (symbol is IAliasSymbol alias) symbol = alias.Target;
                if (symbol is null or ILocalSymbol or IParameterSymbol or IRangeVariableSymbol or ILabelSymbol or INamespaceSymbol) continue;
                Names.Add(symbol.Name);
                if (symbol.ContainingType is { } containing) Names.Add(containing.Name);
                Visit(symbol, walk: true);
            }
        }

        void Visit(ISymbol symbol, bool walk)
        {
            symbol = symbol.OriginalDefinition;
            if (symbol is IMethodSymbol { ReducedFrom: { } reduced }) symbol = reduced;
            if (!seen.Add(symbol)) return;
            Names.Add(symbol.Name);
            foreach (var location in symbol.Locations)
                if (location.IsInSource && location.SourceTree is { FilePath.Length: > 0 } tree) Files.Add(tree.FilePath);
            if (!walk) return;
            foreach (var reference in symbol.DeclaringSyntaxReferences) queue.Enqueue(reference.GetSyntax(cancellationToken));
            // A member's type: its declaring files count (a partial declaration may add what the member's code uses).
            if (symbol.ContainingType is { } type) Visit(type, walk: false);
        }
    }
}

/// <summary>
/// <c>patchouly.deps</c>: the record that lets the task decide "nothing to do" without building a Roslyn compilation.
/// It holds a fingerprint of everything but the sources' content (the task, its properties, the source and reference
/// lists, the references' and clang's size and time), every source file's size and time, the content hash of the files
/// the libraries depend on (<see cref="StencilDependencies"/>) and the names they bind to. The task is up to date when
/// the fingerprint matches, every dependency file has its recorded content, the outputs exist, and every other source
/// that changed neither mentions <c>StencilLibrary</c> nor has a <c>global using</c> nor declares a type or namespace
/// named like one the libraries use.
/// </summary>
public static class DependencyRecord
{
    /// <summary>The record's file name in the output directory.</summary>
    public const string FileName = "patchouly.deps";

    private const string Version = "patchouly-deps-1";

    /// <summary>The fingerprint of everything but the sources' content.</summary>
    public static string Fingerprint(IReadOnlyList<string> sources, IReadOnlyList<string> references, string settings)
    {
        var sb = new StringBuilder(Version).Append('\n').Append(settings).Append('\n');
        sb.Append(typeof(DependencyRecord).Assembly.ManifestModule.ModuleVersionId.ToString("N")).Append('\n');
        sb.Append(Environment.GetEnvironmentVariable(Compile.ClangLocator.EnvironmentVariable)).Append('\n');
        foreach (var s in sources) sb.Append("s ").Append(s).Append('\n');
        foreach (var r in references) sb.Append("r ").Append(Stat(r)).Append(' ').Append(r).Append('\n');
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())));
    }

    /// <summary>Writes the record after a successful full pass.</summary>
    public static void Write(string outputDirectory, string fingerprint, IReadOnlyList<string> sources, StencilDependencies dependencies)
    {
        var sb = new StringBuilder(Version).Append('\n').Append("fingerprint ").Append(fingerprint).Append('\n');
        if (dependencies.ClangPath is not null) sb.Append("clang ").Append(Stat(dependencies.ClangPath)).Append(' ').Append(dependencies.ClangPath).Append('\n');
        foreach (var o in dependencies.Outputs) sb.Append("output ").Append(o).Append('\n');
        foreach (var n in dependencies.Names.OrderBy(n => n, StringComparer.Ordinal)) sb.Append("name ").Append(n).Append('\n');
        foreach (var s in sources)
        {
            bool dep = dependencies.Files.Contains(s);
            sb.Append(dep ? "dep " : "src ").Append(Stat(s)).Append(' ').Append(dep ? ContentSha(s) : "-").Append(' ').Append(s).Append('\n');
        }
        Tables.TablesFile.WriteAtomically(Path.Combine(outputDirectory, FileName), sb.ToString());
    }

    /// <summary>
    /// True when the record shows that nothing the stencil libraries depend on changed; then <paramref name="reason"/>
    /// says how many sources changed, otherwise why a full pass is needed. Refreshes the recorded times of sources that
    /// changed harmlessly.
    /// </summary>
    public static bool IsUpToDate(string outputDirectory, string fingerprint, out string reason)
    {
        string path = Path.Combine(outputDirectory, FileName);
        string[] lines;
        try { lines = File.Exists(path) ? File.ReadAllLines(path) : []; }
        catch (IOException) { lines = []; }
        if (lines.Length < 2 || lines[0] != Version) { reason = "no record of the previous build"; return false; }
        if (lines[1] != "fingerprint " + fingerprint) { reason = "the task, its properties, the source or reference list, or a reference changed"; return false; }
        var names = new HashSet<string>(StringComparer.Ordinal);
        var changed = new List<string>();
        var updated = new List<string>(lines.Length);
        foreach (var line in lines)
        {
            string outLine = line;
            if (line.StartsWith("clang ", StringComparison.Ordinal))
            {
                var (stat, file) = Split(line.Substring(6));
                if (Stat(file) != stat) { reason = "clang changed"; return false; }
            }
            else if (line.StartsWith("output ", StringComparison.Ordinal))
            {
                if (!File.Exists(line.Substring(7))) { reason = $"{line.Substring(7)} is missing"; return false; }
            }
            else if (line.StartsWith("name ", StringComparison.Ordinal)) names.Add(line.Substring(5));
            else if (line.StartsWith("dep ", StringComparison.Ordinal) || line.StartsWith("src ", StringComparison.Ordinal))
            {
                string rest = line.Substring(4);
                var (stat, afterStat) = Split(rest);
                var (sha, file) = Split(afterStat);
                string now = Stat(file);
                if (now == stat) { updated.Add(line); continue; }
                if (line[0] == 'd')
                {
                    if (ContentSha(file) != sha) { reason = $"{Path.GetFileName(file)}, which a stencil library depends on, changed"; return false; }
                }
                else changed.Add(file);
                outLine = line.Substring(0, 4) + now + " " + sha + " " + file;
            }
            updated.Add(outLine);
        }
        foreach (var file in changed)
        {
            string text = File.ReadAllText(file);
            if (text.Contains("StencilLibrary", StringComparison.Ordinal)) { reason = $"{Path.GetFileName(file)} mentions StencilLibrary"; return false; }
            if (GlobalUsing.IsMatch(text)) { reason = $"{Path.GetFileName(file)} has a global using"; return false; }
            foreach (Match m in Declaration.Matches(text))
                foreach (Match word in Word.Matches(m.Groups[1].Value))
                    if (names.Contains(word.Value)) { reason = $"{Path.GetFileName(file)} declares {word.Value}, a name the stencils use"; return false; }
        }
        if (changed.Count > 0) Tables.TablesFile.WriteAtomically(path, string.Join("\n", updated) + "\n");
        reason = changed.Count == 0 ? "no source changed" : $"{changed.Count} source file(s) changed, none that a stencil library depends on";
        return true;
    }

    private static readonly Regex GlobalUsing = new(@"^\s*global\s+using\b", RegexOptions.Multiline | RegexOptions.CultureInvariant);

    /// <summary>A type declaration up to its body or parameter list (its name, and conservatively its other words).</summary>
    private static readonly Regex Declaration = new(@"\b(?:class|struct|interface|enum|record|delegate)\b([^{;(=\r\n]*)", RegexOptions.CultureInvariant);

    private static readonly Regex Word = new(@"[A-Za-z_]\w*", RegexOptions.CultureInvariant);

    private static (string First, string Tail) Split(string text)
    {
        int space = text.IndexOf(' ');
        return space < 0 ? (text, "") : (text.Substring(0, space), text.Substring(space + 1));
    }

    /// <summary>Size and last write time (UTC ticks) of a file, or "-" when it does not exist.</summary>
    private static string Stat(string path)
    {
        var info = new FileInfo(path);
        return info.Exists ? $"{info.Length}:{info.LastWriteTimeUtc.Ticks}" : "-";
    }

    private static string ContentSha(string path) =>
        File.Exists(path) ? Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))) : "-";
}
