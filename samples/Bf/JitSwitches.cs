using System;

namespace Patchouly.Samples.Bf;

/// <summary>
/// The JIT's optimisation switches for A/B runs, each on unless its environment variable is <c>0</c>: read once (a
/// native environment lookup costs a noticeable part of a 70 µs compile), again after <see cref="Reload"/>, which
/// <c>Bf --ab</c> calls after changing a variable.
/// </summary>
internal static class JitSwitches
{
    static JitSwitches() => Reload();

    /// <summary><c>PATCHOULY_BF_ELIDE_CHECKS</c>: <see cref="Ir.RepeatedCheckElision"/>.</summary>
    public static bool ElideChecks { get; private set; }

    /// <summary><c>PATCHOULY_BF_DEFER_CHECKS</c>: <see cref="Ir.BackEdgeCheckDeferral"/>.</summary>
    public static bool DeferChecks { get; private set; }

    /// <summary><c>PATCHOULY_BF_PEEL_SHIFTS</c>: <see cref="Ir.ShiftLoopPeeling"/>.</summary>
    public static bool PeelShifts { get; private set; }

    /// <summary><c>PATCHOULY_BF_CHAIN_COMPARE</c>: test chains compare the loaded cell with constants.</summary>
    public static bool ChainCompare { get; private set; }

    /// <summary><c>PATCHOULY_BF_CELL_CACHE</c>: cells read twice in a run live in registers.</summary>
    public static bool CellCache { get; private set; }

    /// <summary><c>PATCHOULY_BF_SCAN_HOLES</c>: scans use <c>ScanBy</c>.</summary>
    public static bool ScanHoles { get; private set; }

    /// <summary><c>PATCHOULY_BF_LOOP_CELLS</c>: innermost loops keep their cells in registers across the back edge.</summary>
    public static bool LoopCells { get; private set; }

    /// <summary><c>PATCHOULY_BF_REG_IF_NONZERO</c>: a conditional check's cold half tests a cached counter.</summary>
    public static bool RegIfNonZero { get; private set; }

    /// <summary>Reads the variables again.</summary>
    public static void Reload()
    {
        ElideChecks = On("PATCHOULY_BF_ELIDE_CHECKS");
        DeferChecks = On("PATCHOULY_BF_DEFER_CHECKS");
        PeelShifts = On("PATCHOULY_BF_PEEL_SHIFTS");
        ChainCompare = On("PATCHOULY_BF_CHAIN_COMPARE");
        CellCache = On("PATCHOULY_BF_CELL_CACHE");
        ScanHoles = On("PATCHOULY_BF_SCAN_HOLES");
        LoopCells = On("PATCHOULY_BF_LOOP_CELLS");
        RegIfNonZero = On("PATCHOULY_BF_REG_IF_NONZERO");
    }

    private static bool On(string variable) => Environment.GetEnvironmentVariable(variable) != "0";
}
