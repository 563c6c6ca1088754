namespace Patchouly.Samples.Bf.Ir;

/// <summary>Finds a loop's entry test, for the passes that rewrite a loop around its back edge.</summary>
internal static class LoopEntry
{
    /// <summary>
    /// The index of the <see cref="OpKind.LoopBegin"/> of the loop whose <see cref="OpKind.LoopEnd"/> is at
    /// <paramref name="loopEnd"/>, found by walking back from <paramref name="bodyStart"/> (where its back edge jumps,
    /// possibly past leading checks) over checks only; -1 when there is none (the loop is entered unconditionally, or
    /// something else lies between).
    /// </summary>
    public static int Find(Op[] ops, int bodyStart, int loopEnd)
    {
        int b = bodyStart - 1;
        while (b >= 0 && ops[b].Kind is OpKind.Check or OpKind.CheckNonZero) b--;
        return b >= 0 && ops[b].Kind == OpKind.LoopBegin && ops[b].Arg == loopEnd + 1 ? b : -1;
    }
}
