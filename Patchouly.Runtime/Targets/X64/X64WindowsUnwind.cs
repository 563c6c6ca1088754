using System;
using System.Buffers.Binary;
using System.Collections.Generic;

namespace Patchouly.Runtime.Targets.X64;

/// <summary>
/// Windows x64 unwind information (an <c>UNWIND_INFO</c> record) for a JIT function: its C-ABI entry shim and its body.
/// </summary>
/// <remarks>
/// <para>The entry shim is compiled by clang for the Win64 ABI: its prologue pushes the nonvolatile registers, allocates
/// a fixed frame, establishes <c>rbp</c> as the frame pointer (the spill frame is a dynamic allocation) and saves
/// <c>xmm6</c>–<c>xmm15</c>; then it calls the body. The record is read off that prologue, instruction by instruction,
/// and describes one range from the shim to the end of the body. Stencils are <c>preserve_none</c> functions, which
/// keep <c>rbp</c>, so at every instruction of the body (after a host call returns into a stencil that moved
/// <c>rsp</c> by its shadow space, too) the unwinder recovers the caller's frame from <c>rbp</c>, restores the saved
/// registers and returns to the shim's caller: the body's own return address into the shim is skipped, which a stack
/// walk shows as one frame for the JIT function.</para>
/// <para>A prologue this reader does not understand is an error (<see cref="FormatException"/>, turned into a
/// <see cref="Tables.StencilTablesException"/> by the caller), never a guess.</para>
/// </remarks>
internal static class X64WindowsUnwind
{
    private const byte UwopPushNonvol = 0, UwopAllocLarge = 1, UwopAllocSmall = 2, UwopSetFpreg = 3, UwopSaveNonvol = 4,
        UwopSaveNonvolFar = 5, UwopSaveXmm128 = 8, UwopSaveXmm128Far = 9;

    private const int Rsp = 4, Rbp = 5;

    /// <summary>The size of one <c>RUNTIME_FUNCTION</c> entry (begin, end and unwind-info offsets).</summary>
    public const int RuntimeFunctionSize = 12;

    /// <summary>
    /// The <c>UNWIND_INFO</c> record (version 1, no handler, frame register <c>rbp</c>) describing the prologue at the
    /// start of <paramref name="entry"/>; its length is a multiple of 4.
    /// </summary>
    /// <exception cref="FormatException">The prologue cannot be described (no <c>rbp</c> frame, an unknown instruction
    /// before it is complete, offsets out of range).</exception>
    public static byte[] Describe(ReadOnlySpan<byte> entry)
    {
        var saves = new List<(int End, bool Xmm, int Register, bool FromRbp, int Displacement, int Depth)>();
        var codes = new List<(int End, byte Op, int Info, int Operand)>(); // in prologue order
        int depth = 0, frameOffset = -1, setFpregDepth = -1, pc = 0;
        while (pc < entry.Length)
        {
            int start = pc;
            if (TryPush(entry, ref pc, out int pushed))
            {
                if (setFpregDepth >= 0) throw new FormatException($"a register is pushed after the frame pointer is set (at 0x{start:x})");
                depth += 8;
                // A push of a volatile register (push rax) only allocates 8 bytes.
                codes.Add(IsNonvolatile(pushed) ? (pc, UwopPushNonvol, pushed, 0) : (pc, UwopAllocSmall, 8, 0));
            }
            else if (TrySubRsp(entry, ref pc, out int size))
            {
                if (setFpregDepth >= 0) throw new FormatException($"the stack is allocated after the frame pointer is set (at 0x{start:x})");
                depth += size;
                codes.Add((pc, size <= 128 ? UwopAllocSmall : UwopAllocLarge, size, 0));
            }
            else if (TrySetFrame(entry, ref pc, out int offset))
            {
                if (setFpregDepth >= 0) throw new FormatException($"the frame pointer is set twice (at 0x{start:x})");
                if (offset % 16 != 0 || offset > 240) throw new FormatException($"the frame pointer offset {offset} is not a multiple of 16 up to 240 (at 0x{start:x})");
                frameOffset = offset;
                setFpregDepth = depth;
                codes.Add((pc, UwopSetFpreg, 0, 0));
            }
            else if (TrySave(entry, ref pc, out bool xmm, out int register, out bool fromRbp, out int displacement))
            {
                if (fromRbp && setFpregDepth < 0) throw new FormatException($"a register is saved relative to rbp before rbp is set (at 0x{start:x})");
                saves.Add((pc, xmm, register, fromRbp, displacement, depth));
                codes.Add((pc, xmm ? UwopSaveXmm128 : UwopSaveNonvol, register, saves.Count - 1));
            }
            else break;
        }
        if (setFpregDepth < 0)
            throw new FormatException($"the entry shim sets no rbp frame pointer in its prologue (stopped at 0x{pc:x}); the body cannot be unwound without one");
        if (pc > byte.MaxValue) throw new FormatException($"the prologue is {pc} bytes long, more than 255");

        // Unwind codes, last prologue instruction first. Save offsets are relative to the frame base: rsp after the
        // fixed allocation, which is rbp - frame offset.
        var slots = new List<ushort>();
        for (int i = codes.Count - 1; i >= 0; i--)
        {
            var (end, op, info, operand) = codes[i];
            switch (op)
            {
                case UwopPushNonvol:
                    slots.Add(Code(end, op, info));
                    break;
                case UwopAllocSmall:
                    slots.Add(Code(end, op, info / 8 - 1));
                    break;
                case UwopAllocLarge:
                    if (info % 8 == 0 && info / 8 <= ushort.MaxValue)
                    {
                        slots.Add(Code(end, op, 0));
                        slots.Add((ushort)(info / 8));
                    }
                    else
                    {
                        slots.Add(Code(end, op, 1));
                        slots.Add((ushort)info);
                        slots.Add((ushort)(info >> 16));
                    }
                    break;
                case UwopSetFpreg:
                    slots.Add(Code(end, op, 0));
                    break;
                default:
                    var save = saves[operand];
                    long offset = save.FromRbp ? frameOffset + (long)save.Displacement : save.Displacement - (depth - save.Depth);
                    int scale = save.Xmm ? 16 : 8;
                    if (offset < 0 || offset % scale != 0)
                        throw new FormatException($"register {save.Register} is saved at frame offset {offset}, which unwind codes cannot express");
                    if (offset / scale <= ushort.MaxValue)
                    {
                        slots.Add(Code(end, save.Xmm ? UwopSaveXmm128 : UwopSaveNonvol, save.Register));
                        slots.Add((ushort)(offset / scale));
                    }
                    else
                    {
                        slots.Add(Code(end, save.Xmm ? UwopSaveXmm128Far : UwopSaveNonvolFar, save.Register));
                        slots.Add((ushort)offset);
                        slots.Add((ushort)(offset >> 16));
                    }
                    break;
            }
        }
        if (slots.Count > byte.MaxValue) throw new FormatException($"the prologue needs {slots.Count} unwind codes, more than 255");
        int paddedSlots = (slots.Count + 1) & ~1;
        var record = new byte[4 + paddedSlots * 2];
        record[0] = 1; // version 1, no flags
        record[1] = (byte)pc;
        record[2] = (byte)slots.Count;
        record[3] = (byte)(Rbp | (frameOffset / 16) << 4);
        for (int i = 0; i < slots.Count; i++)
            BinaryPrimitives.WriteUInt16LittleEndian(record.AsSpan(4 + 2 * i), slots[i]);
        return record;
    }

    /// <summary>Writes one <c>RUNTIME_FUNCTION</c>: the range [<paramref name="begin"/>, <paramref name="end"/>) and its record, as offsets from the image base.</summary>
    public static void WriteRuntimeFunction(Span<byte> entry, int begin, int end, int unwindInfo)
    {
        BinaryPrimitives.WriteInt32LittleEndian(entry, begin);
        BinaryPrimitives.WriteInt32LittleEndian(entry[4..], end);
        BinaryPrimitives.WriteInt32LittleEndian(entry[8..], unwindInfo);
    }

    /// <summary>rbx, rbp, rsi, rdi, r12–r15: the general registers the Win64 ABI preserves.</summary>
    private static bool IsNonvolatile(int register) => register is 3 or 5 or 6 or 7 or >= 12;

    private static ushort Code(int end, byte op, int info) => (ushort)(end | op << 8 | info << 12);

    /// <summary><c>push r64</c>: <c>50+r</c>, or <c>41 50+r</c> for r8–r15.</summary>
    private static bool TryPush(ReadOnlySpan<byte> code, ref int pc, out int register)
    {
        int p = pc, rexB = 0;
        if (p < code.Length && code[p] is 0x40 or 0x41)
        {
            rexB = code[p] & 1;
            p++;
        }
        register = 0;
        if (p >= code.Length || code[p] is < 0x50 or > 0x57) return false;
        register = (code[p] - 0x50) | rexB << 3;
        if (register == Rsp) return false;
        pc = p + 1;
        return true;
    }

    /// <summary><c>sub rsp, imm8</c> (<c>48 83 EC ib</c>) or <c>sub rsp, imm32</c> (<c>48 81 EC id</c>), a positive multiple of 8.</summary>
    private static bool TrySubRsp(ReadOnlySpan<byte> code, ref int pc, out int size)
    {
        size = 0;
        var c = code[pc..];
        if (c.Length >= 4 && c[0] == 0x48 && c[1] == 0x83 && c[2] == 0xEC) { size = (sbyte)c[3]; pc += 4; }
        else if (c.Length >= 7 && c[0] == 0x48 && c[1] == 0x81 && c[2] == 0xEC) { size = BinaryPrimitives.ReadInt32LittleEndian(c[3..]); pc += 7; }
        else return false;
        if (size <= 0 || size % 8 != 0) throw new FormatException($"the prologue allocates {size} bytes, not a positive multiple of 8");
        return true;
    }

    /// <summary><c>lea rbp, [rsp+disp8/32]</c> (<c>48 8D 6C 24 ib</c>, <c>48 8D AC 24 id</c>) or <c>mov rbp, rsp</c>.</summary>
    private static bool TrySetFrame(ReadOnlySpan<byte> code, ref int pc, out int offset)
    {
        offset = 0;
        var c = code[pc..];
        if (c.Length >= 3 && c[0] == 0x48 && ((c[1] == 0x89 && c[2] == 0xE5) || (c[1] == 0x8B && c[2] == 0xEC))) { pc += 3; return true; }
        if (c.Length >= 5 && c[0] == 0x48 && c[1] == 0x8D && c[2] == 0x6C && c[3] == 0x24) { offset = (sbyte)c[4]; pc += 5; return true; }
        if (c.Length >= 8 && c[0] == 0x48 && c[1] == 0x8D && c[2] == 0xAC && c[3] == 0x24) { offset = BinaryPrimitives.ReadInt32LittleEndian(c[4..]); pc += 8; return true; }
        return false;
    }

    /// <summary>
    /// A store of a register to the frame: <c>movaps</c>/<c>movdqa [base+disp], xmmN</c> (<c>[44] 0F 29</c>,
    /// <c>66 [44] 0F 7F</c>) or <c>mov [base+disp], r64</c> (<c>48/4C 89</c>), base <c>rsp</c> or <c>rbp</c>.
    /// </summary>
    private static bool TrySave(ReadOnlySpan<byte> code, ref int pc, out bool xmm, out int register, out bool fromRbp, out int displacement)
    {
        xmm = false;
        register = 0;
        fromRbp = false;
        displacement = 0;
        var c = code[pc..];
        int p = 0;
        bool operandSize = false;
        if (p < c.Length && c[p] == 0x66) { operandSize = true; p++; }
        int rex = 0;
        if (p < c.Length && (c[p] & 0xF0) == 0x40) rex = c[p++];
        if (rex != 0 && (rex & 0x03) != 0) return false; // an index or base register above 7
        if (p + 1 < c.Length && c[p] == 0x0F && ((!operandSize && c[p + 1] == 0x29) || (operandSize && c[p + 1] == 0x7F)) && (rex & 0x08) == 0)
        {
            xmm = true;
            p += 2;
        }
        else if (!operandSize && p < c.Length && c[p] == 0x89 && (rex & 0x08) != 0) p += 1;
        else return false;
        if (p >= c.Length) return false;
        int modrm = c[p++], mod = modrm >> 6, rm = modrm & 7;
        register = (modrm >> 3 & 7) | ((rex & 0x04) != 0 ? 8 : 0);
        if (mod is 0 or 3) return false;
        if (xmm ? register < 6 : !IsNonvolatile(register)) return false; // a store of a volatile register ends the prologue
        if (rm == Rsp)
        {
            if (p >= c.Length || c[p++] != 0x24) return false; // SIB: base rsp, no index
        }
        else if (rm != Rbp) return false;
        fromRbp = rm == Rbp;
        if (mod == 1)
        {
            if (p >= c.Length) return false;
            displacement = (sbyte)c[p++];
        }
        else
        {
            if (p + 4 > c.Length) return false;
            displacement = BinaryPrimitives.ReadInt32LittleEndian(c[p..]);
            p += 4;
        }
        pc += p;
        return true;
    }
}
