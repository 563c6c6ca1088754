using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Patchouly.Generators.Diagnostics;
using Patchouly.Generators.Model;
using Patchouly.Generators.Translation;
using Patchouly.Generators.Variants;
using Patchouly.Generators.Format;

namespace Patchouly.Generators.Parsing;

/// <summary>
/// Turns a <c>[StencilLibrary]</c> class into a <see cref="LibraryModel"/>: checks the shape of the class and of each
/// stencil (PATCH0001-PATCH0099), translates each stencil body to C (PATCH0100-PATCH0199 come from the translator), and
/// adds the built-in families. Used by the analyzer (diagnostics), the generator (emit API) and the build task (C).
/// </summary>
internal static class StencilLibraryParser
{
    /// <summary>The result of parsing: the model (null when the class itself is unusable) and every diagnostic.</summary>
    public sealed record Result(LibraryModel? Library, IReadOnlyList<DiagnosticInfo> Diagnostics);

    /// <param name="type">The [StencilLibrary] class.</param>
    /// <param name="compilation">Its compilation.</param>
    /// <param name="cancellationToken">Cancels.</param>
    /// <param name="defaultRegisters">The register count of libraries that do not set one (the <c>PatchoulyRegisters</c> property).</param>
    public static Result Parse(INamedTypeSymbol type, Compilation compilation, CancellationToken cancellationToken, int? defaultRegisters = null)
    {
        try
        {
            return ParseUnchecked(type, compilation, cancellationToken, defaultRegisters);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A bug must not crash the compiler (AD0001, CS8785: the user would see a warning and nothing else), nor the
            // build task: report it as an error at the class, with no model (so nothing is generated or built).
            Location location = Location.None;
            string name = "a stencil library";
            try
            {
                location = type.Locations.FirstOrDefault() ?? Location.None;
                name = "stencil library '" + type.Name + "'";
            }
            catch (Exception)
            {
                // The symbol itself is what failed: report without a location.
            }
            return new Result(null, [DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, location, "analysing " + name, e.GetType().Name, e.Message)]);
        }
    }

    private static Result ParseUnchecked(INamedTypeSymbol type, Compilation compilation, CancellationToken cancellationToken, int? defaultRegisters)
    {
        var diagnostics = new List<DiagnosticInfo>();
        var attribute = type.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == KnownNames.StencilLibraryAttribute);
        Location typeLocation = type.Locations.FirstOrDefault() ?? Location.None;

        bool isPartial = type.DeclaringSyntaxReferences.All(r =>
            r.GetSyntax(cancellationToken) is ClassDeclarationSyntax c && c.Modifiers.Any(SyntaxKind.PartialKeyword));
        if (!type.IsStatic || !isPartial || type.TypeKind != TypeKind.Class)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LibraryMustBeStaticPartial, typeLocation, type.Name));
        if (type.ContainingType is not null || type.IsGenericType)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LibraryMustBeTopLevel, typeLocation, type.Name));

        int registers = defaultRegisters ?? KnownNames.DefaultRegisters;
        int optimization = 0, floatRegisters = 0, moveRegisters = 0, moveFloatRegisters = 0;
        bool registersFromAttribute = false;
        if (attribute is not null)
        {
            foreach (var named in attribute.NamedArguments)
            {
                if (named.Key == "Registers" && named.Value.Value is int r)
                {
                    registers = r;
                    registersFromAttribute = true;
                }
                else if (named.Key == "Optimization" && named.Value.Value is int o) optimization = o;
                else if (named.Key == "FloatRegisters" && named.Value.Value is int fr) floatRegisters = fr;
                else if (named.Key == "MoveRegisters" && named.Value.Value is int mr) moveRegisters = mr;
                else if (named.Key == "MoveFloatRegisters" && named.Value.Value is int mf) moveFloatRegisters = mf;
            }
        }
        if (registers < 1 || registers > KnownNames.MaxRegisters)
        {
            var attrLocation = attribute?.ApplicationSyntaxReference?.GetSyntax(cancellationToken).GetLocation() ?? typeLocation;
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidRegisterCount, attrLocation, registers));
            registers = Math.Max(1, Math.Min(KnownNames.MaxRegisters, registers));
        }
        if (floatRegisters < 0 || floatRegisters > KnownNames.MaxFloatRegisters)
        {
            var attrLocation = attribute?.ApplicationSyntaxReference?.GetSyntax(cancellationToken).GetLocation() ?? typeLocation;
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidFloatRegisterCount, attrLocation, floatRegisters));
            floatRegisters = 0;
        }
        if (moveRegisters < 0 || registers + moveRegisters > KnownNames.MaxRegisters)
        {
            var attrLocation = attribute?.ApplicationSyntaxReference?.GetSyntax(cancellationToken).GetLocation() ?? typeLocation;
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidMoveRegisterCount, attrLocation, "MoveRegisters", moveRegisters,
                $"Registers + MoveRegisters is at most {KnownNames.MaxRegisters} (Registers is {registers})"));
            moveRegisters = 0;
        }
        if (moveFloatRegisters < 0 || floatRegisters + moveFloatRegisters > KnownNames.MaxFloatRegisters || (moveFloatRegisters > 0 && floatRegisters == 0))
        {
            var attrLocation = attribute?.ApplicationSyntaxReference?.GetSyntax(cancellationToken).GetLocation() ?? typeLocation;
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidMoveRegisterCount, attrLocation, "MoveFloatRegisters", moveFloatRegisters,
                floatRegisters == 0 ? "a library without FloatRegisters has no float moves"
                : $"FloatRegisters + MoveFloatRegisters is at most {KnownNames.MaxFloatRegisters} (FloatRegisters is {floatRegisters})"));
            moveFloatRegisters = 0;
        }
        // The generated sources (whose hint names Roslyn compares ignoring case) and the tables files are named after
        // the library: two libraries whose names differ only in case would collide.
        string fileName = KnownNames.FileName(type.ToDisplayString());
        foreach (var other in compilation.GetSymbolsWithName(n => string.Equals(n, type.Name, StringComparison.OrdinalIgnoreCase), SymbolFilter.Type, cancellationToken))
        {
            if (other is not INamedTypeSymbol otherType || SymbolEqualityComparer.Default.Equals(otherType, type) || !HasAttribute(otherType, KnownNames.StencilLibraryAttribute)) continue;
            string otherName = KnownNames.FileName(otherType.ToDisplayString());
            if (string.Equals(otherName, fileName, StringComparison.OrdinalIgnoreCase))
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LibraryNamesDifferInCase, typeLocation, fileName, otherName));
        }

        foreach (var member in type.GetMembers())
        {
            if (member.IsImplicitlyDeclared || Array.IndexOf(KnownNames.GeneratedMemberNames, member.Name) < 0) continue;
            if (member is IMethodSymbol m && HasAttribute(m, KnownNames.StencilAttribute)) continue; // PATCH0006
            // Members the generator itself declared (the compilation may already contain its output) are not the user's.
            if (member.DeclaringSyntaxReferences.All(r => EmitApi.StencilGenerator.IsGeneratedSource(r.SyntaxTree.FilePath))) continue;
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ReservedMemberName, member.Locations.FirstOrDefault() ?? typeLocation, member.Name, type.Name));
        }
        if (diagnostics.Count > 0) return new Result(null, diagnostics);

        var translator = new StencilTranslator(compilation, type, cancellationToken);
        var stencils = type.GetMembers().OfType<IMethodSymbol>()
            .Where(m => HasAttribute(m, KnownNames.StencilAttribute))
            .OrderBy(m => m.Name, StringComparer.Ordinal)
            .ThenBy(m => m.Locations.FirstOrDefault()?.SourceSpan.Start ?? 0)
            .ToList();

        var families = new List<FamilyModel>();
        families.AddRange(BuiltinFamilies());
        if (floatRegisters > 0) families.AddRange(FloatBuiltinFamilies(families.Count));
        var seenNames = new HashSet<string>(StringComparer.Ordinal);
        foreach (var method in stencils)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var family = ParseStencil(method, families.Count, registers, floatRegisters, translator, seenNames, diagnostics);
            if (family is not null) families.Add(family);
        }

        string accessibility = type.DeclaredAccessibility == Accessibility.Public ? "public" : "internal";
        string ns = type.ContainingNamespace.IsGlobalNamespace ? "" : type.ContainingNamespace.ToDisplayString();
        var library = new LibraryModel(ns, type.Name, accessibility, registers, optimization, families.ToEquatableArray(), translator.Prelude, registersFromAttribute, type.IsFileLocal, floatRegisters, moveRegisters, moveFloatRegisters);
        return new Result(library, diagnostics);
    }

    /// <summary>The built-in families every library has, at indices 0, 1 and 2.</summary>
    public static IEnumerable<FamilyModel> BuiltinFamilies()
    {
        var word = new WordType("ulong", "uint64_t", 64, WordClass.Unsigned);
        yield return new FamilyModel("__entry", 0, StencilFamilyKind.Entry, EquatableArray<ParameterModel>.Empty, null, false,
            "ulong __entry(ulong a0, ..., ulong a5)", VariantNames.Family("entry", 0), "");
        yield return new FamilyModel("__move", 1, StencilFamilyKind.Move,
            new[] { new ParameterModel("value", ParameterRole.Input, word) }.ToEquatableArray(), word, false,
            "ulong __move(ulong value)", VariantNames.Family("move", 1), "");
        yield return new FamilyModel("__jump", 2, StencilFamilyKind.Jump, EquatableArray<ParameterModel>.Empty, null, true,
            "Target __jump(Target target)", VariantNames.Family("jump", 2), "");
    }

    /// <summary>
    /// The built-in moves of a library with float registers, after the three every library has: <c>__move_float</c>
    /// (float register or slot to float register or slot), <c>__move_float_to_int</c> and <c>__move_int_to_float</c>
    /// (a float register's 64 bits to or from a register or slot, unchanged).
    /// </summary>
    public static IEnumerable<FamilyModel> FloatBuiltinFamilies(int first)
    {
        var word = new WordType("ulong", "uint64_t", 64, WordClass.Unsigned);
        var dbl = new WordType("double", "double", 64, WordClass.Float);
        FamilyModel Move(string name, int index, WordType from, WordType to, uint mask) =>
            new(name, index, StencilFamilyKind.Move, new[] { new ParameterModel("value", ParameterRole.Input, from) }.ToEquatableArray(), to, false,
                $"{to.CSharp} {name}({from.CSharp} value)", VariantNames.Family(name.TrimStart('_'), index), "", FloatMask: mask);
        yield return Move("__move_float", first, dbl, dbl, 3);
        yield return Move("__move_float_to_int", first + 1, dbl, word, 1);
        yield return Move("__move_int_to_float", first + 2, word, dbl, 2);
    }

    /// <summary>The float mask of a family of a library with float registers: its <c>float</c>/<c>double</c> inputs and outputs.</summary>
    private static uint FloatMaskOf(FamilyModel family)
    {
        uint mask = 0;
        int v = 0;
        foreach (var p in family.Inputs) { if (p.Type.Class == WordClass.Float) mask |= 1u << v; v++; }
        if (family.ReturnIsOutput) { if (family.ReturnType!.Class == WordClass.Float) mask |= 1u << v; v++; }
        foreach (var p in family.OutParameters) { if (p.Type.Class == WordClass.Float) mask |= 1u << v; v++; }
        return mask;
    }

    private static FamilyModel? ParseStencil(IMethodSymbol method, int index, int registers, int floatRegisters, StencilTranslator translator,
        HashSet<string> seenNames, List<DiagnosticInfo> diagnostics)
    {
        Location location = method.Locations.FirstOrDefault() ?? Location.None;
        int errorsBefore = diagnostics.Count;

        bool hasBody = method.DeclaringSyntaxReferences.Any(r =>
            r.GetSyntax() is MethodDeclarationSyntax m && (m.Body is not null || m.ExpressionBody is not null));
        if (!method.IsStatic || method.IsGenericMethod || !hasBody || method.MethodKind != MethodKind.Ordinary)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.StencilMustBeStatic, location, method.Name));
        if (method.IsAsync)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.AsyncStencil, location, method.Name));
        if (KnownNames.IsReservedStencilName(method.Name))
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ReservedStencilName, location, method.Name));
        if (!seenNames.Add(method.Name))
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DuplicateStencilName, location, method.Name));

        var attribute = method.GetAttributes().First(a => a.AttributeClass?.ToDisplayString() == KnownNames.StencilAttribute);
        bool returnsToCaller = attribute.NamedArguments.Any(a => a.Key == "ReturnsToCaller" && a.Value.Value is true);

        var parameters = new List<ParameterModel>();
        foreach (var p in method.Parameters)
        {
            var pLocation = p.Locations.FirstOrDefault() ?? location;
            bool isHole = HasAttribute(p, KnownNames.HoleAttribute);
            bool hasTargetAttribute = HasAttribute(p, KnownNames.TargetAttribute);
            bool isTarget = WordTypes.IsTarget(p.Type);
            if (p.RefKind is RefKind.Ref or RefKind.In or RefKind.RefReadOnlyParameter)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.RefParameter, pLocation, p.Name, p.RefKind.ToString().ToLowerInvariant()));
                continue;
            }
            if (hasTargetAttribute && !isTarget)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.TargetAttributeOnNonTarget, pLocation, p.Name, p.Type.ToDisplayString()));
                continue;
            }
            if (isHole && (isTarget || p.RefKind == RefKind.Out))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidHole, pLocation, p.Name,
                    isTarget ? "a Target cannot be a hole" : "an out parameter cannot be a hole"));
                continue;
            }
            var word = WordTypes.Classify(p.Type);
            if (word is null || (isTarget && p.RefKind == RefKind.Out))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedParameterType, pLocation, p.Name, p.Type.ToDisplayString()));
                continue;
            }
            var role = isTarget ? ParameterRole.Target : isHole ? ParameterRole.Hole : p.RefKind == RefKind.Out ? ParameterRole.Output : ParameterRole.Input;
            int pin = Pin(p.GetAttributes(), p.Name, pLocation, role is ParameterRole.Hole or ParameterRole.Target ? (isTarget ? "a target is not a value in a location" : "a hole is a constant in the code, not a value in a location") : null);
            bool cold = isTarget && p.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == KnownNames.TargetAttribute
                && a.NamedArguments.Any(n => n.Key == "Cold" && n.Value.Value is true));
            parameters.Add(new ParameterModel(p.Name, role, word, pin, cold));
        }

        WordType? returnType = null;
        bool returnsTarget = false;
        if (!method.ReturnsVoid)
        {
            if (method.RefKind != RefKind.None || (returnType = WordTypes.Classify(method.ReturnType)) is null)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedReturnType, location, method.Name, method.ReturnType.ToDisplayString()));
            else if (returnType.Class == WordClass.Target)
            {
                returnsTarget = true;
                returnType = null;
            }
        }

        var kind = returnsToCaller ? StencilFamilyKind.Return : StencilFamilyKind.Normal;
        int returnPin = Pin(method.GetReturnTypeAttributes(), "the return value", location,
            returnsToCaller ? "the value returned to the caller is not in a location" : returnType is null ? "it returns no value" : null);
        var family = new FamilyModel(method.Name, index, kind, parameters.ToEquatableArray(), returnType, returnsTarget,
            Signature(method), VariantNames.Family(method.Name, index), "", returnPin);
        if (floatRegisters > 0 && family.InputCount + family.OutputCount <= Format.VariantIndex.MaxFloatMaskValues)
            family = family with { FloatMask = FloatMaskOf(family) };
        if (family.FloatMask != 0 && family.Pins is { } pins)
        {
            for (int v = 0; v < pins.Length; v++)
                if (pins[v] >= 0 && Format.VariantIndex.IsFloat(v, family.FloatMask))
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidPin, location,
                        v < family.InputCount ? family.Inputs[v].Name : "an output", method.Name,
                        $"it is a float or double value, which lives in one of the library's {floatRegisters} float registers or a stack slot (only values in the ordinary registers can be pinned)"));
        }
        var outputPins = new[] { family.ReturnIsOutput ? returnPin : -1 }.Concat(family.OutParameters.Select(p => p.Pin)).Where(r => r >= 0).ToList();
        if (outputPins.Distinct().Count() != outputPins.Count)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidPin, location, "an output", method.Name,
                $"two outputs are pinned to register {outputPins.GroupBy(r => r).First(g => g.Count() > 1).Key}, but outputs cannot share a register"));

        if (returnsToCaller && (returnsTarget || family.Targets.Length > 0 || family.OutParameters.Length > 0))
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ReturnStencilWithTargets, location, method.Name));
        CheckCount(family.Holes.Length, "holes");
        CheckCount(family.Targets.Length, "targets");
        long slots = 1;
        for (int i = 0; i < family.InputCount + family.OutputCount && slots <= KnownNames.MaxVariantSlots; i++) slots *= Format.VariantIndex.Radix(i, registers, family.FloatMask, floatRegisters);
        if (slots > KnownNames.MaxVariantSlots)
        {
            long total = 1;
            for (int i = 0; i < family.InputCount + family.OutputCount; i++) total *= Format.VariantIndex.Radix(i, registers, family.FloatMask, floatRegisters);
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.TooManyVariants, location, method.Name, total, KnownNames.MaxVariantSlots));
        }

        if (diagnostics.Count > errorsBefore) return null;

        string? c = translator.TranslateStencil(method, family.CName, diagnostics);
        return c is null ? null : family with { CFunction = c };

        // The register a [Pinned(n)] among attributes asks for (-1 when none); reports PATCH0030 when it cannot be.
        int Pin(System.Collections.Immutable.ImmutableArray<AttributeData> attributes, string what, Location where, string? forbidden)
        {
            var pinned = attributes.FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == KnownNames.PinnedAttribute);
            if (pinned is null) return -1;
            var at = pinned.ApplicationSyntaxReference?.GetSyntax().GetLocation() ?? where;
            if (forbidden is not null)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidPin, at, what, method.Name, forbidden));
                return -1;
            }
            if (pinned.ConstructorArguments.Length != 1 || pinned.ConstructorArguments[0].Value is not int register) return -1;
            if (register < 0 || register >= registers)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidPin, at, what, method.Name,
                    $"register {register} is not one of the library's register locations 0 to {registers - 1}"));
                return -1;
            }
            return register;
        }

        void CheckCount(int count, string what)
        {
            if (count > KnownNames.MaxIndexedParameters)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.TooManyParameters, location, method.Name, count, what, KnownNames.MaxIndexedParameters));
        }
    }

    private static bool HasAttribute(ISymbol symbol, string metadataName) =>
        symbol.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == metadataName);

    /// <summary>"long Add(long a, [Hole] long c, out int rest)" — the signature shown in doc comments.</summary>
    public static string Signature(IMethodSymbol method)
    {
        var sb = new StringBuilder();
        sb.Append(method.ReturnType.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat)).Append(' ').Append(method.Name).Append('(');
        for (int i = 0; i < method.Parameters.Length; i++)
        {
            var p = method.Parameters[i];
            if (i > 0) sb.Append(", ");
            if (HasAttribute(p, KnownNames.HoleAttribute)) sb.Append("[Hole] ");
            var pinned = p.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == KnownNames.PinnedAttribute);
            if (pinned is { ConstructorArguments: [{ Value: int register }] }) sb.Append("[Pinned(").Append(register).Append(")] ");
            if (p.RefKind == RefKind.Out) sb.Append("out ");
            sb.Append(p.Type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat)).Append(' ').Append(p.Name);
        }
        return sb.Append(')').ToString();
    }
}
