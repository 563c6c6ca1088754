using System;
using System.Reflection;
using System.Reflection.Emit;

namespace Patchouly.Runtime.Managed;

/// <summary>How a stencil value's C# type sits in a 64-bit word, and the IL that converts between them.</summary>
/// <remarks>
/// The conventions are the native code's (docs/authoring.md, "Types"): a value is read from a word by truncating it
/// (<c>bool</c>: word ≠ 0; <c>float</c>: the low 32 bits; <c>double</c>: all 64 bits), and written as its canonical
/// word: sign-extended for signed integers, zero-extended for unsigned ones, <c>char</c>, <c>bool</c> and pointers, the
/// IEEE bits (zero-extended) for floating-point values.
/// </remarks>
internal enum WordKind : byte
{
    Void, I1, U1, I2, U2, I4, U4, I8, U8, I, U, Bool, Pointer, F32, F64, Target,
}

internal static class Words
{
    private static readonly MethodInfo s_uint32BitsToSingle = typeof(BitConverter).GetMethod(nameof(BitConverter.UInt32BitsToSingle), [typeof(uint)])!;
    private static readonly MethodInfo s_singleToUInt32Bits = typeof(BitConverter).GetMethod(nameof(BitConverter.SingleToUInt32Bits), [typeof(float)])!;
    private static readonly MethodInfo s_int64BitsToDouble = typeof(BitConverter).GetMethod(nameof(BitConverter.Int64BitsToDouble), [typeof(long)])!;
    private static readonly MethodInfo s_doubleToInt64Bits = typeof(BitConverter).GetMethod(nameof(BitConverter.DoubleToInt64Bits), [typeof(double)])!;

    /// <summary>The kind of <paramref name="type"/> (an enum is its underlying type).</summary>
    /// <exception cref="NotSupportedException">A type no stencil value can have.</exception>
    public static WordKind Classify(Type type)
    {
        if (type == typeof(void)) return WordKind.Void;
        if (type == typeof(Target)) return WordKind.Target;
        if (type.IsPointer || type.IsFunctionPointer || type.IsUnmanagedFunctionPointer) return WordKind.Pointer;
        if (type.IsEnum) type = Enum.GetUnderlyingType(type);
        return Type.GetTypeCode(type) switch
        {
            TypeCode.SByte => WordKind.I1,
            TypeCode.Byte => WordKind.U1,
            TypeCode.Int16 => WordKind.I2,
            TypeCode.UInt16 or TypeCode.Char => WordKind.U2,
            TypeCode.Int32 => WordKind.I4,
            TypeCode.UInt32 => WordKind.U4,
            TypeCode.Int64 => WordKind.I8,
            TypeCode.UInt64 => WordKind.U8,
            TypeCode.Boolean => WordKind.Bool,
            TypeCode.Single => WordKind.F32,
            TypeCode.Double => WordKind.F64,
            _ when type == typeof(nint) => WordKind.I,
            _ when type == typeof(nuint) => WordKind.U,
            _ => throw new NotSupportedException($"The managed engine cannot pass a value of type {type} in a word."),
        };
    }

    /// <summary>The type of a local that holds a value of this kind (pointers as <c>nint</c>).</summary>
    public static Type LocalType(WordKind kind, Type type) => kind == WordKind.Pointer ? typeof(nint) : type;

    /// <summary>Converts the <c>int64</c> word on the IL stack to a value of <paramref name="kind"/>.</summary>
    public static void FromWord(ILGenerator il, WordKind kind)
    {
        switch (kind)
        {
            case WordKind.I1: il.Emit(OpCodes.Conv_I1); break;
            case WordKind.U1: il.Emit(OpCodes.Conv_U1); break;
            case WordKind.I2: il.Emit(OpCodes.Conv_I2); break;
            case WordKind.U2: il.Emit(OpCodes.Conv_U2); break;
            case WordKind.I4: il.Emit(OpCodes.Conv_I4); break;
            case WordKind.U4: il.Emit(OpCodes.Conv_U4); break;
            case WordKind.I8: case WordKind.U8: break;
            case WordKind.I: il.Emit(OpCodes.Conv_I); break;
            case WordKind.U: case WordKind.Pointer: il.Emit(OpCodes.Conv_U); break;
            case WordKind.Bool:
                il.Emit(OpCodes.Ldc_I4_0);
                il.Emit(OpCodes.Conv_I8);
                il.Emit(OpCodes.Cgt_Un);
                break;
            case WordKind.F32:
                il.Emit(OpCodes.Conv_U4);
                il.Emit(OpCodes.Call, s_uint32BitsToSingle);
                break;
            case WordKind.F64: il.Emit(OpCodes.Call, s_int64BitsToDouble); break;
            default: throw new NotSupportedException($"No word conversion to {kind}.");
        }
    }

    /// <summary>
    /// Pushes the value of <paramref name="kind"/> a word holds, as a constant: the same value as <c>ldc.i8 word</c>
    /// followed by <see cref="FromWord"/>, in the shortest IL (a chunk's IL size is much of RyuJIT's time).
    /// </summary>
    public static void Constant(ILGenerator il, WordKind kind, ulong word)
    {
        switch (kind)
        {
            case WordKind.I1: Int32(il, (sbyte)word); return;
            case WordKind.U1: Int32(il, (byte)word); return;
            case WordKind.I2: Int32(il, (short)word); return;
            case WordKind.U2: Int32(il, (ushort)word); return;
            case WordKind.I4: case WordKind.U4: Int32(il, unchecked((int)word)); return;
            case WordKind.Bool: Int32(il, word != 0 ? 1 : 0); return;
        }
        long value = unchecked((long)word);
        if (kind is WordKind.I or WordKind.U or WordKind.Pointer or WordKind.I8 or WordKind.U8 && value == (int)value)
        {
            // An int32 sign-extends to the same 64 bits.
            Int32(il, (int)value);
            il.Emit(kind is WordKind.I8 or WordKind.U8 ? OpCodes.Conv_I8 : OpCodes.Conv_I);
            return;
        }
        il.Emit(OpCodes.Ldc_I8, value);
        FromWord(il, kind);
    }

    /// <summary>Pushes an <c>int32</c> constant in the shortest form.</summary>
    public static void Int32(ILGenerator il, int value)
    {
        switch (value)
        {
            case -1: il.Emit(OpCodes.Ldc_I4_M1); return;
            case 0: il.Emit(OpCodes.Ldc_I4_0); return;
            case 1: il.Emit(OpCodes.Ldc_I4_1); return;
            case 2: il.Emit(OpCodes.Ldc_I4_2); return;
            case 3: il.Emit(OpCodes.Ldc_I4_3); return;
            case 4: il.Emit(OpCodes.Ldc_I4_4); return;
            case 5: il.Emit(OpCodes.Ldc_I4_5); return;
            case 6: il.Emit(OpCodes.Ldc_I4_6); return;
            case 7: il.Emit(OpCodes.Ldc_I4_7); return;
            case 8: il.Emit(OpCodes.Ldc_I4_8); return;
        }
        if (value == (sbyte)value) il.Emit(OpCodes.Ldc_I4_S, (sbyte)value);
        else il.Emit(OpCodes.Ldc_I4, value);
    }

    /// <summary>Converts the value of <paramref name="kind"/> on the IL stack to its canonical <c>int64</c> word.</summary>
    public static void ToWord(ILGenerator il, WordKind kind)
    {
        switch (kind)
        {
            case WordKind.I1: case WordKind.I2: case WordKind.I4: case WordKind.I: il.Emit(OpCodes.Conv_I8); break;
            case WordKind.U1: case WordKind.U2: case WordKind.U4: case WordKind.U: case WordKind.Pointer: case WordKind.Bool:
                il.Emit(OpCodes.Conv_U8);
                break;
            case WordKind.I8: case WordKind.U8: break;
            case WordKind.F32:
                il.Emit(OpCodes.Call, s_singleToUInt32Bits);
                il.Emit(OpCodes.Conv_U8);
                break;
            case WordKind.F64: il.Emit(OpCodes.Call, s_doubleToInt64Bits); break;
            default: throw new NotSupportedException($"No word conversion from {kind}.");
        }
    }
}
