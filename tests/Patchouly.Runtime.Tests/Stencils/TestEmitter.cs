namespace Patchouly.Runtime.Tests.Stencils;

/// <summary>
/// The typed emit API for <see cref="TestStencils"/>, written the way the generator writes it: one method per stencil,
/// forwarding to <see cref="FunctionBuilder.Emit"/> with collection expressions and canonical hole words.
/// </summary>
internal readonly unsafe struct TestEmitter(FunctionBuilder builder)
{
    public FunctionBuilder Builder => builder;

    public void Const(long value, Location result) => builder.Emit(TestStencils.Const, default, [result], [unchecked((ulong)value)], default);
    public void ConstU32(long value, Location result) => builder.Emit(TestStencils.ConstU32, default, [result], [unchecked((ulong)value)], default);
    public void Add(Location a, Location b, Location result) => builder.Emit(TestStencils.Add, [a, b], [result], default, default);
    public void Sub(Location a, Location b, Location result) => builder.Emit(TestStencils.Sub, [a, b], [result], default, default);
    public void AddImm(Location a, long value, Location result) => builder.Emit(TestStencils.AddImm, [a], [result], [unchecked((ulong)value)], default);
    public void AddImm8(Location a, sbyte value, Location result) => builder.Emit(TestStencils.AddImm8, [a], [result], [(ulong)unchecked((byte)value)], default);
    public void JumpIfZero(Location a, Block target) => builder.Emit(TestStencils.JumpIfZero, [a], default, default, [target]);
    public void NonZeroOrNext(Location a, Block target) => builder.Emit(TestStencils.NonZeroOrNext, [a], default, default, [target]);
    public void JumpIfNotZero(Location a, Block target) => builder.Emit(TestStencils.JumpIfNotZero, [a], default, default, [target]);
    public void BranchLess(Location a, Location b, Block less, Block notLess) => builder.Emit(TestStencils.BranchLess, [a, b], default, default, [less, notLess]);
    public void Abs(Location a, Location result) => builder.Emit(TestStencils.Abs, [a], [result], default, default);
    public void Pair(Location a, Location same, Location next) => builder.Emit(TestStencils.Pair, [a], [same, next], default, default);
    public void CallHost(Location a, delegate* unmanaged<long, long> f, Location result) => builder.Emit(TestStencils.CallHost, [a], [result], [(ulong)(void*)f], default);
    public void CallHostAbs(Location a, delegate* unmanaged<long, long> f, Location result) => builder.Emit(TestStencils.CallHostAbs, [a], [result], [(ulong)(void*)f], default);
    public void CallSlot(Location a, nint slot, Location result) => builder.Emit(TestStencils.CallSlot, [a], [result], [(ulong)slot], default);
    public void TailCallHost(Location a, delegate* unmanaged<long, long> f) => builder.Emit(TestStencils.TailCallHost, [a], default, [(ulong)(void*)f], default);
    public void LeaHole(long value, Location result) => builder.Emit(TestStencils.LeaHole, default, [result], [unchecked((ulong)value)], default);
    public void Return(Location value) => builder.Emit(TestStencils.Return, [value], default, default, default);
    public void ReturnConst(long value) => builder.Emit(TestStencils.ReturnConst, default, default, [unchecked((ulong)value)], default);
}
