// Part of the stencil table format, defined once (see PatchKind.cs).
#if PATCHOULY_GENERATORS
namespace Patchouly.Generators.Format;
#else
namespace Patchouly.Runtime.Tables;
#endif

/// <summary>What kind of code a stencil family is.</summary>
public enum StencilFamilyKind : byte
{
    /// <summary>An ordinary stencil: continues with the next stencil or jumps to one of its targets.</summary>
    Normal = 0,
    /// <summary>Returns from the JIT-compiled function to its caller.</summary>
    Return = 1,
    /// <summary>The built-in entry shim (C calling convention) that calls into the stencil chain.</summary>
    Entry = 2,
    /// <summary>The built-in move of one value between locations.</summary>
    Move = 3,
    /// <summary>The built-in unconditional jump to a target.</summary>
    Jump = 4,
}
