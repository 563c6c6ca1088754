using System;
using System.Linq.Expressions;
using System.Reflection;
using Patchouly.Samples.Wasm.Jit;

namespace Patchouly.Samples.Wasm.Interp;

/// <summary>
/// The interpreter's numeric instructions: the JIT's stencils called as C# (so both engines share one definition of
/// the semantics), wrapped once into delegates over 64-bit words. Trapping ones (division, truncation) are not here.
/// </summary>
internal static class NumericOps
{
    /// <summary>Unary operations by opcode (0x45..0xC4, 0xFC 0..7 at 0x100 + n).</summary>
    public static readonly Func<long, long>?[] Unary = new Func<long, long>?[0x108];

    /// <summary>Binary operations by opcode.</summary>
    public static readonly Func<long, long, long>?[] Binary = new Func<long, long, long>?[0x108];

    static NumericOps()
    {
        for (int op = 0x45; op <= 0xC4; op++)
        {
            var family = Families.Numeric[op];
            if (family is null || Families.Traps[op] is not null) continue;
            Add(op, typeof(WasmStencils).GetMethod(family.Name, BindingFlags.Public | BindingFlags.Static)!);
        }
        for (int n = 0; n < 8; n++) Add(0x100 + n, typeof(WasmStencils).GetMethod(Families.TruncSat[n].Name, BindingFlags.Public | BindingFlags.Static)!);
    }

    private static void Add(int op, MethodInfo m)
    {
        var ps = m.GetParameters();
        var a = Expression.Parameter(typeof(long), "a");
        var b = Expression.Parameter(typeof(long), "b");
        var args = ps.Length == 1 ? new Expression[] { FromWord(a, ps[0].ParameterType) } : [FromWord(a, ps[0].ParameterType), FromWord(b, ps[1].ParameterType)];
        var body = ToWord(Expression.Call(m, args), m.ReturnType);
        if (ps.Length == 1) Unary[op] = Expression.Lambda<Func<long, long>>(body, a).Compile();
        else Binary[op] = Expression.Lambda<Func<long, long, long>>(body, a, b).Compile();
    }

    private static Expression FromWord(Expression w, Type t)
    {
        if (t == typeof(long)) return w;
        if (t == typeof(float)) return Expression.Call(typeof(BitConverter).GetMethod(nameof(BitConverter.Int32BitsToSingle))!, Expression.Convert(w, typeof(int)));
        if (t == typeof(double)) return Expression.Call(typeof(BitConverter).GetMethod(nameof(BitConverter.Int64BitsToDouble))!, w);
        return Expression.Convert(w, t); // int, uint, ulong: truncating/unchecked
    }

    private static Expression ToWord(Expression v, Type t)
    {
        if (t == typeof(long)) return v;
        if (t == typeof(float)) return Expression.Convert(Expression.Convert(Expression.Call(typeof(BitConverter).GetMethod(nameof(BitConverter.SingleToInt32Bits))!, v), typeof(uint)), typeof(long));
        if (t == typeof(double)) return Expression.Call(typeof(BitConverter).GetMethod(nameof(BitConverter.DoubleToInt64Bits))!, v);
        return Expression.Convert(v, typeof(long)); // int sign-extends, uint/ulong zero-extend
    }
}
