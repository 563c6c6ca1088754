using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Patchouly.Generators.Model;
using Patchouly.Runtime;
using Patchouly.Runtime.Tables;
using Location = Patchouly.Runtime.Location;

namespace Patchouly.Differential.Tests;

/// <summary>How pointer parameters' memory is filled before each call.</summary>
internal enum MemoryFill
{
    /// <summary>Random bytes.</summary>
    Random,
    /// <summary>Random bytes that are 0 or 1 (for memory read as C# bools, whose other values .NET leaves unspecified).</summary>
    Bits,
}

/// <summary>One stencil as the harness sees it.</summary>
internal sealed class StencilUnderTest
{
    public required string Name { get; init; }
    public required IMethodSymbol Method { get; init; }
    public required FamilyModel Family { get; init; }
    public required StencilFamily Runtime { get; init; }
    public required IReadOnlyList<(string Name, WordType Type)> Inputs { get; init; }
    public required IReadOnlyList<(string Name, WordType Type)> Holes { get; init; }
    public required int Targets { get; init; }
    /// <summary>The outputs: the return value (unless void or Target) then the out parameters.</summary>
    public required IReadOnlyList<(string Name, WordType Type)> Outputs { get; init; }
    public bool ReturnsToCaller => Family.Kind == Patchouly.Generators.Format.StencilFamilyKind.Return;

    /// <summary>True when leaving through target <paramref name="t"/> leaves the outputs unspecified (<c>[Target(Cold = true)]</c>).</summary>
    public bool IsColdTarget(int t) => t >= 0 && t < Family.Targets.Length && Family.Targets[t].Cold;

    /// <summary>The managed stencil, JIT-compiled without optimizations (the specification).</summary>
    public unsafe delegate*<ulong*, int> Managed { get; set; }

    /// <summary>The managed stencil, JIT-compiled with optimizations (compared with <see cref="Managed"/> for information).</summary>
    public unsafe delegate*<ulong*, int> Optimized { get; set; }

    public override string ToString() => Family.Signature;
}

/// <summary>A value given to a stencil: a plain word, or the address of a test buffer (different for the managed and the native run).</summary>
internal readonly record struct Arg(ulong Word, int Buffer = -1, int Offset = 0)
{
    public bool IsBuffer => Buffer >= 0;
    public override string ToString() => IsBuffer ? $"&buffer{Buffer}[{Offset}]" : $"0x{Word:X}";
}

/// <summary>Where the stencil's inputs and outputs are, and how inputs get there.</summary>
/// <param name="Inputs">Input locations.</param>
/// <param name="Outputs">Output locations.</param>
/// <param name="FromParameters">Inputs arrive as the compiled function's arguments (and outputs are stored through a
/// 64-bit pointer hole) instead of being loaded from the I/O block whose address is the only argument.</param>
internal sealed record Placement(Location[] Inputs, Location[] Outputs, bool FromParameters)
{
    public override string ToString() =>
        "inputs [" + string.Join(", ", Inputs) + "] outputs [" + string.Join(", ", Outputs) + "]" + (FromParameters ? " from parameters" : " from memory");
}

/// <summary>A difference between the managed and the native run.</summary>
internal sealed record Mismatch(string Stencil, string Description);

/// <summary>
/// Differential testing of a stencil library: each stencil is called as managed code (the C# compiled by Roslyn, the
/// specification) and as native code (the variant for chosen locations, emitted and run through
/// <see cref="FunctionBuilder"/>) on the same inputs, and everything observable is compared: outputs, the chosen
/// target, memory reached through pointer parameters, and the registers the stencil must preserve.
/// </summary>
/// <remarks>
/// <para>Support stencils are added to the library (a second partial declaration): <c>DiffLoad</c> loads a word from
/// the I/O block into any location, <c>DiffStore</c>/<c>DiffStoreAt</c> store a location's word into it and
/// <c>DiffRet</c> returns a marker: -1 after the stencil continues to the next stencil, t after it jumps to target t.</para>
/// <para>The I/O block (one per side): words 0-7 inputs, 8-15 outputs, 16-31 holes (managed side), 32-47 register
/// values after the stencil, 48-63 register values before it.</para>
/// </remarks>
internal sealed unsafe class Harness : IDisposable
{
    public const int IoWords = 64;
    private const int OutputBase = 8, HoleBase = 16, AfterBase = 32, BeforeBase = 48;
    private const int IoSlot = 15, StagingSlot = 20;
    public const int BufferBytes = 1024, BufferCount = 4;

    private readonly BuiltLibrary _built;
    // The collectible load contexts stay alive only while their assemblies are referenced: the stencils are called through
    // raw function pointers, which do not keep them alive.
    private readonly Assembly _managed, _optimized;
    private readonly ulong* _ioManaged, _ioNative;
    private readonly byte*[] _managedBuffers = new byte*[BufferCount], _nativeBuffers = new byte*[BufferCount];
    /// <summary>How pointer parameters' memory is filled before each call.</summary>
    public MemoryFill Fill { get; set; }
    private readonly Dictionary<string, nint> _functions;

    public Harness(BuiltLibrary built, Assembly managed, Assembly optimized, IReadOnlyList<StencilUnderTest> stencils, MemoryFill fill, Dictionary<string, nint> functions)
    {
        _built = built;
        _managed = managed;
        _optimized = optimized;
        Stencils = stencils;
        Fill = fill;
        _functions = functions;
        _ioManaged = (ulong*)NativeMemory.AlignedAlloc(IoWords * 8, 64);
        _ioNative = (ulong*)NativeMemory.AlignedAlloc(IoWords * 8, 64);
        for (int i = 0; i < BufferCount; i++)
        {
            _managedBuffers[i] = (byte*)NativeMemory.AlignedAlloc(BufferBytes, 64);
            _nativeBuffers[i] = (byte*)NativeMemory.AlignedAlloc(BufferBytes, 64);
        }
    }

    public IReadOnlyList<StencilUnderTest> Stencils { get; }

    /// <summary>Cases where the .NET JIT's optimized code disagrees with its unoptimized code (a .NET bug, reported, not failed).</summary>
    public List<string> JitDisagreements { get; } = new();

    public BuiltLibrary Built => _built;

    public StencilLibrary Library => _built.Library;

    public StencilUnderTest this[string name] => Stencils.Single(s => s.Name == name);

    // ------------------------------------------------------------------ construction

    /// <summary>The source of the support stencils, as a partial declaration of the library class in <paramref name="source"/>.</summary>
    private static string SupportSource(string source)
    {
        var tree = CSharpSyntaxTree.ParseText(source);
        var library = tree.GetRoot().DescendantNodes().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.ClassDeclarationSyntax>()
            .First(c => c.AttributeLists.SelectMany(a => a.Attributes).Any(a => a.Name.ToString().Contains("StencilLibrary")));
        var ns = library.Ancestors().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.BaseNamespaceDeclarationSyntax>().FirstOrDefault()?.Name.ToString();
        return (ns is null ? "" : "namespace " + ns + ";\n") + """
            public static unsafe partial class
            """ + " " + library.Identifier.Text + """

            {
                [global::Patchouly.Stencil] public static ulong DiffLoad(ulong* io, [global::Patchouly.Hole] int index) => io[index];
                [global::Patchouly.Stencil] public static void DiffStore(ulong value, ulong* io, [global::Patchouly.Hole] int index) { io[index] = value; }
                [global::Patchouly.Stencil] public static void DiffStoreAt(ulong value, [global::Patchouly.Hole] ulong* at) { *at = value; }
                [global::Patchouly.Stencil(ReturnsToCaller = true)] public static long DiffRet([global::Patchouly.Hole] long marker) => marker;
            }
            """;
    }

    /// <summary>Builds <paramref name="sources"/> (the library first) natively and as managed code.</summary>
    /// <param name="functions">Addresses given to function-pointer parameters and holes, by parameter name.</param>
    public static Harness Create(string[] sources, MemoryFill fill = MemoryFill.Random, Dictionary<string, nint>? functions = null)
    {
        var built = Pipeline.Build(sources.Append(SupportSource(sources[0])).ToArray());
        var library = built.LibraryType;
        var stencils = new List<StencilUnderTest>();
        foreach (var family in built.Model.Families)
        {
            if (family.Kind is not (Patchouly.Generators.Format.StencilFamilyKind.Normal or Patchouly.Generators.Format.StencilFamilyKind.Return) || family.Name.StartsWith("Diff", StringComparison.Ordinal)) continue;
            var method = library.GetMembers(family.Name).OfType<IMethodSymbol>().Single();
            var inputs = new List<(string, WordType)>();
            var holes = new List<(string, WordType)>();
            var outputs = new List<(string, WordType)>();
            int targets = 0;
            if (family.ReturnIsOutput || (family.Kind == Patchouly.Generators.Format.StencilFamilyKind.Return && !method.ReturnsVoid)) outputs.Add(("return", WordType.Of(method.ReturnType)));
            foreach (var p in method.Parameters)
            {
                var role = family.Parameters.Single(m => m.Name == p.Name).Role;
                switch (role)
                {
                    case ParameterRole.Input: inputs.Add((p.Name, WordType.Of(p.Type))); break;
                    case ParameterRole.Hole: holes.Add((p.Name, WordType.Of(p.Type))); break;
                    case ParameterRole.Target: targets++; break;
                    case ParameterRole.Output: outputs.Add((p.Name, WordType.Of(p.Type))); break;
                }
            }
            stencils.Add(new StencilUnderTest
            {
                Name = family.Name,
                Method = method,
                Family = family,
                Runtime = built.Library.GetFamily(family.Name),
                Inputs = inputs,
                Holes = holes,
                Targets = targets,
                Outputs = outputs,
            });
        }

        var wrappers = new StringBuilder("public static unsafe class __DiffWrappers\n{\n");
        foreach (var s in stencils) wrappers.Append(ManagedWrapper(library, s));
        wrappers.Append("}\n");
        var wrapperTree = CSharpSyntaxTree.ParseText(wrappers.ToString(), new CSharpParseOptions(LanguageVersion.Latest), path: "Wrappers.cs");

        // The specification: the same C#, with every method of the sources marked NoOptimization. The .NET 10 JIT's
        // optimizer has bugs of its own (see RegressionTests), which must not be mistaken for translation bugs.
        var specification = built.Compilation.RemoveAllSyntaxTrees()
            .AddSyntaxTrees(built.Compilation.SyntaxTrees.Select(t => t.WithRootAndOptions(new NoOptimization().Visit(t.GetRoot()), t.Options)))
            .AddSyntaxTrees(wrapperTree);
        var assembly = Pipeline.LoadManaged(specification);
        var optimized = Pipeline.LoadManaged(built.Compilation.AddSyntaxTrees(wrapperTree));
        var type = assembly.GetType("__DiffWrappers")!;
        var optimizedType = optimized.GetType("__DiffWrappers")!;
        foreach (var s in stencils)
        {
            s.Managed = (delegate*<ulong*, int>)type.GetMethod("call_" + s.Name)!.MethodHandle.GetFunctionPointer();
            s.Optimized = (delegate*<ulong*, int>)optimizedType.GetMethod("call_" + s.Name)!.MethodHandle.GetFunctionPointer();
        }
        return new Harness(built, assembly, optimized, stencils, fill, functions ?? new());
    }

    /// <summary>Adds [MethodImpl(MethodImplOptions.NoOptimization)] to every method.</summary>
    private sealed class NoOptimization : CSharpSyntaxRewriter
    {
        public override SyntaxNode? VisitMethodDeclaration(Microsoft.CodeAnalysis.CSharp.Syntax.MethodDeclarationSyntax node)
        {
            if (node.Body is null && node.ExpressionBody is null) return node;
            var attribute = SyntaxFactory.Attribute(SyntaxFactory.ParseName("global::System.Runtime.CompilerServices.MethodImpl"),
                SyntaxFactory.ParseAttributeArgumentList("(global::System.Runtime.CompilerServices.MethodImplOptions.NoOptimization)"));
            return node.AddAttributeLists(SyntaxFactory.AttributeList(SyntaxFactory.SingletonSeparatedList(attribute)));
        }
    }

    private static string ManagedWrapper(INamedTypeSymbol library, StencilUnderTest s)
    {
        var sb = new StringBuilder();
        sb.Append("    public static int call_").Append(s.Name).Append("(ulong* io)\n    {\n        unchecked\n        {\n");
        var args = new List<string>();
        int input = 0, hole = 0, target = 0, output = s.Outputs.Count > 0 && s.Outputs[0].Name == "return" ? 1 : 0;
        var outs = new List<(string Local, int Index, WordType Type)>();
        foreach (var p in s.Method.Parameters)
        {
            var role = s.Family.Parameters.Single(m => m.Name == p.Name).Role;
            switch (role)
            {
                case ParameterRole.Input:
                    args.Add(s.Inputs[input].Type.FromWord("io[" + input++ + "]"));
                    break;
                case ParameterRole.Hole:
                    args.Add(s.Holes[hole].Type.FromWord("io[" + (HoleBase + hole++) + "]"));
                    break;
                case ParameterRole.Target:
                    args.Add("new global::Patchouly.Target(" + target++ + ")");
                    break;
                case ParameterRole.Output:
                    var type = s.Outputs[output];
                    sb.Append("            ").Append(type.Type.CSharp).Append(" o_").Append(output).Append(";\n");
                    args.Add("out o_" + output);
                    outs.Add(("o_" + output, output, type.Type));
                    output++;
                    break;
            }
        }
        string call = "global::" + library.ToDisplayString() + "." + s.Name + "(" + string.Join(", ", args) + ")";
        bool returnsTarget = s.Family.ReturnsTarget;
        if (s.Method.ReturnsVoid) sb.Append("            ").Append(call).Append(";\n");
        else sb.Append("            var r = ").Append(call).Append(";\n");
        if (!s.Method.ReturnsVoid && !returnsTarget)
            sb.Append("            io[").Append(OutputBase).Append("] = ").Append(s.Outputs[0].Type.ToWord("r")).Append(";\n");
        foreach (var (local, index, type) in outs)
            sb.Append("            io[").Append(OutputBase + index).Append("] = ").Append(type.ToWord(local)).Append(";\n");
        sb.Append(returnsTarget ? "            return r.Id;\n" : "            return -1;\n");
        sb.Append("        }\n    }\n");
        return sb.ToString();
    }

    // ------------------------------------------------------------------ one case

    private nint Resolve(Arg arg, bool native) =>
        arg.IsBuffer ? (nint)((native ? _nativeBuffers : _managedBuffers)[arg.Buffer] + arg.Offset) : (nint)arg.Word;

    private void FillBuffers(int seed)
    {
        var random = new Random(seed);
        for (int i = 0; i < BufferCount; i++)
        {
            for (int b = 0; b < BufferBytes; b++)
            {
                byte v = Fill == MemoryFill.Bits ? (byte)random.Next(2) : (byte)random.Next(256);
                _managedBuffers[i][b] = v;
                _nativeBuffers[i][b] = v;
            }
        }
    }

    /// <summary>The argument for a parameter: a buffer for data pointers, a known function for function pointers, else the word.</summary>
    public Arg ArgFor(string name, WordType type, ulong word, Random random) => type.Kind switch
    {
        WordKind.Pointer => new Arg(0, random.Next(BufferCount), 256 + (random.Next(4) == 0 ? random.Next(1, 8) : 0)),
        WordKind.FunctionPointer => new Arg((ulong)_functions[name]),
        _ => new Arg(word),
    };

    /// <summary>Random arguments (inputs, then holes) for a stencil.</summary>
    public (Arg[] Inputs, Arg[] Holes) RandomArgs(StencilUnderTest s, Random random) =>
        (s.Inputs.Select(i => ArgFor(i.Name, i.Type, Values.Random(i.Type, random), random)).ToArray(),
         s.Holes.Select(h => ArgFor(h.Name, h.Type, Values.RandomHole(h.Type, random), random)).ToArray());

    /// <summary>A random placement: each input in a register or a stack slot, outputs in distinct locations.</summary>
    public Placement RandomPlacement(StencilUnderTest s, Random random)
    {
        int registers = Library.Registers;
        var inputs = new Location[s.Inputs.Count];
        var usedSlots = new HashSet<int>();
        for (int i = 0; i < inputs.Length; i++)
        {
            // Inputs in distinct locations (two inputs in one register would have to hold the same value).
            var taken = inputs.Take(i).ToHashSet();
            var free = Enumerable.Range(0, registers).Select(Location.Register).Where(l => !taken.Contains(l)).ToList();
            inputs[i] = free.Count > 0 && random.Next(3) != 0 ? free[random.Next(free.Count)] : Slot(random, usedSlots);
        }
        var outputs = new Location[s.ReturnsToCaller ? 0 : s.Outputs.Count];
        for (int o = 0; o < outputs.Length; o++)
        {
            var taken = outputs.Take(o).ToHashSet();
            var free = Enumerable.Range(0, registers).Select(Location.Register).Where(l => !taken.Contains(l)).ToList();
            if (free.Count > 0 && random.Next(3) != 0) outputs[o] = free[random.Next(free.Count)];
            else if (random.Next(3) == 0 && inputs.Where(l => l.IsStack && !taken.Contains(l)).ToList() is { Count: > 0 } reuse) outputs[o] = reuse[random.Next(reuse.Count)];
            else outputs[o] = Slot(random, usedSlots);
        }
        bool fromParameters = s.Inputs.Count <= Math.Min(registers, FunctionBuilder.MaxParameters) && random.Next(3) == 0;
        return new Placement(inputs, outputs, fromParameters);
    }

    private static Location Slot(Random random, HashSet<int> used)
    {
        int slot;
        do slot = random.Next(0, 12); while (!used.Add(slot));
        return Location.Stack(slot);
    }

    private static readonly string? s_trace = Environment.GetEnvironmentVariable("PATCHOULY_DIFF_TRACE");
    private static readonly bool s_skipOptimized = Environment.GetEnvironmentVariable("PATCHOULY_DIFF_NO_OPTIMIZED") == "1";

    private static void Trace(string what, StencilUnderTest s, Arg[] inputs, Arg[] holes, Placement placement)
    {
        if (s_trace is not null)
            System.IO.File.AppendAllText(s_trace, $"{what}: {s.Family.Signature} inputs ({string.Join(", ", inputs)}) holes ({string.Join(", ", holes)}) {placement}\n");
    }

    private int _compiled;

    /// <summary>Number of functions compiled so far.</summary>
    public int CompiledFunctions => _compiled;

    /// <summary>Emits and compiles the native test function for a stencil, its holes and a placement.</summary>
    public CompiledFunction Compile(StencilUnderTest s, Arg[] holes, Placement placement)
    {
        int registers = Library.Registers;
        Trace("compile", s, [], holes, placement);
        var emit = new Emitter(Library);
        var b = new FunctionBuilder(Library, placement.FromParameters ? placement.Inputs.Length : 1);
        var outputSet = placement.Outputs.ToHashSet();
        var holeWords = holes.Select((h, i) => s.Holes[i].Type.HoleBits((ulong)Resolve(h, native: true))).ToArray();
        if (placement.FromParameters)
        {
            // Arguments arrive in r0..rN-1: stage them on the stack, then move each to its place.
            for (int i = 0; i < placement.Inputs.Length; i++) b.Move(Location.Register(i), Location.Stack(StagingSlot + i));
            for (int i = 0; i < placement.Inputs.Length; i++) b.Move(Location.Stack(StagingSlot + i), placement.Inputs[i]);
        }
        else
        {
            b.Move(Location.Register(0), Location.Stack(IoSlot));
            // Registers that are neither inputs nor outputs get a known value first; inputs are loaded from the block.
            for (int r = 0; r < registers; r++)
                emit.Load(b, Location.Register(r), BeforeBase + r);
            for (int i = 0; i < placement.Inputs.Length; i++)
                emit.Load(b, placement.Inputs[i], i);
        }

        var blocks = Enumerable.Range(0, s.Targets).Select(_ => b.NewBlock()).ToArray();
        b.Emit(s.Runtime, placement.Inputs, placement.Outputs, holeWords, blocks);
        if (s.ReturnsToCaller)
        {
            foreach (var block in blocks) b.StartBlock(block);
        }
        else
        {
            Epilogue(-1);
            for (int t = 0; t < blocks.Length; t++)
            {
                b.StartBlock(blocks[t]);
                Epilogue(t);
            }
        }
        _compiled++;
        return b.Compile();

        void Epilogue(int marker)
        {
            for (int o = 0; o < placement.Outputs.Length; o++)
            {
                if (placement.FromParameters) emit.StoreAt(b, placement.Outputs[o], (ulong)(nuint)(_ioNative + OutputBase + o));
                else emit.Store(b, placement.Outputs[o], OutputBase + o);
            }
            if (!placement.FromParameters)
            {
                for (int r = 0; r < registers; r++)
                    if (!outputSet.Contains(Location.Register(r))) emit.Store(b, Location.Register(r), AfterBase + r);
            }
            b.Emit(emit.Ret, [], [], [unchecked((ulong)(long)marker)]);
        }
    }

    /// <summary>The support stencils.</summary>
    private sealed class Emitter(StencilLibrary library)
    {
        private readonly StencilFamily _load = library.GetFamily("DiffLoad"), _store = library.GetFamily("DiffStore"), _storeAt = library.GetFamily("DiffStoreAt");
        public StencilFamily Ret { get; } = library.GetFamily("DiffRet");

        public void Load(FunctionBuilder b, Location to, int index) =>
            b.Emit(_load, [Location.Stack(IoSlot)], [to], [(ulong)(uint)index]);

        public void Store(FunctionBuilder b, Location from, int index) =>
            b.Emit(_store, [from, Location.Stack(IoSlot)], [], [(ulong)(uint)index]);

        public void StoreAt(FunctionBuilder b, Location from, ulong address) =>
            b.Emit(_storeAt, [from], [], [address]);
    }

    /// <summary>
    /// Runs one case on both sides and returns the differences (none when they agree), or null when the managed stencil
    /// throws (where the native stencil would trap, so it is not run).
    /// </summary>
    public List<Mismatch>? Run(StencilUnderTest s, Arg[] inputs, Arg[] holes, Placement placement, CompiledFunction function, int seed)
    {
        int registers = Library.Registers;
        FillBuffers(seed);
        new Span<ulong>(_ioManaged, IoWords).Clear();
        new Span<ulong>(_ioNative, IoWords).Clear();
        for (int i = 0; i < inputs.Length; i++)
        {
            _ioManaged[i] = (ulong)Resolve(inputs[i], native: false);
            _ioNative[i] = (ulong)Resolve(inputs[i], native: true);
        }
        for (int h = 0; h < holes.Length; h++) _ioManaged[HoleBase + h] = (ulong)Resolve(holes[h], native: false);
        for (int r = 0; r < registers; r++) _ioNative[BeforeBase + r] = 0xC0DE_0000_0000_0000UL + (ulong)r * 0x1111;

        Trace("managed", s, inputs, holes, placement);
        // The optimized managed code first, for information only (its memory effects are overwritten by the refill).
        ulong[]? optimizedOutputs = null;
        string? optimizedThrew = null;
        int optimizedTarget = 0;
        if (!s_skipOptimized) try
        {
            optimizedTarget = s.Optimized(_ioManaged);
            optimizedOutputs = new ReadOnlySpan<ulong>(_ioManaged + OutputBase, 8).ToArray();
        }
        catch (Exception e)
        {
            optimizedThrew = e.GetType().Name;
        }
        FillBuffers(seed);

        int expectedTarget;
        try
        {
            expectedTarget = s.Managed(_ioManaged);
        }
        catch (Exception e) when (e is ArithmeticException or ArgumentException or NotSupportedException)
        {
            return null;
        }
        catch (InvalidProgramException)
        {
            // The .NET 10 JIT folds long.Log2 (and friends) of a negative constant into an invalid program instead of
            // throwing ArgumentOutOfRangeException: a throw all the same (the native code traps there).
            return null;
        }

        // A native crash takes the test process down: PATCHOULY_DIFF_TRACE names a file that always holds the case being run.
        Trace("native", s, inputs, holes, placement);
        long result;
        if (placement.FromParameters)
        {
            var a = inputs.Select(i => (long)Resolve(i, native: true)).Concat(Enumerable.Repeat(0L, 6)).ToArray();
            result = inputs.Length switch
            {
                0 => function.Invoke(),
                1 => function.Invoke(a[0]),
                2 => function.Invoke(a[0], a[1]),
                3 => function.Invoke(a[0], a[1], a[2]),
                4 => function.Invoke(a[0], a[1], a[2], a[3]),
                5 => function.Invoke(a[0], a[1], a[2], a[3], a[4]),
                _ => function.Invoke(a[0], a[1], a[2], a[3], a[4], a[5]),
            };
        }
        else
        {
            result = function.Invoke((long)_ioNative);
        }

        var mismatches = new List<Mismatch>();
        if (optimizedThrew is not null)
            JitDisagreements.Add($"{s.Family.Signature}: the optimized JIT throws {optimizedThrew} where unoptimized C# does not, on inputs ({string.Join(", ", inputs)}) holes ({string.Join(", ", holes)})");
        if (optimizedOutputs is not null)
        {
            bool same = optimizedTarget == expectedTarget;
            for (int o = 0; o < s.Outputs.Count && same; o++) same = s.Outputs[o].Type.Same(_ioManaged[OutputBase + o], optimizedOutputs[o]);
            if (!same) JitDisagreements.Add($"{s.Family.Signature}: the optimized JIT differs from unoptimized C# on inputs ({string.Join(", ", inputs)}) holes ({string.Join(", ", holes)})");
        }
        string Describe() =>
            $"{s.Family.Signature} with inputs ({string.Join(", ", inputs.Select((x, i) => s.Inputs[i].Name + " = " + (x.IsBuffer ? x.ToString() : s.Inputs[i].Type.Show(x.Word))))})"
            + $" holes ({string.Join(", ", holes.Select((x, i) => s.Holes[i].Name + " = " + (x.IsBuffer ? x.ToString() : s.Holes[i].Type.Show(x.Word))))}) {placement}";

        if (s.ReturnsToCaller)
        {
            if (s.Outputs.Count > 0)
            {
                var type = s.Outputs[0].Type;
                ulong expected = _ioManaged[OutputBase], actual = (ulong)result;
                if (!SameWord(type, expected, actual))
                    mismatches.Add(new(s.Name, $"{Describe()}: returns {type.Show(expected)} in C#, {type.Show(actual)} natively"));
            }
        }
        else
        {
            if (expectedTarget != (int)result)
                mismatches.Add(new(s.Name, $"{Describe()}: continues at {Target(expectedTarget)} in C#, at {Target((int)result)} natively"));
            // Leaving through a cold target, the outputs are unspecified.
            for (int o = 0; o < s.Outputs.Count && !s.IsColdTarget(expectedTarget); o++)
            {
                var type = s.Outputs[o].Type;
                ulong expected = _ioManaged[OutputBase + o], actual = _ioNative[OutputBase + o];
                if (!SameWord(type, expected, actual))
                    mismatches.Add(new(s.Name, $"{Describe()}: output '{s.Outputs[o].Name}' is {type.Show(expected)} in C#, {type.Show(actual)} natively"));
            }
            if (!placement.FromParameters)
            {
                var outputs = placement.Outputs.ToHashSet();
                for (int r = 0; r < registers; r++)
                {
                    if (outputs.Contains(Location.Register(r))) continue;
                    int input = Array.IndexOf(placement.Inputs, Location.Register(r));
                    ulong before = input >= 0 ? _ioNative[input] : _ioNative[BeforeBase + r];
                    if (_ioNative[AfterBase + r] != before)
                        mismatches.Add(new(s.Name, $"{Describe()}: register r{r} changed from 0x{before:X} to 0x{_ioNative[AfterBase + r]:X}"));
                }
            }
        }

        for (int i = 0; i < BufferCount; i++)
        {
            if (new ReadOnlySpan<byte>(_managedBuffers[i], BufferBytes).SequenceEqual(new ReadOnlySpan<byte>(_nativeBuffers[i], BufferBytes))) continue;
            // Pointers stored into memory differ by the distance between the two sides' buffers: compare those relative to them.
            for (int b = 0; b < BufferBytes; b++)
            {
                if (_managedBuffers[i][b] == _nativeBuffers[i][b]) continue;
                // A pointer stored at any (possibly unaligned) address covering this byte?
                int pointerAt = -1;
                for (int start = Math.Max(0, b - 7); start <= b && start + 8 <= BufferBytes && pointerAt < 0; start++)
                    if (IsSamePointer(*(ulong*)(_managedBuffers[i] + start), *(ulong*)(_nativeBuffers[i] + start))) pointerAt = start;
                if (pointerAt >= 0) { b = pointerAt + 7; continue; }
                mismatches.Add(new(s.Name, $"{Describe()}: buffer{i}[{b - 256}] is {_managedBuffers[i][b]} after C#, {_nativeBuffers[i][b]} natively"));
                break;
            }
        }
        return mismatches;

        string Target(int t) => t < 0 ? "the next stencil" : "target " + t;
    }

    private bool SameWord(WordType type, ulong expected, ulong actual) =>
        type.Same(expected, actual) || (type.Kind == WordKind.Pointer && IsSamePointer(expected, actual));

    private bool IsSamePointer(ulong managed, ulong native)
    {
        for (int i = 0; i < BufferCount; i++)
        {
            ulong m = managed - (ulong)_managedBuffers[i], n = native - (ulong)_nativeBuffers[i];
            if (m == n && m <= BufferBytes) return true;
        }
        return false;
    }

    /// <summary>
    /// Runs <paramref name="functionsPerStencil"/> placements (each with random holes) and <paramref name="inputsPerFunction"/>
    /// input sets per placement for every stencil (or those in <paramref name="only"/>).
    /// </summary>
    public Outcome RunAll(int seed, int functionsPerStencil, int inputsPerFunction, Func<StencilUnderTest, bool>? only = null, int maxMismatches = 20)
    {
        var outcome = new Outcome();
        foreach (var s in Stencils)
        {
            if (only is not null && !only(s)) continue;
            // One generator per stencil, so that selecting stencils does not change their cases.
            var random = new Random(seed ^ s.Name.Aggregate(17, (h, c) => h * 31 + c));
            outcome.Stencils++;
            for (int f = 0; f < functionsPerStencil; f++)
            {
                var (_, holes) = RandomArgs(s, random);
                var placement = RandomPlacement(s, random);
                if (s.Holes.Select((h, i) => h.Type.HoleBits((ulong)Resolve(holes[i], true))).Any(w => w > int.MaxValue)) outcome.WideFunctions++;
                using var function = Compile(s, holes, placement);
                outcome.Functions++;
                for (int k = 0; k < inputsPerFunction; k++)
                {
                    var (inputs, _) = RandomArgs(s, random);
                    var mismatches = Run(s, inputs, holes, placement, function, random.Next());
                    if (mismatches is null)
                    {
                        outcome.Skipped++;
                        continue;
                    }
                    outcome.Cases++;
                    if (mismatches.Count > 0)
                    {
                        outcome.MismatchedCases++;
                        if (outcome.Mismatches.Count < maxMismatches) outcome.Mismatches.AddRange(mismatches);
                    }
                }
            }
        }
        return outcome;
    }

    public void Dispose()
    {
        GC.KeepAlive(_managed);
        GC.KeepAlive(_optimized);
        NativeMemory.AlignedFree(_ioManaged);
        NativeMemory.AlignedFree(_ioNative);
        for (int i = 0; i < BufferCount; i++)
        {
            NativeMemory.AlignedFree(_managedBuffers[i]);
            NativeMemory.AlignedFree(_nativeBuffers[i]);
        }
    }
}

/// <summary>Counts of a differential run.</summary>
internal sealed class Outcome
{
    public int Stencils, Functions, WideFunctions, Cases, Skipped, MismatchedCases;
    public List<Mismatch> Mismatches { get; } = new();

    public string Summary => $"{Stencils} stencils, {Functions} compiled functions ({WideFunctions} with a hole value wider than 31 bits), {Cases} cases compared, {Skipped} skipped (C# throws), {MismatchedCases} mismatched";

    public string Report(string? source = null) =>
        Summary + "\n" + string.Join("\n", Mismatches.Select(m => "  " + m.Description)) + (source is null ? "" : "\n");
}
