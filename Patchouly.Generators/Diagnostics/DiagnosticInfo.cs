using System;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using Patchouly.Generators.Model;

namespace Patchouly.Generators.Diagnostics;

/// <summary>An equatable description of a diagnostic (Roslyn's <see cref="Diagnostic"/> is not equatable and
/// <see cref="Location"/> can keep syntax trees alive).</summary>
internal sealed record DiagnosticInfo(
    string Id,
    string FilePath,
    TextSpan Span,
    LinePositionSpan LineSpan,
    EquatableArray<string> Arguments)
{
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, Location? location, params object?[] args)
    {
        location ??= Location.None;
        var lineSpan = location.GetLineSpan();
        return new DiagnosticInfo(
            descriptor.Id,
            location.SourceTree?.FilePath ?? lineSpan.Path ?? "",
            location.SourceSpan,
            lineSpan.Span,
            args.Select(a => a?.ToString() ?? "").ToEquatableArray());
    }

    public DiagnosticDescriptor Descriptor => DiagnosticDescriptors.ById(Id);

    /// <summary>Recreates a Roslyn diagnostic, attached to <paramref name="tree"/> when it is the file the span refers to.</summary>
    public Diagnostic ToDiagnostic(SyntaxTree? tree = null)
    {
        Location location = tree is not null && string.Equals(tree.FilePath, FilePath, StringComparison.Ordinal) && tree.Length >= Span.End
            ? Location.Create(tree, Span)
            : FilePath.Length == 0 ? Location.None : Location.Create(FilePath, Span, LineSpan);
        return Diagnostic.Create(Descriptor, location, Arguments.Cast<object>().ToArray());
    }

    /// <summary>The message with its arguments filled in.</summary>
    public string Message => string.Format(Descriptor.MessageFormat.ToString(), Arguments.Cast<object>().ToArray());

    /// <summary>"file(line,col): error PATCHnnnn: message", the way the compiler prints diagnostics.</summary>
    public override string ToString() =>
        $"{FilePath}({LineSpan.Start.Line + 1},{LineSpan.Start.Character + 1}): {Descriptor.DefaultSeverity.ToString().ToLowerInvariant()} {Id}: {Message}";
}
