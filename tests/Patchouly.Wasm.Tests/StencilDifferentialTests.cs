using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;
using Patchouly;
using Patchouly.Runtime;
using Patchouly.Runtime.Tables;
using Patchouly.Samples.Wasm.Jit;
using Patchouly.Samples.Wasm.Runtime;
using Xunit.Abstractions;

namespace Patchouly.Wasm.Tests;

/// <summary>
/// Every stencil of <see cref="WasmStencils"/> that computes on values (arithmetic, comparisons, conversions,
/// branches, loads and stores) run natively, in random register/stack placements with narrow and wide holes, and as
/// its C# method, on edge values (0, ±1, MinValue/MaxValue, shift counts, NaN, ±∞, -0.0, the truncation bounds):
/// the same outputs, the same continuation and the same memory. Like the toolkit's differential harness, but on
/// the sample's built tables (no clang at test time).
/// </summary>
public unsafe class StencilDifferentialTests(ITestOutputHelper output)
{
    private static readonly HashSet<string> Skipped =
        ["Get", "Set", "SetConst", "SetF32", "SetF64", "StackCheck", "Call", "CallIndirect", "HostOp", "HostThunk", "Trap", "Rethrow", "Return", "MemorySize"];

    private static readonly long[] IntEdges =
        [0, 1, -1, 2, 3, 7, -7, 31, 32, 33, 63, 64, 100, 255, 256, 0x7FFF, -0x8000, 0xFFFF, int.MaxValue, int.MinValue, 0x12345678, unchecked((int)0x89ABCDEF),
         long.MaxValue, long.MinValue, 1L << 32, -(1L << 32), 0x123456789ABCDEF0, unchecked((long)0xFEDCBA9876543210)];

    private static readonly float[] FloatEdges =
        [0f, -0f, 1f, -1f, 0.5f, -0.5f, 1.5f, 2.5f, -2.5f, 3.7f, float.NaN, -float.NaN, float.PositiveInfinity, float.NegativeInfinity,
         float.MaxValue, float.MinValue, float.Epsilon, -float.Epsilon, 2147483648f, -2147483648f, -2147483904f, 2147483520f, 4294967296f, 4294967040f,
         9.223372e18f, -9.223372e18f, 1.8446743e19f, 1e10f, -1e10f, BitConverter.Int32BitsToSingle(0x7FA00000), 16777217f];

    private static readonly double[] DoubleEdges =
        [0d, -0d, 1d, -1d, 0.5, -0.5, 1.5, 2.5, -2.5, 3.7, double.NaN, -double.NaN, double.PositiveInfinity, double.NegativeInfinity,
         double.MaxValue, double.MinValue, double.Epsilon, -double.Epsilon, 2147483648d, -2147483648d, -2147483649d, -2147483648.9, 2147483647.9,
         4294967296d, 4294967295.9, 9223372036854775808d, -9223372036854775808d, -9223372036854777856d, 18446744073709551616d, 18446744073709549568d,
         1e300, -1e-300, BitConverter.Int64BitsToDouble(0x7FF4000000000000), 4503599627370497d];

    private const int IoWords = 64, MemoryBytes = 64;

    public static IEnumerable<object[]> Stencils() =>
        typeof(WasmStencils).GetMethods(BindingFlags.Public | BindingFlags.Static)
            .Where(m => m.GetCustomAttribute<StencilAttribute>() is not null && !Skipped.Contains(m.Name))
            .Select(m => new object[] { m.Name })
            .OrderBy(o => (string)o[0]);

    [Theory]
    [MemberData(nameof(Stencils))]
    public void NativeEqualsManaged(string name)
    {
        var method = typeof(WasmStencils).GetMethod(name, BindingFlags.Public | BindingFlags.Static)!;
        var family = WasmStencils.Library.GetFamily(name);
        var ps = method.GetParameters();
        var random = new Random(name.GetHashCode(StringComparison.Ordinal) ^ 12345);
        var io = (long*)NativeMemory.AllocZeroed(IoWords * 8);
        var memNative = (byte*)NativeMemory.AllocZeroed(MemoryBytes);
        var memManaged = (byte*)NativeMemory.AllocZeroed(MemoryBytes);
        var descNative = (MemoryDesc*)NativeMemory.AllocZeroed((nuint)sizeof(MemoryDesc));
        var descManaged = (MemoryDesc*)NativeMemory.AllocZeroed((nuint)sizeof(MemoryDesc));
        int cases = 0;
        try
        {
            for (int c = 0; c < 120; c++)
            {
                for (int i = 0; i < MemoryBytes; i++) memNative[i] = memManaged[i] = (byte)random.Next(256);
                descNative->Base = memNative;
                descManaged->Base = memManaged;
                descNative->Size = descManaged->Size = (ulong)MemoryBytes;

                // Arguments (as the managed call takes them) and the words the native code gets.
                var managedArgs = new object?[ps.Length];
                var inputs = new List<long>();
                var holes = new List<ulong>();
                int targets = 0;
                var outs = new List<Type>();
                foreach (var p in ps)
                {
                    int i = p.Position;
                    var t = p.ParameterType;
                    if (p.IsOut) { outs.Add(t.GetElementType()!); continue; }
                    if (t == typeof(Target)) { managedArgs[i] = new Target(targets++); continue; }
                    bool hole = p.GetCustomAttribute<HoleAttribute>() is not null;
                    if (t == typeof(MemoryDesc*))
                    {
                        managedArgs[i] = Pointer.Box(descManaged, typeof(MemoryDesc*));
                        holes.Add((ulong)descNative);
                        continue;
                    }
                    if (t == typeof(byte*)) // a guarded load or store: the address of the memory's byte `offset`
                    {
                        managedArgs[i] = Pointer.Box(memManaged, typeof(byte*));
                        holes.Add((ulong)memNative);
                        continue;
                    }
                    // A guarded access checks nothing (a fault beyond the memory is the trap): addresses stay inside.
                    long word = name.EndsWith("Guarded", StringComparison.Ordinal) && p.Name == "address"
                        ? random.Next(MemoryBytes - 7) : RandomWord(random, t, hole, p.Name!);
                    managedArgs[i] = FromWord(t, word);
                    if (hole) holes.Add(HoleWord(t, word));
                    else inputs.Add(word);
                }
                if (method.ReturnType != typeof(void) && method.ReturnType != typeof(Target)) outs.Insert(0, method.ReturnType);

                // Managed run.
                object? ret = method.Invoke(null, managedArgs);
                int managedNext = method.ReturnType == typeof(Target) ? ((Target)ret!).IsNext ? -1 : ((Target)ret!).Id : -1;
                var managedOuts = new List<long>();
                if (method.ReturnType != typeof(void) && method.ReturnType != typeof(Target)) managedOuts.Add(ToWord(method.ReturnType, ret!));
                foreach (var p in ps.Where(p => p.IsOut)) managedOuts.Add(ToWord(p.ParameterType.GetElementType()!, managedArgs[p.Position]!));

                // Native run in a random placement.
                var locations = Placement(random, family, inputs.Count + outs.Count);
                var inLocs = locations.Take(inputs.Count).ToArray();
                var outLocs = locations.Skip(inputs.Count).ToArray();
                var b = new FunctionBuilder(WasmStencils.Library, 0);
                var emit = new WasmStencils.Emitter(b);
                for (int i = 0; i < inputs.Count; i++)
                {
                    io[i] = inputs[i];
                    // A float register is loaded through a slot (Get writes a register or a slot).
                    var at = inLocs[i].IsFloatRegister ? Location.Stack(30 + i) : inLocs[i];
                    b.Emit(WasmStencils.Library.GetFamily("Get"), [], [at], [(ulong)(io + i)]);
                    b.Move(at, inLocs[i]);
                }
                var blocks = Enumerable.Range(0, targets).Select(_ => b.NewBlock()).ToArray();
                b.Emit(family, inLocs, outLocs, holes.ToArray(), blocks);
                for (int j = 0; j < outLocs.Length; j++)
                {
                    var from = outLocs[j].IsFloatRegister ? Location.Stack(40 + j) : outLocs[j];
                    b.Move(outLocs[j], from);
                    emit.Set(from, io + 16 + j);
                }
                emit.SetConst(-1, io + 40);
                emit.Return();
                for (int k = 0; k < targets; k++)
                {
                    b.StartBlock(blocks[k]);
                    emit.SetConst(k, io + 40);
                    emit.Return();
                }
                using (var f = b.Compile()) f.Invoke();
                int nativeNext = (int)io[40];
                string where = $"{name} case {c}: inputs [{string.Join(", ", inputs.Select(v => $"0x{v:X}"))}] holes [{string.Join(", ", holes.Select(v => $"0x{v:X}"))}] at [{string.Join(", ", inLocs)}] -> [{string.Join(", ", outLocs)}]";
                Assert.True(managedNext == nativeNext, $"{where}: continuation {nativeNext}, C# {managedNext}");
                if (managedNext == -1)
                {
                    for (int j = 0; j < outs.Count; j++)
                    {
                        long native = io[16 + j], managed = managedOuts[j];
                        if (outs[j] == typeof(float) && outLocs[j].IsFloatRegister) native &= 0xFFFF_FFFF; // an f32 is the register's low 32 bits
                        bool same = native == managed || IsNaN(outs[j], native) && IsNaN(outs[j], managed);
                        Assert.True(same, $"{where}: output {j} is 0x{native:X}, C# 0x{managed:X}");
                    }
                }
                Assert.True(new Span<byte>(memNative, MemoryBytes).SequenceEqual(new Span<byte>(memManaged, MemoryBytes)), $"{where}: memory differs");
                cases++;
            }
        }
        finally
        {
            NativeMemory.Free(io);
            NativeMemory.Free(memNative);
            NativeMemory.Free(memManaged);
            NativeMemory.Free(descNative);
            NativeMemory.Free(descManaged);
        }
        output.WriteLine($"{name}: {cases} cases");
    }

    private static bool IsNaN(Type t, long w) =>
        t == typeof(float) ? float.IsNaN(BitConverter.Int32BitsToSingle((int)w)) : t == typeof(double) && double.IsNaN(BitConverter.Int64BitsToDouble(w));

    private static Location[] Placement(Random random, StencilFamily family, int count)
    {
        // Distinct locations among the library's registers (float registers for f32/f64 values: the operand stack's
        // and the cached locals') and 4 stack slots.
        var registers = new List<Location>();
        for (int r = 0; r < WasmStencils.Library.Registers; r++) registers.Add(Location.Register(r));
        var floats = new List<Location>();
        for (int r = 0; r < WasmStencils.Library.FloatRegisters; r++) floats.Add(Location.FloatRegister(r));
        var slots = new List<Location> { Location.Stack(0), Location.Stack(1), Location.Stack(5), Location.Stack(9) };
        var result = new Location[count];
        for (int i = 0; i < count; i++)
        {
            var own = family.IsFloatValue(i) ? floats : registers;
            int k = random.Next(own.Count + slots.Count);
            var list = k < own.Count ? own : slots;
            if (list == slots) k -= own.Count;
            result[i] = list[k];
            list.RemoveAt(k);
        }
        return result;
    }

    private static long RandomWord(Random random, Type t, bool hole, string name)
    {
        if (name == "address") return random.Next(4) == 0 ? (long)(uint)IntEdges[random.Next(IntEdges.Length)] : random.Next(MemoryBytes + 2);
        if (name == "offset") return random.Next(5) == 0 ? (long)(uint)IntEdges[random.Next(IntEdges.Length)] : random.Next(MemoryBytes);
        long e = t == typeof(float) ? (long)(uint)BitConverter.SingleToInt32Bits(FloatEdges[random.Next(FloatEdges.Length)])
            : t == typeof(double) ? BitConverter.DoubleToInt64Bits(DoubleEdges[random.Next(DoubleEdges.Length)])
            : random.Next(6) == 0 ? random.NextInt64() : IntEdges[random.Next(IntEdges.Length)];
        // Canonical words for the type (sign- or zero-extended), as the other stencils produce them.
        return t == typeof(int) ? (int)e : t == typeof(uint) ? (uint)e : e;
    }

    private static object FromWord(Type t, long w)
    {
        if (t == typeof(int)) return (int)w;
        if (t == typeof(uint)) return (uint)w;
        if (t == typeof(long)) return w;
        if (t == typeof(ulong)) return (ulong)w;
        if (t == typeof(float)) return BitConverter.Int32BitsToSingle((int)w);
        if (t == typeof(double)) return BitConverter.Int64BitsToDouble(w);
        throw new NotSupportedException(t.Name);
    }

    private static ulong HoleWord(Type t, long w) => t == typeof(int) || t == typeof(uint) ? (uint)w : (ulong)w;

    private static long ToWord(Type t, object v)
    {
        if (t == typeof(int)) return (int)v;
        if (t == typeof(uint)) return (uint)v;
        if (t == typeof(long)) return (long)v;
        if (t == typeof(ulong)) return (long)(ulong)v;
        if (t == typeof(float)) return (uint)BitConverter.SingleToInt32Bits((float)v);
        if (t == typeof(double)) return BitConverter.DoubleToInt64Bits((double)v);
        throw new NotSupportedException(t.Name);
    }
}
