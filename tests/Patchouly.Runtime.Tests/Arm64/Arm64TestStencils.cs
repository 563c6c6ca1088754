using System;
using Patchouly.Runtime.Tables;
using static Patchouly.Runtime.Tables.StencilFamilyKind;
using static Patchouly.Runtime.Tests.Arm64.Arm64VariantContext;

namespace Patchouly.Runtime.Tests.Arm64;

/// <summary>
/// A hand-made arm64 stencil library with 3 registers (x21, x22, x23; frame pointer x20), written the way clang-19
/// compiles stencils for <c>aarch64-unknown-linux-gnu -mcmodel=large</c>. Its families have the names and shapes of
/// <see cref="Stencils.TestStencils"/>' that the cross-architecture tests use.
/// </summary>
internal static class Arm64TestStencils
{
    public const int Registers = 3;

    private static readonly byte[] s_none = [];
    private static readonly byte[] s_word = [64];

    /// <summary>The shared library instance.</summary>
    public static StencilLibrary Library { get; } = Create("Arm64TestStencils");

    /// <summary>
    /// The same families in the form clang gives Mach-O objects (<c>arm64-apple-macos</c>): every hole, slot offset and
    /// the frame size a GOT load (<c>adrp</c> + <c>ldr</c>), calls to holes <c>bl</c> (narrow) or GOT load + <c>blr</c> (wide).
    /// </summary>
    public static StencilLibrary GotLibrary { get; } = Create("Arm64GotStencils", got: true);

    /// <summary>Builds a fresh library; <paramref name="corrupt"/> may rewrite variants (see <see cref="Arm64LibraryBuilder.Corrupt"/>).</summary>
    public static StencilLibrary Create(string name, Func<string, bool, byte[], Relocation[], (byte[], Relocation[], VariantFlags?)>? corrupt = null, bool got = false, string? triple = null)
    {
        var b = new Arm64LibraryBuilder(Registers, got) { Corrupt = corrupt };
        b.Add(new("__entry", Entry, 0, 0, s_none, 1, false, "", Arm64LibraryBuilder.EntryShim));
        b.Add(new("__move", Move, 1, 1, s_none, 0, false, "", c =>
        {
            c.Load(0, T0);
            c.Store(1, T0);
            c.Asm.JumpNext();
        }));
        b.Add(new("__jump", Jump, 0, 0, s_none, 1, false, "", c => c.Asm.JumpTarget(0)));
        b.Add(new("Const", Normal, 0, 1, s_word, 0, true, "long Const([Hole] long value)", c =>
        {
            c.LoadHole(0, T0);
            c.Store(0, T0);
            c.Asm.JumpNext();
        }));
        b.Add(Binary("Add", A64.Add));
        b.Add(Binary("Sub", A64.Sub));
        b.Add(new("AddImm", Normal, 1, 1, s_word, 0, true, "long AddImm(long a, [Hole] long b)", c =>
        {
            c.Load(0, T0);
            c.LoadHole(0, T1);
            c.Asm.Add(A64.Add(T0, T0, T1));
            c.Store(c.Output(0), T0);
            c.Asm.JumpNext();
        }));
        b.Add(ConditionalJump("JumpIfZero", zero: true));
        b.Add(ConditionalJump("JumpIfNotZero", zero: false));
        b.Add(new("CallHost", Normal, 1, 1, s_word, 0, true, "long CallHost(long a, [Hole] delegate* unmanaged<long, long> f)", c =>
        {
            // Narrow: bl to the hole (direct, or through a veneer); wide: movz/movk ×4 + blr. x29/x30 saved around the call.
            c.Asm.Add(A64.PushPair(A64.Fp, A64.Lr));
            c.Load(0, 0);
            if (c.Wide)
            {
                c.LoadHole(0, T1);
                c.Asm.Add(A64.Blr(T1));
            }
            else c.Asm.CallHole(0);
            c.Asm.Add(A64.PopPair(A64.Fp, A64.Lr));
            c.Store(c.Output(0), 0);
            c.Asm.JumpNext();
        }));
        b.Add(new("Return", StencilFamilyKind.Return, 1, 0, s_none, 0, false, "long Return(long value)", c =>
        {
            c.Load(0, 0);
            c.Asm.Add(A64.Ret);
        }));
        b.Add(new("ReturnConst", StencilFamilyKind.Return, 0, 0, s_word, 0, true, "long ReturnConst([Hole] long value)", c =>
        {
            c.LoadHole(0, 0);
            c.Asm.Add(A64.Ret);
        }));
        b.Add(new("BranchLess", Normal, 2, 0, s_none, 2, false, "Target BranchLess(long a, long b, Target less, Target notLess)", c =>
        {
            // As clang compiles a two-target stencil: b.lt over "b notLess" to the trailing "b less" (an invertible pair).
            c.Load(0, T0);
            c.Load(1, T1);
            c.Asm.Add(A64.Cmp(T0, T1));
            c.Asm.Add(A64.BCond(A64.Lt, 8));
            c.Asm.JumpTarget(1);
            c.Asm.JumpTarget(0);
        }));
        return b.Build(name, triple);
    }

    private static Arm64LibraryBuilder.FamilySpec Binary(string name, Func<int, int, int, uint> operation) =>
        new(name, Normal, 2, 1, s_none, 0, false, $"long {name}(long a, long b)", c =>
        {
            c.Load(0, T0);
            c.Load(1, T1);
            c.Asm.Add(operation(T0, T0, T1));
            c.Store(c.Output(0), T0);
            c.Asm.JumpNext();
        });

    /// <summary><c>cbz/cbnz x8, +8</c> (local, no relocation) over <c>b target</c>, then the droppable <c>b next</c>.</summary>
    private static Arm64LibraryBuilder.FamilySpec ConditionalJump(string name, bool zero) =>
        new(name, Normal, 1, 0, s_none, 1, false, $"Target {name}(long a, Target target)", c =>
        {
            c.Load(0, T0);
            c.Asm.Add(zero ? A64.Cbnz(T0, 8) : A64.Cbz(T0, 8));
            c.Asm.JumpTarget(0);
            c.Asm.JumpNext();
        });
}
