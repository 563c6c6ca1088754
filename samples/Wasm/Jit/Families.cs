using Patchouly.Runtime.Tables;
using Patchouly.Runtime;
using Patchouly.Samples.Wasm.Runtime;

namespace Patchouly.Samples.Wasm.Jit;

/// <summary>The stencil families of <see cref="WasmStencils"/> by opcode, looked up once.</summary>
internal static class Families
{
    private static readonly string[] I32Cmp = ["Eq", "Ne", "LtS", "LtU", "GtS", "GtU", "LeS", "LeU", "GeS", "GeU"];
    private static readonly string[] IntBin = ["Add", "Sub", "Mul", "DivS", "DivU", "RemS", "RemU", "And", "Or", "Xor", "Shl", "ShrS", "ShrU", "Rotl", "Rotr"];
    private static readonly string[] FCmp = ["Eq", "Ne", "Lt", "Gt", "Le", "Ge"];
    private static readonly string[] FUn = ["Abs", "Neg", "Ceil", "Floor", "Trunc", "Nearest", "Sqrt"];
    private static readonly string[] FBin = ["Add", "Sub", "Mul", "Div", "Min", "Max", "Copysign"];
    private static readonly string[] Conv =
    [
        "I32WrapI64", "I32TruncF32S", "I32TruncF32U", "I32TruncF64S", "I32TruncF64U", "I64ExtendI32S", "I64ExtendI32U",
        "I64TruncF32S", "I64TruncF32U", "I64TruncF64S", "I64TruncF64U", "F32ConvertI32S", "F32ConvertI32U", "F32ConvertI64S",
        "F32ConvertI64U", "F32DemoteF64", "F64ConvertI32S", "F64ConvertI32U", "F64ConvertI64S", "F64ConvertI64U", "F64PromoteF32",
    ];
    private static readonly string[] Sat =
        ["I32TruncSatF32S", "I32TruncSatF32U", "I32TruncSatF64S", "I32TruncSatF64U", "I64TruncSatF32S", "I64TruncSatF32U", "I64TruncSatF64S", "I64TruncSatF64U"];

    public static readonly StencilLibrary Lib = WasmStencils.Library;

    /// <summary>Numeric opcodes 0x45..0xC4 (null for the no-ops: wrap and reinterpretations).</summary>
    public static readonly StencilFamily?[] Numeric = new StencilFamily?[256];

    /// <summary>The same operation with a constant right operand (a hole), where there is one.</summary>
    public static readonly StencilFamily?[] WithImm = new StencilFamily?[256];

    /// <summary>i32 and i64 comparisons and eqz fused with a branch: taken when true / when false.</summary>
    public static readonly StencilFamily?[] BranchIf = new StencilFamily?[256], BranchIfNot = new StencilFamily?[256];

    /// <summary>The same, comparing with a constant.</summary>
    public static readonly StencilFamily?[] BranchIfImm = new StencilFamily?[256], BranchIfNotImm = new StencilFamily?[256];

    /// <summary>The trap kinds of an opcode's targets, in order.</summary>
    public static readonly TrapKind[]?[] Traps = new TrapKind[]?[256];

    /// <summary>i32.mul / i64.mul by a constant 3, 5 or 9 (one lea), by the constant; null elsewhere.</summary>
    public static readonly StencilFamily?[] I32MulBy = new StencilFamily?[10], I64MulBy = new StencilFamily?[10];

    /// <summary>The saturating truncations (0xFC 0..7).</summary>
    public static readonly StencilFamily[] TruncSat = new StencilFamily[8];

    public static readonly StencilFamily Const = F("Const"), ConstF = F("ConstF"), SetF32 = F("SetF32"), SetF64 = F("SetF64"), Get = F("Get"), Set = F("Set"), SetConst = F("SetConst"),
        Select = F("Select"), SelectI64 = F("SelectI64"), SelectAndImm = F("SelectAndImm"), RefIsNull = F("RefIsNull"), BrIfNez = F("BrIfNez"), BrIfEqz = F("BrIfEqz"),
        MemorySize = F("MemorySize"), StackCheck = F("StackCheck"), Call = F("Call"), CallIndirect = F("CallIndirect"),
        HostOp = F("HostOp"), Trap = F("Trap"), Rethrow = F("Rethrow"), Return = F("Return"), BrIfEqImm = F("BrIfI32EqImm");

    /// <summary>Loads 0x28..0x35 and stores 0x36..0x3E.</summary>
    public static readonly StencilFamily[] Memory = new StencilFamily[256];

    /// <summary>The unchecked loads and stores of a guarded memory (see <see cref="Runtime.Memory.UseGuardPages"/>), by opcode.</summary>
    public static readonly StencilFamily[] GuardedMemory = new StencilFamily[256];

    /// <summary>True for an unchecked load or store of a guarded memory: it has no trap target, yet traps (by faulting).</summary>
    public static bool IsGuarded(StencilFamily family) => family.Name.EndsWith("Guarded", System.StringComparison.Ordinal);

    private static StencilFamily F(string name) => Lib.GetFamily(name);

    static Families()
    {
        foreach (int k in (System.ReadOnlySpan<int>)[3, 5, 9])
        {
            I32MulBy[k] = F("I32Mul" + k);
            I64MulBy[k] = F("I64Mul" + k);
        }
        Numeric[0x45] = F("I32Eqz");
        Numeric[0x50] = F("I64Eqz");
        for (int i = 0; i < 10; i++)
        {
            Numeric[0x46 + i] = F("I32" + I32Cmp[i]);
            Numeric[0x51 + i] = F("I64" + I32Cmp[i]);
            WithImm[0x46 + i] = F("I32" + I32Cmp[i] + "Imm");
            BranchIf[0x46 + i] = F("BrIfI32" + I32Cmp[i]);
            BranchIfImm[0x46 + i] = F("BrIfI32" + I32Cmp[i] + "Imm");
            int inv = i ^ 1; // Eq<->Ne, LtS<->LtU? no: pairs below
            inv = i switch { 0 => 1, 1 => 0, 2 => 8, 3 => 9, 4 => 6, 5 => 7, 6 => 4, 7 => 5, 8 => 2, _ => 3 };
            BranchIfNot[0x46 + i] = F("BrIfI32" + I32Cmp[inv]);
            BranchIfNotImm[0x46 + i] = F("BrIfI32" + I32Cmp[inv] + "Imm");
            BranchIf[0x51 + i] = F("BrIfI64" + I32Cmp[i]);
            BranchIfImm[0x51 + i] = F("BrIfI64" + I32Cmp[i] + "Imm");
            BranchIfNot[0x51 + i] = F("BrIfI64" + I32Cmp[inv]);
            BranchIfNotImm[0x51 + i] = F("BrIfI64" + I32Cmp[inv] + "Imm");
        }
        BranchIf[0x45] = F("BrIfEqz");
        BranchIfNot[0x45] = F("BrIfNez");
        BranchIf[0x50] = F("BrIfI64Eqz");
        BranchIfNot[0x50] = F("BrIfI64Nez");
        for (int i = 0; i < 6; i++)
        {
            Numeric[0x5B + i] = F("F32" + FCmp[i]);
            Numeric[0x61 + i] = F("F64" + FCmp[i]);
            if (i < 2) continue; // eq/ne: no compare-and-branch (see gen_stencils.py)
            BranchIf[0x5B + i] = F("BrIfF32" + FCmp[i]);
            BranchIf[0x61 + i] = F("BrIfF64" + FCmp[i]);
            // The negation of an ordered comparison is true on a NaN: a stencil of its own.
            BranchIfNot[0x5B + i] = F("BrIfNotF32" + FCmp[i]);
            BranchIfNot[0x61 + i] = F("BrIfNotF64" + FCmp[i]);
        }
        string[] iun = ["Clz", "Ctz", "Popcnt"];
        for (int i = 0; i < 3; i++)
        {
            Numeric[0x67 + i] = F("I32" + iun[i]);
            Numeric[0x79 + i] = F("I64" + iun[i]);
        }
        for (int i = 0; i < 15; i++)
        {
            string n = IntBin[i];
            string? imm = n is "Sub" ? "Add" : n is "Add" or "Mul" or "And" or "Or" or "Xor" or "Shl" or "ShrS" or "ShrU" ? n : null;
            Numeric[0x6A + i] = F("I32" + n);
            Numeric[0x7C + i] = F("I64" + n);
            if (imm is not null)
            {
                WithImm[0x6A + i] = F("I32" + imm + "Imm");
                WithImm[0x7C + i] = F("I64" + imm + "Imm");
            }
        }
        foreach (int b in new[] { 0x6A, 0x7C })
        {
            Traps[b + 3] = [TrapKind.DivideByZero, TrapKind.IntegerOverflow];
            Traps[b + 4] = Traps[b + 5] = Traps[b + 6] = [TrapKind.DivideByZero];
        }
        for (int i = 0; i < 7; i++)
        {
            Numeric[0x8B + i] = F("F32" + FUn[i]);
            Numeric[0x99 + i] = F("F64" + FUn[i]);
            Numeric[0x92 + i] = F("F32" + FBin[i]);
            Numeric[0xA0 + i] = F("F64" + FBin[i]);
        }
        for (int i = 1; i < Conv.Length; i++)
        {
            Numeric[0xA7 + i] = F(Conv[i]);
            if (Conv[i].Contains("Trunc")) Traps[0xA7 + i] = [TrapKind.InvalidConversion, TrapKind.IntegerOverflow];
        }
        Numeric[0xC0] = F("I32Extend8S");
        Numeric[0xC1] = F("I32Extend16S");
        Numeric[0xC2] = F("I64Extend8S");
        Numeric[0xC3] = F("I64Extend16S");
        Numeric[0xC4] = F("I64Extend32S");
        for (int i = 0; i < 8; i++) TruncSat[i] = F(Sat[i]);
        string[] loads = ["Load32", "Load64", "Load32", "Load64", "Load8S", "Load8U", "Load16S", "Load16U", "Load8S", "Load8U", "Load16S", "Load16U", "Load32", "Load32U"];
        for (int i = 0; i < loads.Length; i++) Memory[0x28 + i] = F(loads[i]);
        string[] stores = ["Store32", "Store64", "Store32", "Store64", "Store8", "Store16", "Store8", "Store16", "Store32"];
        for (int i = 0; i < stores.Length; i++) Memory[0x36 + i] = F(stores[i]);
        // f32/f64 loads and stores with the value in a float location (the library's float registers).
        Memory[0x2A] = F("F32Load");
        Memory[0x2B] = F("F64Load");
        Memory[0x38] = F("F32Store");
        Memory[0x39] = F("F64Store");
        for (int op = 0x28; op <= 0x3E; op++) GuardedMemory[op] = F(Memory[op].Name + "Guarded");
    }
}
