using System;
using System.Buffers.Binary;

namespace Patchouly.Build.Tasks.Targets.OsxArm64;

/// <summary>The arm64 Mach-O relocation types (<c>ARM64_RELOC_*</c>, from Apple's <c>mach-o/arm64/reloc.h</c>).</summary>
public static class Arm64MachORelocations
{
    /// <summary><c>ARM64_RELOC_UNSIGNED</c>: a 32- or 64-bit address (S + A, A stored in the field).</summary>
    public const uint Unsigned = 0;
    /// <summary><c>ARM64_RELOC_SUBTRACTOR</c>: the minuend of a difference; an UNSIGNED entry follows.</summary>
    public const uint Subtractor = 1;
    /// <summary><c>ARM64_RELOC_BRANCH26</c>: <c>b</c>/<c>bl</c> imm26.</summary>
    public const uint Branch26 = 2;
    /// <summary><c>ARM64_RELOC_PAGE21</c>: <c>adrp</c> of a symbol's page.</summary>
    public const uint Page21 = 3;
    /// <summary><c>ARM64_RELOC_PAGEOFF12</c>: the low 12 bits in an <c>add</c> or a load/store offset.</summary>
    public const uint PageOff12 = 4;
    /// <summary><c>ARM64_RELOC_GOT_LOAD_PAGE21</c>: <c>adrp</c> of the page of the symbol's GOT entry.</summary>
    public const uint GotLoadPage21 = 5;
    /// <summary><c>ARM64_RELOC_GOT_LOAD_PAGEOFF12</c>: the <c>ldr</c> of the symbol's GOT entry.</summary>
    public const uint GotLoadPageOff12 = 6;
    /// <summary><c>ARM64_RELOC_POINTER_TO_GOT</c>.</summary>
    public const uint PointerToGot = 7;
    /// <summary><c>ARM64_RELOC_TLVP_LOAD_PAGE21</c>.</summary>
    public const uint TlvpLoadPage21 = 8;
    /// <summary><c>ARM64_RELOC_TLVP_LOAD_PAGEOFF12</c>.</summary>
    public const uint TlvpLoadPageOff12 = 9;
    /// <summary><c>ARM64_RELOC_ADDEND</c>: r_symbolnum is the addend of the PAGE21/PAGEOFF12/BRANCH26 entry that follows.</summary>
    public const uint Addend = 10;
    /// <summary><c>ARM64_RELOC_AUTHENTICATED_POINTER</c> (arm64e).</summary>
    public const uint AuthenticatedPointer = 11;

    private static readonly string[] s_names =
        ["UNSIGNED", "SUBTRACTOR", "BRANCH26", "PAGE21", "PAGEOFF12", "GOT_LOAD_PAGE21", "GOT_LOAD_PAGEOFF12", "POINTER_TO_GOT",
         "TLVP_LOAD_PAGE21", "TLVP_LOAD_PAGEOFF12", "ADDEND", "AUTHENTICATED_POINTER"];

    /// <summary>Whether the type is one the header defines.</summary>
    public static bool IsKnown(uint type) => type < (uint)s_names.Length;

    /// <summary>The canonical name, for example <c>ARM64_RELOC_BRANCH26</c>; unknown types give <c>ARM64_RELOC_unknown(12)</c>.</summary>
    public static string Name(uint type) => IsKnown(type) ? "ARM64_RELOC_" + s_names[type] : $"ARM64_RELOC_unknown({type})";

    /// <summary>Whether an entry of <paramref name="type"/> may have <c>r_length</c> <paramref name="length"/> (2: 4 bytes, 3: 8 bytes).</summary>
    public static bool LengthAllowed(uint type, int length) => type switch
    {
        Unsigned or Subtractor or PointerToGot => length is 2 or 3,
        AuthenticatedPointer => length == 3,
        _ => IsKnown(type) && length == 2,
    };

    /// <summary>Whether the field is an instruction word (as opposed to data).</summary>
    public static bool IsInstruction(uint type) => type is Branch26 or Page21 or PageOff12 or GotLoadPage21 or GotLoadPageOff12 or TlvpLoadPage21 or TlvpLoadPageOff12;

    /// <summary>
    /// The addend an entry keeps in its field: BRANCH26's imm26 (in bytes), UNSIGNED's contents; 0 for the others
    /// (their addend comes from a preceding ADDEND entry).
    /// </summary>
    public static long ReadImplicitAddend(ReadOnlySpan<byte> field, uint type, int width) => type switch
    {
        Branch26 => (long)((int)(BinaryPrimitives.ReadUInt32LittleEndian(field) << 6) >> 6) * 4,
        Unsigned => width == 8 ? BinaryPrimitives.ReadInt64LittleEndian(field) : BinaryPrimitives.ReadInt32LittleEndian(field),
        _ => 0,
    };

    /// <summary>Clears the relocated bits of the field (an instruction's immediate, or UNSIGNED's whole field).</summary>
    public static void ClearField(Span<byte> field, uint type, int width)
    {
        uint mask = type switch
        {
            Branch26 => 0x03FFFFFFu,
            Page21 or GotLoadPage21 or TlvpLoadPage21 => 0x60FFFFE0u,         // adrp: immlo (29–30), immhi (5–23)
            PageOff12 or GotLoadPageOff12 or TlvpLoadPageOff12 => 0x003FFC00u, // add/ldr/str: imm12 (10–21)
            _ => 0,
        };
        if (mask != 0)
            BinaryPrimitives.WriteUInt32LittleEndian(field, BinaryPrimitives.ReadUInt32LittleEndian(field) & ~mask);
        else if (type == Unsigned)
            field.Slice(0, width).Clear();
    }
}
