using System;
using Patchouly.Runtime.Tests.Stencils;

namespace Patchouly.Runtime.Tests;

/// <summary>Shorthands for building and running functions of <see cref="TestStencils"/>.</summary>
internal static class Jit
{
    public static readonly Location R0 = Location.Register(0);
    public static readonly Location R1 = Location.Register(1);
    public static readonly Location R2 = Location.Register(2);
    public static Location S(int slot) => Location.Stack(slot);

    /// <summary>Every location kind: the three registers and two stack slots.</summary>
    public static readonly Location[] All = [R0, R1, R2, Location.Stack(0), Location.Stack(1)];

    public static FunctionBuilder Builder(int parameters = 0) => new(TestStencils.Library, parameters);

    public static CompiledFunction Compile(Action<TestEmitter> build, int parameters = 0)
    {
        var builder = Builder(parameters);
        build(new TestEmitter(builder));
        return builder.Compile();
    }

    /// <summary>The length of the narrow variant of <paramref name="family"/> for <paramref name="locations"/> (inputs, then outputs).</summary>
    public static int VariantLength(Tables.StencilFamily family, params Location[] locations)
    {
        int index = 0;
        foreach (var l in locations) index = index * (TestStencils.Registers + 1) + l.Code(TestStencils.Registers);
        return TestStencils.Library.Variants[family.FirstVariant + index].Length;
    }

    public static long Run(Action<TestEmitter> build)
    {
        using var f = Compile(build);
        return f.Invoke();
    }
}
