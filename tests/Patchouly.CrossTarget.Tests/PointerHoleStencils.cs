using Patchouly;

namespace Patchouly.CrossTarget.Tests;

/// <summary>
/// Stencils that dereference a data-pointer hole (the address of a cell, of a struct), built for every target by the
/// real Patchouly build: their narrow variants must address the hole's memory through its absolute value (see
/// <see cref="PointerHoleTests"/>).
/// </summary>
[StencilLibrary(Registers = 2)]
public static unsafe partial class PointerHoleStencils
{
    [Stencil] public static long Get([Hole] long* cell) => *cell;
    [Stencil] public static void Set(long value, [Hole] long* cell) => *cell = value;
    [Stencil] public static long GetAt(long index, [Hole] long* cells) => cells[index];
    /// <summary>A bounds check against a field and a load through another, as a memory access stencil does.</summary>
    [Stencil]
    public static Target LoadChecked(long index, [Hole] Span* span, Target outOfRange, out long value)
    {
        value = 0;
        if ((ulong)index >= span->Length) return outOfRange;
        value = span->Items[index];
        return Target.Next;
    }
    /// <summary><see cref="LoadChecked"/> with its exit marked cold: no output is stored on the way out, so the exit is a
    /// single conditional branch (<see cref="ColdTargetTests"/>).</summary>
    [Stencil]
    public static Target LoadCheckedCold(long index, [Hole] Span* span, [Target(Cold = true)] Target outOfRange, out long value)
    {
        value = 0;
        if ((ulong)index >= span->Length) return outOfRange;
        value = span->Items[index];
        return Target.Next;
    }
    [Stencil] public static long Const([Hole] long value) => value;
    [Stencil(ReturnsToCaller = true)] public static long Return(long value) => value;

    /// <summary>A pointer and a length, as the hole of <see cref="LoadChecked"/> points to.</summary>
    public struct Span
    {
        public long* Items;
        public ulong Length;
    }
}
