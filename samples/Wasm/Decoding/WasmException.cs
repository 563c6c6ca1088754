using System;

namespace Patchouly.Samples.Wasm.Decoding;

/// <summary>Why a module was rejected.</summary>
public enum WasmErrorKind
{
    /// <summary>The binary does not follow the binary format (decoding failed).</summary>
    Malformed,

    /// <summary>The module decodes but does not validate.</summary>
    Invalid,

    /// <summary>Imports could not be resolved (unknown, or of the wrong type).</summary>
    Unlinkable,

    /// <summary>Instantiation failed (a segment out of bounds, or the start function trapped).</summary>
    Uninstantiable,

    /// <summary>A valid module beyond one of this implementation's limits (frame size, parameters, table size).</summary>
    ImplementationLimit,
}

/// <summary>A rejected module: <see cref="Kind"/>, the <see cref="Section"/> and the byte <see cref="Offset"/>.</summary>
public sealed class WasmException(WasmErrorKind kind, string section, long offset, string message)
    : Exception($"{kind.ToString().ToLowerInvariant()} module: {message} (section {section}, offset {offset})")
{
    /// <summary>Malformed, invalid, unlinkable or uninstantiable.</summary>
    public WasmErrorKind Kind { get; } = kind;

    /// <summary>The section (or "header", "code[i]") where the error was found.</summary>
    public string Section { get; } = section;

    /// <summary>Byte offset in the binary (-1 when not applicable).</summary>
    public long Offset { get; } = offset;

    /// <summary>The reason, in the spec tests' words where possible ("type mismatch", "unknown local", …).</summary>
    public string Reason { get; } = message;
}
