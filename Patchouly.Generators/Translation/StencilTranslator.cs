using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Patchouly.Generators.Diagnostics;

namespace Patchouly.Generators.Translation;

/// <summary>
/// Translates the methods of one stencil library from C# (Roslyn's IOperation tree) to C11 (GNU dialect).
/// </summary>
/// <remarks>
/// <para>Each method body (stencil or helper) is translated once per role and cached; its diagnostics are reported to
/// the list of the <see cref="TranslateStencil"/> call that first needed it, so every problem is reported once. A
/// stencil that reads floats through its pointers as themselves (<see cref="FunctionResult.OpaqueReads"/>) is translated
/// again when another stencil calls it: as a helper its pointers may point into its caller's locals.</para>
/// <para>Conventions: a stencil becomes <c>static inline __attribute__((always_inline)) R cName(params)</c>; a helper
/// (a static, non-generic library method that is not a stencil, or a stencil called from another stencil) becomes
/// the same kind of function named <c>h_Name</c> (see <see cref="CNames"/>), declared and defined in
/// <see cref="Prelude"/>. Parameters keep their C# order and are named <c>v_name</c>; <c>out</c>/<c>ref</c>
/// parameters are pointers; <c>Patchouly.Target</c> is <c>int32_t</c> (the wrapper passes target parameter i as
/// the value i, and <c>Target.Next</c> is -1).</para>
/// </remarks>
internal sealed class StencilTranslator
{
    private static readonly SymbolEqualityComparer s_symbols = SymbolEqualityComparer.Default;

    private readonly Compilation _compilation;
    private readonly INamedTypeSymbol _library;
    private readonly CancellationToken _cancellationToken;
    private readonly Dictionary<IMethodSymbol, string> _helperNames = new(s_symbols);
    private readonly List<IMethodSymbol> _declarationOrder = new();
    private readonly Dictionary<IMethodSymbol, FunctionResult> _results = new(s_symbols);
    private readonly Dictionary<IMethodSymbol, FunctionResult> _helperResults = new(s_symbols);
    private readonly List<IMethodSymbol> _inProgress = new();
    private readonly HashSet<IMethodSymbol> _usedAsHelpers = new(s_symbols);
    private readonly HashSet<string> _runtimeHelpers = new();
    private readonly HashSet<string> _intrinsicHelpers = new();
    private readonly Dictionary<INamedTypeSymbol, StructLayoutInfo> _layouts = new(s_symbols);
    private readonly HashSet<INamedTypeSymbol> _computing = new(s_symbols);
    private readonly List<INamedTypeSymbol> _usedStructs = new();
    private readonly HashSet<INamedTypeSymbol> _usedStructSet = new(s_symbols);
    private readonly Dictionary<string, string> _unaligned = new();
    private readonly List<string> _unalignedOrder = new();

    public StencilTranslator(Compilation compilation, INamedTypeSymbol libraryType, CancellationToken cancellationToken)
    {
        _compilation = compilation;
        _library = libraryType;
        _cancellationToken = cancellationToken;

        // Helper names are fixed up front, in declaration order, so they do not depend on translation order.
        var used = new HashSet<string>();
        foreach (var method in libraryType.GetMembers().OfType<IMethodSymbol>())
        {
            if (method.MethodKind != MethodKind.Ordinary) continue;
            string baseName = CNames.Helper(method.Name);
            string name = baseName;
            for (int n = 2; !used.Add(name); n++) name = baseName + "_" + n.ToString(System.Globalization.CultureInfo.InvariantCulture);
            _helperNames[method] = name;
            _declarationOrder.Add(method);
        }
    }

    internal INamedTypeSymbol Library => _library;

    internal CancellationToken CancellationToken => _cancellationToken;

    /// <summary>
    /// Translates one <c>[Stencil]</c> method into a C function definition named <paramref name="cName"/>, or returns
    /// null (having added diagnostics, unless the method has compile errors of its own) when it cannot be translated.
    /// </summary>
    public string? TranslateStencil(IMethodSymbol method, string cName, List<DiagnosticInfo> diagnostics)
    {
        var result = GetFunction(method, diagnostics, asHelper: false);
        if (result.Body is null) return null;
        return result.Definition(cName);
    }

    /// <summary>
    /// The C text shared by all stencils of the library: includes, the runtime helpers the translated code uses,
    /// then prototypes and definitions of every helper method called from stencils (transitively). Emit it once,
    /// before all stencil functions.
    /// </summary>
    public string Prelude
    {
        get
        {
            var sb = new StringBuilder();
            sb.Append("/* Prelude of stencil library ").Append(_library.ToDisplayString()).Append(", translated from C# by Patchouly. */\n");
            sb.Append("#include <stdint.h>\n#include <stddef.h>\n");
            // C# never fuses a multiplication and an addition into one FMA; clang may (-ffp-contract=on is its default).
            sb.Append("#pragma STDC FP_CONTRACT OFF\n");
            sb.Append(CRuntime.FloatConstants);
            sb.Append(HoleOperations.PlainDispatch);

            if (_usedStructs.Count > 0)
            {
                sb.Append("\n/* C# structs used by the stencils, laid out as the CLR lays them out (checked by the assertions). */\n");
                foreach (var type in _usedStructs) sb.Append(_layouts[type].CName).Append(";\n");
                var defined = new HashSet<INamedTypeSymbol>(s_symbols);
                foreach (var type in _usedStructs) Define(type);

                void Define(INamedTypeSymbol type)
                {
                    var layout = _layouts[type];
                    if (layout.Error is not null || !defined.Add(type)) return;
                    foreach (var inner in layout.Nested) Define(inner);
                    sb.Append('\n').Append(CStructs.Declaration(layout));
                }
            }

            if (_unalignedOrder.Count > 0)
            {
                sb.Append("\n/* Memory is accessed through these alignment-1 types: C# allows any address, C would assume natural alignment. */\n");
                foreach (string c in _unalignedOrder)
                    sb.Append("typedef __typeof__(").Append(c == "_Bool" ? "uint8_t" : c).Append(") ").Append(_unaligned[c]).Append(" __attribute__((aligned(1)));\n");
            }

            string? lastComment = null;
            foreach (string name in CRuntime.Order)
            {
                if (!_runtimeHelpers.Contains(name)) continue;
                string? comment = CRuntime.GroupComment(name);
                sb.Append('\n');
                if (comment != lastComment && comment is not null) sb.Append(comment);
                lastComment = comment;
                sb.Append(CRuntime.Definition(name));
            }

            if (_intrinsicHelpers.Count > 0)
            {
                sb.Append('\n').Append(CIntrinsics.Comment);
                var emitted = new HashSet<string>();
                foreach (string name in _intrinsicHelpers.OrderBy(n => n, StringComparer.Ordinal)) EmitIntrinsic(name);

                void EmitIntrinsic(string name)
                {
                    if (!emitted.Add(name)) return;
                    foreach (string dependency in CIntrinsics.Dependencies(name)) EmitIntrinsic(dependency);
                    sb.Append(CIntrinsics.Definition(name));
                }
            }

            var helpers = _declarationOrder
                .Where(m => _usedAsHelpers.Contains(m) && _helperResults.TryGetValue(m, out var r) && r.Body is not null)
                .Select(m => (Name: _helperNames[m], Result: _helperResults[m]))
                .ToList();
            if (helpers.Count > 0)
            {
                sb.Append("\n/* Helper methods of the stencil library, called from stencils. */\n");
                foreach (var (name, result) in helpers) sb.Append(result.Prototype(name)).Append(";\n");
                foreach (var (name, result) in helpers) sb.Append('\n').Append(result.Definition(name));
            }
            return sb.ToString();
        }
    }

    /// <summary>Records that translated code calls runtime helper <paramref name="name"/>.</summary>
    internal void UseRuntime(string name) => _runtimeHelpers.Add(name);

    /// <summary>Records that translated code calls intrinsic helper <paramref name="name"/> (see <see cref="CIntrinsics"/>).</summary>
    internal void UseIntrinsic(string name)
    {
        _intrinsicHelpers.Add(name);
        foreach (string dependency in CIntrinsics.Dependencies(name)) UseIntrinsic(dependency);
        foreach (string runtime in CIntrinsics.RuntimeDependencies(name)) UseRuntime(runtime);
    }

    /// <summary>The name of the alignment-1 typedef of C type <paramref name="cType"/> (<c>_Bool</c> is stored as
    /// <c>uint8_t</c>), through which translated code reads and writes memory.</summary>
    internal string Unaligned(string cType)
    {
        if (_unaligned.TryGetValue(cType, out var name)) return name;
        var sb = new StringBuilder("pr_ua_");
        if (cType.StartsWith("__typeof__", StringComparison.Ordinal)) sb.Append("fn");
        else if (cType == "_Bool") sb.Append("bool");
        else
        {
            foreach (char c in cType)
            {
                if (c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9' or '_') sb.Append(c);
                else if (c == '*') sb.Append("_p");
                else if (c == ' ') sb.Append('_');
            }
        }
        string baseName = sb.ToString();
        name = baseName;
        for (int n = 2; _unaligned.ContainsValue(name); n++) name = baseName + "_" + n.ToString(System.Globalization.CultureInfo.InvariantCulture);
        _unaligned[cType] = name;
        _unalignedOrder.Add(cType);
        return name;
    }

    /// <summary>The layout of struct <paramref name="type"/> (computed once).</summary>
    internal StructLayoutInfo Layout(INamedTypeSymbol type)
    {
        type = type.OriginalDefinition;
        if (_layouts.TryGetValue(type, out var layout)) return layout;
        if (!_computing.Add(type))
        {
            // Only a C# compile error (a struct containing itself) gets here.
            return new StructLayoutInfo(type, "struct " + CNames.Struct(type)) { Error = "it contains itself" };
        }
        try
        {
            layout = CStructs.Compute(type, Layout);
        }
        finally
        {
            _computing.Remove(type);
        }
        _layouts[type] = layout;
        return layout;
    }

    /// <summary>
    /// Records that translated code uses <paramref name="type"/>: every struct it contains or points to (transitively)
    /// is declared in the prelude. Returns why a struct used by value cannot be, or null.
    /// </summary>
    internal string? UseType(ITypeSymbol? type)
    {
        switch (type)
        {
            case null:
                return null;
            case IPointerTypeSymbol pointer:
                UseType(pointer.PointedAtType);
                return null;
            case IFunctionPointerTypeSymbol functionPointer:
                UseType(functionPointer.Signature.ReturnType);
                foreach (var p in functionPointer.Signature.Parameters) UseType(p.Type);
                return null;
        }
        if (!CTypes.IsStruct(type)) return null;
        var named = (INamedTypeSymbol)type.OriginalDefinition;
        var layout = Layout(named);
        if (_usedStructSet.Add(named))
        {
            foreach (var inner in layout.Nested) UseType(inner);
            foreach (var pointee in layout.PointedTo) UseType(pointee);
            _usedStructs.Add(named);
        }
        return layout.Error;
    }

    /// <summary>True when <paramref name="method"/> can be called from stencil code (a static, ordinary, non-generic method of the library).</summary>
    internal bool IsLibraryMethod(IMethodSymbol method) =>
        s_symbols.Equals(method.ContainingType?.OriginalDefinition, _library) && _helperNames.ContainsKey(method.OriginalDefinition);

    /// <summary>The methods whose translation is under way, outermost first (for recursion detection).</summary>
    internal IReadOnlyList<IMethodSymbol> InProgress => _inProgress;

    /// <summary>Translates (once) a library method called from stencil code, records it as a helper, and returns its C name,
    /// or null when it could not be translated.</summary>
    internal string? UseHelper(IMethodSymbol method, List<DiagnosticInfo> diagnostics)
    {
        method = method.OriginalDefinition;
        var result = GetFunction(method, diagnostics, asHelper: true);
        if (result.Body is null) return null;
        _usedAsHelpers.Add(method);
        return _helperNames[method];
    }

    private FunctionResult GetFunction(IMethodSymbol method, List<DiagnosticInfo> diagnostics, bool asHelper)
    {
        method = method.OriginalDefinition;
        var cache = asHelper ? _helperResults : _results;
        var other = asHelper ? _results : _helperResults;
        if (cache.TryGetValue(method, out var cached)) return cached;
        // A stencil's own translation serves as its helper when it reads no float as itself.
        // (Not when it names its holes' operations: a helper's parameters are values, not holes.)
        if (asHelper && _results.TryGetValue(method, out var translated) && !translated.OpaqueReads && !HoleOperations.Uses(translated.Body))
            return cache[method] = translated;
        _cancellationToken.ThrowIfCancellationRequested();
        _inProgress.Add(method);
        FunctionResult result;
        try
        {
            // The other role's translation already reported this body's problems.
            result = Translate(method, other.ContainsKey(method) ? new List<DiagnosticInfo>() : diagnostics, asHelper);
        }
        finally
        {
            _inProgress.RemoveAt(_inProgress.Count - 1);
        }
        cache[method] = result;
        return result;
    }

    /// <summary>clang refuses C nested deeper than 256 parentheses, brackets and braces (<c>-fbracket-depth</c>);
    /// a function body may use this much, leaving room for the variant that calls it.</summary>
    internal const int MaxBracketDepth = 240;

    /// <summary>The deepest nesting of (), [] and {} in C text, outside literals and comments.</summary>
    internal static int BracketDepth(string c)
    {
        int depth = 0, max = 0;
        for (int i = 0; i < c.Length; i++)
        {
            char ch = c[i];
            if (ch is '"' or '\'')
            {
                for (i++; i < c.Length && c[i] != ch; i++) if (c[i] == '\\') i++;
            }
            else if (ch == '/' && i + 1 < c.Length && c[i + 1] == '*')
            {
                int end = c.IndexOf("*/", i + 2, StringComparison.Ordinal);
                i = end < 0 ? c.Length : end + 1;
            }
            else if (ch == '/' && i + 1 < c.Length && c[i + 1] == '/')
            {
                int end = c.IndexOf('\n', i);
                i = end < 0 ? c.Length : end;
            }
            else if (ch is '(' or '[' or '{') max = Math.Max(max, ++depth);
            else if (ch is ')' or ']' or '}') depth--;
        }
        return max;
    }

    private FunctionResult Translate(IMethodSymbol method, List<DiagnosticInfo> diagnostics, bool asHelper)
    {
        var implementation = method.PartialImplementationPart ?? method;
        var syntax = implementation.DeclaringSyntaxReferences
            .Select(r => r.GetSyntax(_cancellationToken))
            .OfType<BaseMethodDeclarationSyntax>()
            .FirstOrDefault(s => s.Body is not null || s.ExpressionBody is not null);
        if (syntax is null) return FunctionResult.Failed;

        var model = _compilation.GetSemanticModel(syntax.SyntaxTree);
        // A method with compile errors is reported by the compiler; translating it would only add noise.
        if (model.GetDiagnostics(syntax.Span, _cancellationToken).Any(d => d.Severity == DiagnosticSeverity.Error))
            return FunctionResult.Failed;

        try
        {
            var result = new FunctionTranslator(this, implementation, syntax, model, diagnostics, asHelper).Translate();
            if (result.Body is not null && BracketDepth(result.Body) is var depth and > MaxBracketDepth)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NestedTooDeeply, method.Locations.FirstOrDefault(), method.Name, $"its C would nest {depth} levels of brackets"));
                return FunctionResult.Failed;
            }
            return result;
        }
        catch (InsufficientExecutionStackException)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NestedTooDeeply, method.Locations.FirstOrDefault(), method.Name, "it nests too deeply to translate"));
            return FunctionResult.Failed;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A translator bug must not crash the compiler: report it where the method is declared.
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, method.Locations.FirstOrDefault(),
                "translating '" + method.Name + "' to C", e.GetType().Name, e.Message));
            return FunctionResult.Failed;
        }
    }
}

/// <summary>A translated method: its C return type, parameter list and body (null when translation failed).</summary>
internal sealed class FunctionResult
{
    public static readonly FunctionResult Failed = new("", "", null, opaqueReads: false);

    public FunctionResult(string returnType, string parameters, string? body, bool opaqueReads)
    {
        ReturnType = returnType;
        Parameters = parameters;
        Body = body;
        OpaqueReads = opaqueReads;
    }

    /// <summary>True when the body reads floats through pointers as themselves, which is right only for a stencil's own
    /// translation (see <c>FunctionTranslator.OpaqueMemoryReads</c>).</summary>
    public bool OpaqueReads { get; }

    public string ReturnType { get; }

    public string Parameters { get; }

    /// <summary>The body, as a C compound statement with a trailing newline, or null when translation failed.</summary>
    public string? Body { get; }

    public string Prototype(string name) =>
        "static inline __attribute__((always_inline)) " + ReturnType + " " + name + "(" + Parameters + ")";

    public string Definition(string name) => Prototype(name) + "\n" + Body;
}
