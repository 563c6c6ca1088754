using System.Collections.Generic;
using System.Text;
using Patchouly.Generators.Translation;

namespace Patchouly.Build.Tasks.Targets.LinuxX64;

/// <summary>
/// The x86-64 prelude's hole operations (<see cref="HoleOperation"/>): each is one instruction whose immediate field
/// is the hole's relocation, written in inline assembly so that clang cannot assume anything about the value (a
/// constant it could see through would let it fold checks that hold only for that constant).
/// </summary>
/// <remarks>
/// <para>Which field each instruction has decides which values its narrow variant takes; the runtime checks every hole
/// value against its fields and takes the wide variant (plain C, a 64-bit constant) for a value that does not fit:</para>
/// <list type="bullet">
/// <item>32-bit operations: an imm32 that is the whole operand (ELF <c>R_X86_64_32</c>, COFF <c>ADDR32</c>, both
/// <c>Abs32</c>): every value of the 32-bit hole fits.</item>
/// <item>64-bit operations: an imm32 the instruction sign-extends (<c>R_X86_64_32S</c>, <c>Abs32S</c>): values in
/// [-2^31, 2^31). COFF has no sign-extended relocation (its ADDR32 would be checked as zero-extended, which is wrong
/// for this field), so Windows leaves the 64-bit operations to clang.</item>
/// <item>Shifts: an imm8 count (<c>R_X86_64_8</c>, <c>Abs8</c>): counts 0–255, which the processor masks to 5 or 6 bits
/// exactly as C# does. COFF has no 8-bit relocation, so Windows leaves shifts to clang.</item>
/// </list>
/// <para>Operands are <c>"r"</c>, never <c>"rm"</c>: given the choice, clang spills a register operand to the red zone
/// to use the memory form.</para>
/// <para>A 64-bit addition is left to clang too: it already makes it one <c>lea r, [r + hole]</c> (R_X86_64_32S), which
/// also spares the copy a two-operand <c>add</c> may need.</para>
/// </remarks>
internal static class X64HoleOperations
{
    /// <summary>The macros, one line each.</summary>
    /// <param name="wideOperations">Define 64-bit operations (the object format has a sign-extended 32-bit relocation).</param>
    /// <param name="shifts">Define shifts (the object format has an 8-bit relocation).</param>
    public static string Prelude(bool wideOperations, bool shifts)
    {
        var sb = new StringBuilder();
        sb.Append("/* Operations on a narrow hole: one instruction whose immediate field is the hole (imm32; imm8 for a shift count). */\n");
        foreach (int bits in HoleOperations.Widths)
        {
            if (bits == 64 && !wideOperations) continue;
            foreach (var op in HoleOperations.All)
            {
                if (HoleOperations.IsShift(op) && !shifts) continue;
                if (op == HoleOperation.Add && bits == 64) continue;
                sb.Append("#define ").Append(HoleOperations.Macro(op, bits)).Append("(sym, a, c) ").Append(Body(op, bits)).Append('\n');
            }
        }
        return sb.ToString();
    }

    private static string Body(HoleOperation op, int bits)
    {
        string word = bits == 32 ? "uint32_t" : "uint64_t", suffix = bits == 32 ? "l" : "q";
        if (HoleOperations.IsComparison(op))
            return $"({{ _Bool patchouly_f; __asm__(\"cmp{suffix} $\" #sym \", %1\" : \"=@cc{s_conditions[op]}\"(patchouly_f) : \"r\"(({word})(a))); patchouly_f; }})";
        // A 32-bit operation's result is a 64-bit register whose upper half the instruction zeroed: said to clang, so
        // that it does not zero-extend the result again.
        string result = bits == 32 ? "__builtin_assume(patchouly_r <= 0xFFFFFFFFu); " : "";
        string instruction = op == HoleOperation.Mul
            ? $"\"imul{suffix} $\" #sym \", %{(bits == 32 ? "k" : "q")}1, %{(bits == 32 ? "k" : "q")}0\" : \"=r\"(patchouly_r) : \"r\"(({word})(a))"
            : $"\"{s_mnemonics[op]}{suffix} $\" #sym \", %{(bits == 32 ? "k" : "q")}0\" : \"=r\"(patchouly_r) : \"0\"(({word})(a))";
        return $"({{ uint64_t patchouly_r; __asm__({instruction} : \"cc\"); {result}(__typeof__(c))patchouly_r; }})";
    }

    private static readonly Dictionary<HoleOperation, string> s_mnemonics = new()
    {
        [HoleOperation.Add] = "add", [HoleOperation.Sub] = "sub", [HoleOperation.And] = "and", [HoleOperation.Or] = "or",
        [HoleOperation.Xor] = "xor", [HoleOperation.Shl] = "shl", [HoleOperation.Sar] = "sar", [HoleOperation.Shr] = "shr",
    };

    /// <summary>The condition of <c>cmp $k, a</c> (the flags of a − k) under which the relation a op k holds.</summary>
    private static readonly Dictionary<HoleOperation, string> s_conditions = new()
    {
        [HoleOperation.Eq] = "e", [HoleOperation.Ne] = "ne", [HoleOperation.Lt] = "l", [HoleOperation.Le] = "le",
        [HoleOperation.Gt] = "g", [HoleOperation.Ge] = "ge", [HoleOperation.LtU] = "b", [HoleOperation.LeU] = "be",
        [HoleOperation.GtU] = "a", [HoleOperation.GeU] = "ae",
    };
}
