using System;
using Patchouly.Runtime.Tests.Stencils;
using static Patchouly.Runtime.Tests.Jit;

namespace Patchouly.Runtime.Tests;

/// <summary>Values in every kind of location: registers, stack slots, moves between them, parameters.</summary>
public class LocationExecutionTests
{
    [Fact]
    public void AddWithEveryAssignmentOfLocations()
    {
        foreach (var a in All)
            foreach (var b in All)
                foreach (var to in All)
                {
                    using var f = Compile(e =>
                    {
                        e.Const(7, a);
                        e.Const(5, b);
                        e.Add(a, b, to);
                        e.Return(to);
                    });
                    long expected = a == b ? 10 : 12;
                    Assert.True(expected == f.Invoke(), $"Add [{a}, {b} -> {to}]");
                }
    }

    [Fact]
    public void OperandOrderIsKept()
    {
        foreach (var a in All)
            foreach (var b in All)
            {
                if (a == b) continue;
                using var f = Compile(e =>
                {
                    e.Const(7, a);
                    e.Const(5, b);
                    e.Sub(a, b, a);
                    e.Sub(b, a, b);
                    e.Return(b);
                });
                Assert.Equal(5 - 2, f.Invoke());
            }
    }

    [Fact]
    public void MovesBetweenEveryPairOfLocations()
    {
        var locations = new[] { R0, R1, R2, S(0), S(1), S(7) };
        foreach (var from in locations)
            foreach (var to in locations)
            {
                using var f = Compile(e =>
                {
                    e.Const(1234567, from);
                    e.Builder.Move(from, to);
                    e.Add(from, to, to); // the source is intact after the move
                    e.Return(to);
                });
                Assert.True(2 * 1234567 == f.Invoke(), $"move {from} -> {to}");
            }
    }

    [Fact]
    public void MoveToTheSameLocationEmitsNothing()
    {
        var b = Builder();
        new TestEmitter(b).Const(3, S(2));
        int size = b.CodeSize;
        b.Move(S(2), S(2));
        b.Move(R1, R1);
        Assert.Equal(size, b.CodeSize);
    }

    [Fact]
    public void StackSlotsSurviveAndSizeTheFrame()
    {
        var b = Builder();
        var e = new TestEmitter(b);
        for (int i = 0; i < 40; i += 3) e.Const(i, S(i));
        e.Const(0, R0);
        for (int i = 0; i < 40; i += 3) e.Add(R0, S(i), R0);
        e.Return(R0);
        Assert.Equal(40, b.FrameSlots);
        using var f = b.Compile();
        Assert.Equal(40, f.FrameSlots);
        long expected = 0;
        for (int i = 0; i < 40; i += 3) expected += i;
        Assert.Equal(expected, f.Invoke());
    }

    [Fact]
    public void TheHighestStackSlot()
    {
        using var f = Compile(e =>
        {
            e.Const(99, S(FunctionBuilder.MaxStackSlots - 1));
            e.Const(1, S(0));
            e.Add(S(FunctionBuilder.MaxStackSlots - 1), S(0), R2);
            e.Return(R2);
        });
        Assert.Equal(FunctionBuilder.MaxStackSlots, f.FrameSlots);
        Assert.Equal(100, f.Invoke());
    }

    [Fact]
    public void ParametersArriveInTheFirstRegisters()
    {
        using var f = Compile(e =>
        {
            e.Sub(R0, R1, R0);
            e.Sub(R0, R2, R0);
            e.Return(R0);
        }, parameters: 3);
        Assert.Equal(3, f.ParameterCount);
        Assert.Equal(100 - 30 - 4, f.Invoke(100, 30, 4));
        Assert.Equal(-9, f.Invoke(0, 4, 5));
    }

    [Fact]
    public void OneParameterAndTheEntryPointPointer()
    {
        using var f = Compile(e =>
        {
            e.AddImm(R0, 1, R0);
            e.Return(R0);
        }, parameters: 1);
        Assert.Equal(42, f.Invoke(41));
        unsafe
        {
            var fn = (delegate* unmanaged<long, long>)f.EntryPoint;
            Assert.Equal(8, fn(7));
        }
    }

    [Fact]
    public void InvokeChecksTheArgumentCount()
    {
        using var f = Compile(e => e.Return(R0), parameters: 1);
        var error = Assert.Throws<ArgumentException>(() => f.Invoke());
        Assert.Contains("takes 1 argument", error.Message);
        Assert.Throws<ArgumentException>(() => f.Invoke(1, 2));
    }

    [Fact]
    public void UnusedRegistersKeepTheirValuesAcrossStencils()
    {
        using var f = Compile(e =>
        {
            e.Const(1, R0);
            e.Const(20, R1);
            e.Const(300, S(0));
            e.Const(4000, R2);
            e.Abs(R2, R2);
            e.AddImm8(R1, 2, R1);
            e.Add(R0, R1, R0);
            e.Add(R0, R2, R0);
            e.Add(R0, S(0), R0);
            e.Return(R0);
        });
        Assert.Equal(1 + 22 + 4000 + 300, f.Invoke());
    }
}
