using System;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Patchouly.Samples.Bf.Ir;

/// <summary>The operations of the shared brainf*ck IR. Offsets are relative to the data pointer <c>p</c>.</summary>
public enum OpKind : byte
{
    /// <summary>Does nothing (never in a finished program).</summary>
    Nop,
    /// <summary><c>t[p+Offset] += Imm</c> (8-bit wrapping).</summary>
    Add,
    /// <summary><c>t[p+Offset] = Imm</c>.</summary>
    Set,
    /// <summary><c>t[p+Offset] += t[p+Arg] * Imm</c> (a multiply/add-to loop; the source cell is cleared by a later <see cref="Set"/>).</summary>
    MulAdd,
    /// <summary><c>t[p+Offset] = t[p+Arg] * Imm</c> (a multiply loop into a cell that was just cleared).</summary>
    MulSet,
    /// <summary><c>p += Arg</c>.</summary>
    Move,
    /// <summary>
    /// Bounds check: cells <c>p+Offset</c> .. <c>p+Arg</c> must be inside the tape, or the program stops with a tape
    /// overrun. <c>Imm</c> says which ends need testing (<see cref="Op.CheckLow"/>, <see cref="Op.CheckHigh"/>): the
    /// other end is known to be on the tape already.
    /// </summary>
    Check,
    /// <summary>Conditional bounds check of a multiply loop: as <see cref="Check"/>, but only when <c>t[p+Arg2] != 0</c>.</summary>
    CheckNonZero,
    /// <summary>Writes <c>t[p+Offset]</c>.</summary>
    Output,
    /// <summary>Reads a byte into <c>t[p+Offset]</c> (unchanged at end of input).</summary>
    Input,
    /// <summary><c>t[p] += Imm</c>; if <c>t[p] == 0</c> jump to op <c>Arg</c> (just after the loop).</summary>
    LoopBegin,
    /// <summary><c>t[p] += Imm</c>; if <c>t[p] != 0</c> jump to op <c>Arg</c> (the first op of the loop body).</summary>
    LoopEnd,
    /// <summary><c>while (t[p] != 0) p += Arg;</c> Relies on the zero guard cells around the tape; always followed by a <see cref="Check"/>.</summary>
    Scan,
    /// <summary>The program ends successfully.</summary>
    End,
}

/// <summary>One IR operation: 16 bytes, so the interpreter walks a compact array of structs.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct Op : IEquatable<Op>
{
    /// <summary>What the operation does.</summary>
    public OpKind Kind;

    /// <summary>The 8-bit constant (<see cref="OpKind.Add"/>, <see cref="OpKind.Set"/>, the factor of <see cref="OpKind.MulAdd"/>).</summary>
    public byte Imm;

    /// <summary>The cell offset (destination), or the low end of a check.</summary>
    public int Offset;

    /// <summary>Move/scan distance, source offset, high end of a check, or jump target.</summary>
    public int Arg;

    /// <summary>
    /// The source cell of <see cref="OpKind.CheckNonZero"/>; for <see cref="OpKind.Check"/>, added to the pointer an
    /// overrun reports (a check moved past the pointer's move by <see cref="BackEdgeCheckDeferral"/> reports where the
    /// pointer was; 0 otherwise).
    /// </summary>
    public int Arg2;

    /// <summary>Creates an op.</summary>
    public Op(OpKind kind, int offset = 0, int arg = 0, byte imm = 0, int arg2 = 0)
    {
        Kind = kind;
        Imm = imm;
        Offset = offset;
        Arg = arg;
        Arg2 = arg2;
    }

    /// <summary><c>t[p+offset] += n</c>.</summary>
    public static Op Add(int offset, byte n) => new(OpKind.Add, offset, imm: n);

    /// <summary><c>t[p+offset] = n</c>.</summary>
    public static Op Set(int offset, byte n) => new(OpKind.Set, offset, imm: n);

    /// <summary><c>t[p+dst] += t[p+src] * factor</c>.</summary>
    public static Op MulAdd(int dst, int src, byte factor) => new(OpKind.MulAdd, dst, src, factor);

    /// <summary><c>t[p+dst] = t[p+src] * factor</c>.</summary>
    public static Op MulSet(int dst, int src, byte factor) => new(OpKind.MulSet, dst, src, factor);

    /// <summary><c>p += n</c>.</summary>
    public static Op Move(int n) => new(OpKind.Move, arg: n);

    /// <summary>Flag of a check: test that <c>p+lo</c> is not before the first cell.</summary>
    public const byte CheckLow = 1;

    /// <summary>Flag of a check: test that <c>p+hi</c> is not after the last cell.</summary>
    public const byte CheckHigh = 2;

    /// <summary>Cells p+lo .. p+hi must be on the tape (testing the ends in <paramref name="sides"/>).</summary>
    public static Op Check(int lo, int hi, byte sides = CheckLow | CheckHigh) => new(OpKind.Check, lo, hi, sides);

    /// <summary>Cells p+lo .. p+hi must be on the tape if <c>t[p+src] != 0</c>.</summary>
    public static Op CheckNonZero(int lo, int hi, int src, byte sides = CheckLow | CheckHigh) => new(OpKind.CheckNonZero, lo, hi, sides, src);

    /// <summary>Writes <c>t[p+offset]</c>.</summary>
    public static Op Output(int offset) => new(OpKind.Output, offset);

    /// <summary>Reads into <c>t[p+offset]</c>.</summary>
    public static Op Input(int offset) => new(OpKind.Input, offset);

    /// <summary><c>while (t[p]) p += step</c>.</summary>
    public static Op Scan(int step) => new(OpKind.Scan, arg: step);

    /// <inheritdoc />
    public readonly bool Equals(Op other) =>
        Kind == other.Kind && Imm == other.Imm && Offset == other.Offset && Arg == other.Arg && Arg2 == other.Arg2;

    /// <inheritdoc />
    public override readonly bool Equals(object? obj) => obj is Op other && Equals(other);

    /// <inheritdoc />
    public override readonly int GetHashCode() => HashCode.Combine(Kind, Imm, Offset, Arg, Arg2);

    /// <summary>Compares two ops.</summary>
    public static bool operator ==(Op left, Op right) => left.Equals(right);

    /// <summary>Compares two ops.</summary>
    public static bool operator !=(Op left, Op right) => !left.Equals(right);

    /// <summary>A readable form, e.g. <c>add [+2] 3</c>, <c>muladd [-1] += [0]*255</c>, <c>loop_end -> 7</c>.</summary>
    public override readonly string ToString()
    {
        var c = CultureInfo.InvariantCulture;
        string O(int o) => string.Create(c, $"[{o:+0;-0;0}]");
        return Kind switch
        {
            OpKind.Add => $"add {O(Offset)} {Imm.ToString(c)}",
            OpKind.Set => $"set {O(Offset)} {Imm.ToString(c)}",
            OpKind.MulAdd => $"muladd {O(Offset)} += {O(Arg)}*{Imm.ToString(c)}",
            OpKind.MulSet => $"mulset {O(Offset)} = {O(Arg)}*{Imm.ToString(c)}",
            OpKind.Move => string.Create(c, $"move {Arg:+0;-0;0}"),
            OpKind.Check => $"check{Sides()} {O(Offset)}..{O(Arg)}" + (Arg2 != 0 ? $" at {O(Arg2)}" : ""),
            OpKind.CheckNonZero => $"check_nz{Sides()} {O(Offset)}..{O(Arg)} if {O(Arg2)}",
            OpKind.Output => $"out {O(Offset)}",
            OpKind.Input => $"in {O(Offset)}",
            OpKind.LoopBegin => string.Create(c, $"loop_begin{PreAdd()} -> {Arg}"),
            OpKind.LoopEnd => string.Create(c, $"loop_end{PreAdd()} -> {Arg}"),
            OpKind.Scan => string.Create(c, $"scan {Arg:+0;-0;0}"),
            OpKind.End => "end",
            _ => "nop",
        };
    }

    private readonly string PreAdd() => Imm == 0 ? "" : " (add [0] " + Imm.ToString(CultureInfo.InvariantCulture) + ")";

    private readonly string Sides() => Imm switch
    {
        CheckLow => "_lo",
        CheckHigh => "_hi",
        _ => "",
    };
}
