using System.Linq;
using Patchouly.Generators.Format;

namespace Patchouly.Generators.Model;

/// <summary>One stencil (or built-in) with its translated C body.</summary>
/// <param name="Name">The C# method name (or <c>__entry</c>, <c>__move</c>, <c>__jump</c>).</param>
/// <param name="Index">Position in <see cref="LibraryModel.Families"/>; also the index into the runtime table.</param>
/// <param name="Kind">Normal, Return or a built-in.</param>
/// <param name="Parameters">The C# parameters in declaration order, with their roles.</param>
/// <param name="ReturnType">The C# return type (for Normal and Return stencils), null for void.</param>
/// <param name="ReturnsTarget">True when the stencil returns <c>Patchouly.Target</c>.</param>
/// <param name="Signature">The C# signature as written, for doc comments and messages.</param>
/// <param name="CName">The C name prefix of everything belonging to this family.</param>
/// <param name="CFunction">The translated body as a C <c>static inline</c> function named <c>CName</c>, or "" for built-ins.</param>
/// <param name="ReturnPin">The register the return value is pinned to (<c>[return: Pinned(n)]</c>), or -1.</param>
/// <param name="FloatMask">The float-class values (bit v: value v, inputs first), in a library with float registers; else 0.</param>
internal sealed record FamilyModel(
    string Name,
    int Index,
    StencilFamilyKind Kind,
    EquatableArray<ParameterModel> Parameters,
    WordType? ReturnType,
    bool ReturnsTarget,
    string Signature,
    string CName,
    string CFunction,
    int ReturnPin = -1,
    uint FloatMask = 0)
{
    /// <summary>The inputs: ordinary parameters in order.</summary>
    public ParameterModel[] Inputs => Parameters.Where(p => p.Role == ParameterRole.Input).ToArray();

    /// <summary>The holes in order.</summary>
    public ParameterModel[] Holes => Parameters.Where(p => p.Role == ParameterRole.Hole).ToArray();

    /// <summary>The target parameters in order.</summary>
    public ParameterModel[] Targets => Parameters.Where(p => p.Role == ParameterRole.Target).ToArray();

    /// <summary>The out parameters in order (after the return value in the output list).</summary>
    public ParameterModel[] OutParameters => Parameters.Where(p => p.Role == ParameterRole.Output).ToArray();

    /// <summary>True when the return value is an output (a value-returning Normal stencil).</summary>
    public bool ReturnIsOutput => Kind == StencilFamilyKind.Normal && ReturnType is not null && !ReturnsTarget;

    /// <summary>Number of input locations.</summary>
    public int InputCount => Kind == StencilFamilyKind.Move ? 1 : Inputs.Length;

    /// <summary>Number of output locations: the return value (if an output) then the out parameters.</summary>
    public int OutputCount => Kind == StencilFamilyKind.Move ? 1 : (ReturnIsOutput ? 1 : 0) + OutParameters.Length;

    /// <summary>Number of explicit targets (the entry and jump built-ins have one).</summary>
    public int TargetCount => Kind is StencilFamilyKind.Entry or StencilFamilyKind.Jump ? 1 : Targets.Length;

    /// <summary>Width in bits of each hole.</summary>
    public int[] HoleBits => Holes.Select(h => h.Type.Bits).ToArray();

    /// <summary>The pinned register of each value (inputs, then outputs), -1 where the value may live anywhere; null when nothing is pinned.</summary>
    public int[]? Pins
    {
        get
        {
            if (Kind == StencilFamilyKind.Move || (ReturnPin < 0 && Parameters.All(p => p.Pin < 0))) return null;
            var pins = Inputs.Select(p => p.Pin).ToList();
            if (ReturnIsOutput) pins.Add(ReturnPin);
            pins.AddRange(OutParameters.Select(p => p.Pin));
            return pins.ToArray();
        }
    }

    /// <summary>Wide variants exist when a hole is 32 bits or wider (narrower holes always fit an imm32).</summary>
    public bool HasWide => Holes.Any(h => h.Type.Bits >= 32);
}

/// <summary>The role of a stencil parameter.</summary>
internal enum ParameterRole
{
    Input,
    Hole,
    Target,
    Output,
}

/// <summary>A stencil parameter.</summary>
/// <param name="Name">The C# name.</param>
/// <param name="Role">Input, hole, target or out parameter.</param>
/// <param name="Type">The value type (for targets, the Target type).</param>
/// <param name="Pin">The register the value is pinned to (<c>[Pinned(n)]</c>), or -1.</param>
/// <param name="Cold">For a target: <c>[Target(Cold = true)]</c>, rarely taken, and the outputs are not stored on the way.</param>
internal sealed record ParameterModel(string Name, ParameterRole Role, WordType Type, int Pin = -1, bool Cold = false);

/// <summary>What kind of value a type is, as far as moving it in a 64-bit register goes.</summary>
internal enum WordClass
{
    /// <summary>Signed integer (sign-extended to 64 bits in a register).</summary>
    Signed,
    /// <summary>Unsigned integer, char or bool (zero-extended).</summary>
    Unsigned,
    /// <summary>Data or function pointer (as <c>uintptr_t</c>).</summary>
    Pointer,
    /// <summary>Patchouly.Target.</summary>
    Target,
    /// <summary><c>float</c> or <c>double</c>, carried as its raw bits in an integer register (zero-extended).</summary>
    Float,
}

/// <summary>A C# type carried in one 64-bit machine word, as the stencil machinery sees it.</summary>
/// <param name="CSharp">The fully qualified C# spelling (for generated code).</param>
/// <param name="C">The C spelling.</param>
/// <param name="Bits">Width in bits (1 for bool).</param>
/// <param name="Class">How the value sits in a register.</param>
/// <param name="Underlying">For enums, the fully qualified underlying integer type; otherwise null.</param>
internal sealed record WordType(string CSharp, string C, int Bits, WordClass Class, string? Underlying = null)
{
    /// <summary>C expression converting a 64-bit register word to this type.</summary>
    public string FromWord(string word) => Class switch
    {
        WordClass.Pointer => $"(({C})(uintptr_t)({word}))",
        WordClass.Float => $"__builtin_bit_cast({C}, ({(Bits == 32 ? "uint32_t" : "uint64_t")})({word}))",
        _ => $"(({C})({word}))",
    };

    /// <summary>C expression converting a value of this type to the canonical 64-bit register word
    /// (sign-extended for signed integers, zero-extended otherwise).</summary>
    public string ToWord(string value) => Class switch
    {
        WordClass.Signed => $"((uint64_t)(int64_t)({value}))",
        WordClass.Pointer => $"((uint64_t)(uintptr_t)({value}))",
        WordClass.Float => $"((uint64_t)__builtin_bit_cast({(Bits == 32 ? "uint32_t" : "uint64_t")}, ({C})({value})))",
        _ => $"((uint64_t)({value}))",
    };
}
