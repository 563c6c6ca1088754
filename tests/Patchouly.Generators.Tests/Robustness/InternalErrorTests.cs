using System;
using System.Linq;
using System.Reflection;
using System.Threading;
using Microsoft.CodeAnalysis;
using Patchouly.Generators.Parsing;

namespace Patchouly.Generators.Tests.Robustness;

/// <summary>The safety net: an exception inside the parser becomes one PATCH0099 error and no model, not a crash.</summary>
public class InternalErrorTests
{
    /// <summary>A symbol whose every member throws: stands for a bug anywhere in the parser.</summary>
    public class ThrowingProxy : DispatchProxy
    {
        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) =>
            throw new InvalidOperationException("simulated failure in " + targetMethod?.Name);
    }

    [Fact]
    public void An_exception_while_parsing_is_PATCH0099()
    {
        var symbol = DispatchProxy.Create<INamedTypeSymbol, ThrowingProxy>();
        var result = StencilLibraryParser.Parse(symbol, RobustnessHarness.Compile(), CancellationToken.None);
        Assert.Null(result.Library);
        var error = Assert.Single(result.Diagnostics);
        Assert.Equal("PATCH0099", error.Id);
        Assert.Contains("InvalidOperationException", error.Message);
        Assert.Contains("simulated failure", error.Message);
        Assert.Equal(DiagnosticSeverity.Error, error.Descriptor.DefaultSeverity);
    }

    [Fact]
    public void Cancellation_is_not_an_internal_error()
    {
        var compilation = RobustnessHarness.Compile(("S.cs", "using Patchouly; [StencilLibrary] public static partial class L { [Stencil] public static long A(long a) => a; }"));
        var type = compilation.GetTypeByMetadataName("L")!;
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => StencilLibraryParser.Parse(type, compilation, cancelled.Token));
    }
}
