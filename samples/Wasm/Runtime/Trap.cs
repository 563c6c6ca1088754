using System;

namespace Patchouly.Samples.Wasm.Runtime;

/// <summary>Why execution trapped (the code JIT code returns; 0 is no trap).</summary>
public enum TrapKind : long
{
    /// <summary>No trap.</summary>
    None = 0,
    /// <summary>The <c>unreachable</c> instruction.</summary>
    Unreachable = 1,
    /// <summary>Integer division or remainder by zero.</summary>
    DivideByZero = 2,
    /// <summary>Signed division overflow, or a float-to-int truncation out of range.</summary>
    IntegerOverflow = 3,
    /// <summary>A linear memory access (or bulk operation) out of bounds.</summary>
    MemoryOutOfBounds = 4,
    /// <summary>Truncation of a NaN to an integer.</summary>
    InvalidConversion = 5,
    /// <summary><c>call_indirect</c> to a function of another type.</summary>
    IndirectCallTypeMismatch = 6,
    /// <summary><c>call_indirect</c> past the end of the table.</summary>
    UndefinedElement = 7,
    /// <summary><c>call_indirect</c> of a null element.</summary>
    UninitializedElement = 8,
    /// <summary>The call stack is exhausted.</summary>
    CallStackExhausted = 9,
    /// <summary>A table access out of bounds.</summary>
    TableOutOfBounds = 10,
    /// <summary>A host function threw an exception.</summary>
    HostError = 11,
}

/// <summary>A trap reported to C#.</summary>
public sealed class TrapException(TrapKind kind, Exception? inner = null) : Exception(Describe(kind), inner)
{
    /// <summary>The trap's kind.</summary>
    public TrapKind Kind { get; } = kind;

    /// <summary>The spec tests' wording of a trap.</summary>
    public static string Describe(TrapKind kind) => kind switch
    {
        TrapKind.Unreachable => "unreachable",
        TrapKind.DivideByZero => "integer divide by zero",
        TrapKind.IntegerOverflow => "integer overflow",
        TrapKind.MemoryOutOfBounds => "out of bounds memory access",
        TrapKind.InvalidConversion => "invalid conversion to integer",
        TrapKind.IndirectCallTypeMismatch => "indirect call type mismatch",
        TrapKind.UndefinedElement => "undefined element",
        TrapKind.UninitializedElement => "uninitialized element",
        TrapKind.CallStackExhausted => "call stack exhausted",
        TrapKind.TableOutOfBounds => "out of bounds table access",
        TrapKind.HostError => "host function failed",
        _ => $"trap {(long)kind}",
    };
}
