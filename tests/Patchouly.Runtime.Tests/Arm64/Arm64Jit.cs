using System;
using Patchouly.Runtime.Linking;
using Patchouly.Runtime.Tables;

namespace Patchouly.Runtime.Tests.Arm64;

/// <summary>Shorthands for emitting functions of <see cref="Arm64TestStencils"/> and reading the linked words.</summary>
internal static class Arm64Jit
{
    public static readonly Location R0 = Location.Register(0);
    public static readonly Location R1 = Location.Register(1);
    public static readonly Location R2 = Location.Register(2);
    public static Location S(int slot) => Location.Stack(slot);

    public static StencilFamily F(string name) => Arm64TestStencils.Library.GetFamily(name);

    public static FunctionBuilder Builder(int parameters = 0) => new(Arm64TestStencils.Library, parameters);

    public static void Const(this FunctionBuilder b, long value, Location result) => b.Emit(b.Library.GetFamily("Const"), default, [result], [unchecked((ulong)value)]);
    public static void Add(this FunctionBuilder b, Location x, Location y, Location result) => b.Emit(b.Library.GetFamily("Add"), [x, y], [result]);
    public static void Sub(this FunctionBuilder b, Location x, Location y, Location result) => b.Emit(b.Library.GetFamily("Sub"), [x, y], [result]);
    public static void AddImm(this FunctionBuilder b, Location x, long value, Location result) => b.Emit(b.Library.GetFamily("AddImm"), [x], [result], [unchecked((ulong)value)]);
    public static void JumpIfZero(this FunctionBuilder b, Location x, Block target) => b.Emit(b.Library.GetFamily("JumpIfZero"), [x], default, default, [target]);
    public static void JumpIfNotZero(this FunctionBuilder b, Location x, Block target) => b.Emit(b.Library.GetFamily("JumpIfNotZero"), [x], default, default, [target]);
    public static void BranchLess(this FunctionBuilder b, Location x, Location y, Block less, Block notLess) => b.Emit(b.Library.GetFamily("BranchLess"), [x, y], default, default, [less, notLess]);
    public static void CallHost(this FunctionBuilder b, Location x, ulong function, Location result) => b.Emit(b.Library.GetFamily("CallHost"), [x], [result], [function]);
    public static void Return(this FunctionBuilder b, Location x) => b.Emit(b.Library.GetFamily("Return"), [x], default);
    public static void ReturnConst(this FunctionBuilder b, long value) => b.Emit(b.Library.GetFamily("ReturnConst"), default, default, [unchecked((ulong)value)]);

    /// <summary>Links the function as if placed at <paramref name="address"/> (nothing is mapped).</summary>
    public static (byte[] Image, FunctionMap Map) Link(FunctionBuilder b, ulong address = 0x4000_0000) => b.LinkDetached(address);

    public static uint Word(byte[] image, int offset) => BitConverter.ToUInt32(image, offset);

    /// <summary>The words of the variant of <paramref name="family"/> for <paramref name="locations"/> (narrow unless <paramref name="wide"/>).</summary>
    public static uint[] VariantWords(string family, bool wide, params Location[] locations) =>
        VariantWordsOf(Arm64TestStencils.Library, family, wide, locations);

    /// <summary>As <see cref="VariantWords"/>, from <paramref name="library"/> (a form of <see cref="Arm64TestStencils"/>).</summary>
    public static uint[] VariantWordsOf(StencilLibrary library, string family, bool wide, params Location[] locations)
    {
        var f = library.GetFamily(family);
        int index = 0;
        foreach (var l in locations) index = index * (Arm64TestStencils.Registers + 1) + l.Code(Arm64TestStencils.Registers);
        var code = library.CodeOf(library.Variants[f.FirstVariant + index + (wide ? f.NarrowSlots : 0)]);
        var words = new uint[code.Length / 4];
        for (int i = 0; i < words.Length; i++) words[i] = BitConverter.ToUInt32(code.Slice(i * 4, 4));
        return words;
    }

    /// <summary>The byte distance of the b/bl at <paramref name="offset"/>.</summary>
    public static long BranchDistance(byte[] image, int offset)
    {
        uint word = Word(image, offset);
        Assert.True((word & 0x7C000000) == 0x14000000, $"0x{word:x8} at 0x{offset:x} is not a b/bl");
        return (long)((int)(word << 6) >> 6) * 4;
    }
}
