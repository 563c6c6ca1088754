using System;
using Patchouly.Runtime.Tables;

namespace Patchouly.Runtime.Managed;

/// <summary>
/// A stencil library's stencils as plain .NET code, for the managed engine. The Patchouly source generator derives one
/// per <c>[StencilLibrary]</c> class (you do not write one): it names the class whose static methods are the stencils,
/// describes every family (the same list, in the same order, as the compiled tables), and calls each stencil's C# method
/// on 64-bit words for the interpreter, without reflection.
/// </summary>
public abstract class ManagedStencils
{
    /// <summary>What <see cref="Invoke"/> returns when the stencil continues with the next one.</summary>
    public const int Next = -1;

    /// <summary>What <see cref="Invoke"/> returns when a returning stencil ended the function (its result is in the values).</summary>
    public const int Returned = -2;

    private readonly bool[] _returnsTarget;

    /// <summary>Describes a library (called by generated code).</summary>
    /// <param name="libraryType">The <c>[StencilLibrary]</c> class whose static methods are the stencils.</param>
    /// <param name="name">The library's full C# name.</param>
    /// <param name="registers">The number of register locations.</param>
    /// <param name="modelHash">The hash of the stencils the emit API was generated from.</param>
    /// <param name="families">Every family, built-ins included, in table order (their first variant is ignored).</param>
    /// <param name="returnsTarget">Per family, whether the stencil's C# method returns <see cref="Patchouly.Target"/>.</param>
    protected ManagedStencils(Type libraryType, string name, int registers, string modelHash, StencilFamily[] families, bool[] returnsTarget)
        : this(libraryType, name, registers, modelHash, families, returnsTarget, 0)
    {
    }

    /// <summary>Describes a library with <paramref name="floatRegisters"/> float register locations (called by generated code).</summary>
    protected ManagedStencils(Type libraryType, string name, int registers, string modelHash, StencilFamily[] families, bool[] returnsTarget, int floatRegisters)
        : this(libraryType, name, registers, modelHash, families, returnsTarget, floatRegisters, 0, 0)
    {
    }

    /// <summary>Describes a library with move registers (called by generated code).</summary>
    protected ManagedStencils(Type libraryType, string name, int registers, string modelHash, StencilFamily[] families, bool[] returnsTarget, int floatRegisters,
        int moveRegisters, int moveFloatRegisters)
    {
        FloatRegisters = floatRegisters;
        MoveRegisters = moveRegisters;
        MoveFloatRegisters = moveFloatRegisters;
        ArgumentNullException.ThrowIfNull(libraryType);
        ArgumentNullException.ThrowIfNull(families);
        ArgumentNullException.ThrowIfNull(returnsTarget);
        if (returnsTarget.Length != families.Length)
            throw new ArgumentException("One returnsTarget flag per family.", nameof(returnsTarget));
        LibraryType = libraryType;
        Name = name;
        Registers = registers;
        ModelHash = modelHash;
        Shapes = families;
        _returnsTarget = returnsTarget;
    }

    /// <summary>The class whose static methods are the stencils.</summary>
    public Type LibraryType { get; }

    /// <summary>The library's full C# name.</summary>
    public string Name { get; }

    /// <summary>The number of register locations.</summary>
    public int Registers { get; }

    /// <summary>The number of float register locations.</summary>
    public int FloatRegisters { get; }

    /// <summary>The register locations after <see cref="Registers"/> that only the built-in moves reach.</summary>
    public int MoveRegisters { get; }

    /// <summary>The float register locations after <see cref="FloatRegisters"/> that only the built-in moves reach.</summary>
    public int MoveFloatRegisters { get; }

    /// <summary>The hash of the stencils.</summary>
    public string ModelHash { get; }

    /// <summary>The families as described by the generator.</summary>
    internal StencilFamily[] Shapes { get; }

    private StencilMethod?[]? _methods;

    /// <summary>The C# method of every family (null for the built-ins), found on first use.</summary>
    internal StencilMethod?[] MethodsFor(StencilLibrary library) =>
        System.Threading.Volatile.Read(ref _methods) ?? (_methods = StencilMethod.Bind(library, this));

    /// <summary>Whether family <paramref name="family"/>'s method returns a <see cref="Patchouly.Target"/>.</summary>
    internal bool ReturnsTarget(int family) => _returnsTarget[family];

    /// <summary>
    /// Runs stencil <paramref name="family"/> (its index in the library's families) on words, as the native code would:
    /// <paramref name="values"/> holds the inputs, then room for the outputs (the return value first, then the
    /// <c>out</c> parameters; a returning stencil's result goes right after the inputs), each the canonical 64-bit word
    /// of its type (sign-extended for signed integers, zero-extended otherwise, floating-point values as their bits);
    /// <paramref name="holes"/> holds the hole values as words. Target parameter <c>t</c> is passed as
    /// <c>new Target(t)</c>.
    /// </summary>
    /// <returns><see cref="Next"/>, the index of the target the stencil chose, or <see cref="Returned"/>.</returns>
    public abstract int Invoke(int family, Span<ulong> values, ReadOnlySpan<ulong> holes);
}
