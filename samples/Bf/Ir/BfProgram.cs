using System;
using System.Globalization;
using System.Text;

namespace Patchouly.Samples.Bf.Ir;

/// <summary>A parsed and optimised program: the linear IR every engine runs.</summary>
public sealed class BfProgram
{
    internal BfProgram(Op[] ops, int tokenCount, int sourceLength)
    {
        Ops = ops;
        TokenCount = tokenCount;
        SourceLength = sourceLength;
    }

    /// <summary>The operations; the last one is <see cref="OpKind.End"/>.</summary>
    public Op[] Ops { get; }

    /// <summary>The number of run-length folded commands the source had.</summary>
    public int TokenCount { get; }

    /// <summary>The length of the source text.</summary>
    public int SourceLength { get; }

    /// <summary>The number of IR operations.</summary>
    public int Count => Ops.Length;

    /// <summary>
    /// The deepest nesting of loops that repeat (a <see cref="OpKind.LoopEnd"/> jumping back): 0 for straight-line
    /// code and for loops that run at most once, like the <c>[[[-]]]</c> of a dead switch.
    /// </summary>
    public int LoopDepth => _loopDepth >= 0 ? _loopDepth : _loopDepth = DeepestLoop(Ops);

    private int _loopDepth = -1; // computed on first use

    private static int DeepestLoop(Op[] ops)
    {
        // Each back-edge at e to t makes the loop [t, e]; the loops of a bracketed program nest, so the depth is the
        // largest number of them covering one op.
        var delta = new int[ops.Length + 1];
        for (int e = 0; e < ops.Length; e++)
        {
            if (ops[e].Kind != OpKind.LoopEnd) continue;
            delta[ops[e].Arg]++;
            delta[e + 1]--;
        }
        int depth = 0, deepest = 0;
        foreach (int d in delta) deepest = Math.Max(deepest, depth += d);
        return deepest;
    }

    /// <summary>How many operations of <paramref name="kind"/> there are.</summary>
    public int CountOf(OpKind kind)
    {
        int n = 0;
        foreach (var op in Ops)
            if (op.Kind == kind) n++;
        return n;
    }

    /// <summary>The deepest indentation of <see cref="Dump"/>; deeper lines say their depth instead.</summary>
    public const int MaxDumpIndent = 40;

    /// <summary>
    /// One line per operation: <c>index: op</c>, indented by loop depth (up to <see cref="MaxDumpIndent"/> levels, so
    /// that a million nested loops do not make the dump quadratic in size).
    /// </summary>
    public string Dump()
    {
        var sb = new StringBuilder();
        int depth = 0;
        for (int i = 0; i < Ops.Length; i++)
        {
            if (Ops[i].Kind == OpKind.LoopEnd) depth--;
            sb.Append(i.ToString(CultureInfo.InvariantCulture).PadLeft(6)).Append(": ").Append(' ', 2 * Math.Clamp(depth, 0, MaxDumpIndent));
            if (depth > MaxDumpIndent) sb.Append("(depth ").Append(depth.ToString(CultureInfo.InvariantCulture)).Append(") ");
            sb.AppendLine(Ops[i].ToString());
            if (Ops[i].Kind == OpKind.LoopBegin) depth++;
        }
        return sb.ToString();
    }

    /// <summary>Counts by kind, e.g. <c>add 120, set 31, ...</c>.</summary>
    public string Summary()
    {
        var sb = new StringBuilder();
        foreach (OpKind kind in Enum.GetValues<OpKind>())
        {
            int n = CountOf(kind);
            if (n == 0) continue;
            if (sb.Length > 0) sb.Append(", ");
            sb.Append(kind.ToString().ToLowerInvariant()).Append(' ').Append(n.ToString(CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }
}
