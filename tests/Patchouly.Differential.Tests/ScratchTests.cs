using System;
using System.Linq;
using Xunit.Abstractions;
using Location = Patchouly.Runtime.Location;

namespace Patchouly.Differential.Tests;

public class ScratchTests : DifferentialLibrary
{
    public ScratchTests(ITestOutputHelper output) : base(output) { }

    private const string Source = """
        using System;
        using System.Numerics;
        using Patchouly;
        namespace Scratch;
        [StencilLibrary(Registers = 2)]
        public static unsafe partial class Scratch
        {
            [Stencil] public static Target R113(int a0, [Hole] byte h0, [Hole] sbyte h1, Target t0, Target t1, out nuint o0)
            {
                unchecked
                {
                    o0 = (nuint)h1;
                    if ((!(((ulong)(((ulong)0xFFFFFFFFFFFFFFFEUL) << (int)a0)) == (ulong)h0))) return t0;
                    if (true) return t1;
                    return Target.Next;
                }
            }
        }
        """;

    [Fact]
    public void Scratch()
    {
        using var h = Harness.Create([Source]);
        var s = h["R113"];
        var placement = new Placement([Location.Register(0)], [Location.Register(0)], false);
        using var f = h.Compile(s, [new Arg(0), new Arg(0x63)], placement);
        System.IO.File.WriteAllText("/tmp/exp/dis.txt", f.Disassemble());
        var m = h.Run(s, [new Arg(0x2932E1D0)], [new Arg(0), new Arg(0x63)], placement, f, 1);
        Assert.Empty(m!);
    }
}
