using Patchouly.Runtime.Internal;
using Patchouly.Runtime.Tables;

namespace Patchouly.Runtime.Linking;

/// <summary>
/// Where everything is in a compiled function's code: the entry shim, each stencil with its locations, each block,
/// each trampoline and GOT entry. Used for disassembly and perf maps. Offsets are relative to the start of the allocation (the
/// module's, for a function of a <see cref="JitModule"/>), except the stencils' and blocks', which are relative to the body.
/// </summary>
internal sealed class FunctionMap
{
    private int[]? _log;
    private readonly int _logLength;
    private bool _logPooled;
    private StencilRecord[]? _stencils;
    private Location[]? _locations;
    private (int Offset, int Block)[]? _blocks;
    private BlockState[]? _blockStates;
    private int[]? _blockOrder;
    private readonly int _blockCount;
    private readonly int _coldStart;
    private bool _blocksPooled;

    /// <summary>
    /// Creates the map from a builder's stencil log (offset, variant, locations per stencil: the first
    /// <paramref name="logLength"/> elements of <paramref name="log"/>) and its blocks (the states of the blocks and the
    /// first <paramref name="blockCount"/> elements of <paramref name="blockOrder"/>, block numbers in start order), which
    /// the map reads when first used but does not copy (a 1 MiB function has 10,000 blocks, and laying them out at once
    /// cost a large array of fresh memory on every compile). Offsets are emit-time ones: those of cold code (from
    /// 2^30 on) move to <paramref name="coldStart"/> and after, and cold stencils and blocks follow the hot ones.
    /// </summary>
    public FunctionMap(LibraryPlan plan, int[] log, int logLength, BlockState[] blockStates, int[] blockOrder, int blockCount, int coldStart, string name)
    {
        Plan = plan;
        _log = log;
        _logLength = logLength;
        _blockStates = blockStates;
        _blockOrder = blockOrder;
        _blockCount = blockCount;
        _coldStart = coldStart;
        Name = name;
    }

    /// <summary>Makes the map the owner of its block arrays, rented from the shared array pools: <see cref="ReleaseLog"/> returns them.</summary>
    public void OwnPooledBlocks() => _blocksPooled = true;

    /// <summary>
    /// Makes the map the owner of its log array, rented from <see cref="System.Buffers.ArrayPool{T}.Shared"/> (the
    /// builder handed it over instead of copying it): <see cref="ReleaseLog"/> returns it.
    /// </summary>
    public void OwnPooledLog() => _logPooled = true;

    /// <summary>
    /// Returns a pooled log to the pool (when the function is disposed); the stencils can no longer be decoded unless
    /// they were already.
    /// </summary>
    public void ReleaseLog()
    {
        int[]? log = System.Threading.Interlocked.Exchange(ref _log, null);
        if (log is not null && _logPooled) System.Buffers.ArrayPool<int>.Shared.Return(log);
        var states = System.Threading.Interlocked.Exchange(ref _blockStates, null);
        var order = System.Threading.Interlocked.Exchange(ref _blockOrder, null);
        if (!_blocksPooled) return;
        if (states is { Length: > 0 }) System.Buffers.ArrayPool<BlockState>.Shared.Return(states);
        if (order is { Length: > 0 }) System.Buffers.ArrayPool<int>.Shared.Return(order);
    }

    /// <summary>
    /// Returns the log and block arrays to the pools for good (<see cref="JitModule.KeepStencilMaps"/> false): the map
    /// keeps only the offsets, and decoding the stencils or blocks afterwards throws <see cref="System.InvalidOperationException"/>.
    /// </summary>
    public void Discard()
    {
        _discarded = true;
        ReleaseLog();
    }

    private bool _discarded;

    private System.Exception Gone(string what) => _discarded
        ? new System.InvalidOperationException($"Function {Name} was compiled without its stencil map (JitModule.KeepStencilMaps was false), so its {what} cannot be listed; keep the maps to disassemble it.")
        : new System.ObjectDisposedException(Name, $"The function was disposed; its {what} map is gone.");

    /// <summary>The plan of the library (resolves a record's variant to its family).</summary>
    public LibraryPlan Plan { get; }

    /// <summary>The emitted stencils in order; offsets are relative to the body. Decoded from the log on first use.</summary>
    public StencilRecord[] Stencils
    {
        get
        {
            if (_stencils is null) Decode();
            return _stencils!;
        }
    }

    /// <summary>All stencils' locations (inputs then outputs), indexed by <see cref="StencilRecord.LocationStart"/>.</summary>
    public Location[] Locations
    {
        get
        {
            if (_locations is null) Decode();
            return _locations!;
        }
    }

    private void Decode()
    {
        int[] log = _log ?? throw Gone("stencil");
        var stencils = new System.Collections.Generic.List<StencilRecord>();
        var locations = new System.Collections.Generic.List<Location>();
        // Hot stencils, then cold ones, each in emit order (which is their order in their segment).
        for (int pass = _coldStart < 0 ? 1 : 0; pass < 2; pass++)
        {
            for (int at = 0; at + 1 < _logLength;)
            {
                int offset = log[at], variant = log[at + 1];
                var family = Plan.FamilyOf(variant);
                int values = family.Inputs + family.Outputs;
                if (_coldStart < 0 || (offset >= FunctionBuilder.ColdSegment) == (pass == 1))
                {
                    stencils.Add(new StencilRecord(FunctionBuilder.Final(offset, _coldStart), variant, locations.Count));
                    for (int i = 0; i < values; i++)
                        locations.Add(System.Runtime.CompilerServices.Unsafe.As<int, Location>(ref log[at + 2 + i]));
                }
                at += 2 + values;
            }
        }
        _locations = locations.ToArray();
        _stencils = stencils.ToArray();
    }

    /// <summary>The started blocks in start order, with body-relative offsets. Laid out on first use.</summary>
    /// <exception cref="System.ObjectDisposedException">The function was disposed before they were first used.</exception>
    public (int Offset, int Block)[] Blocks => _blocks ??= LayOutBlocks();

    private (int Offset, int Block)[] LayOutBlocks()
    {
        var states = _blockStates;
        var order = _blockOrder;
        if (states is null || order is null) throw Gone("block");
        var layout = new (int, int)[_blockCount];
        int n = 0;
        // Hot blocks, then cold ones, each in start order (which is their order in their segment).
        for (int pass = _coldStart < 0 ? 1 : 0; pass < 2; pass++)
        {
            for (int i = 0; i < layout.Length; i++)
            {
                int b = order[i], offset = states[b].Offset;
                if (_coldStart < 0 || (offset >= FunctionBuilder.ColdSegment) == (pass == 1))
                    layout[n++] = (FunctionBuilder.Final(offset, _coldStart), b);
            }
        }
        return layout;
    }

    /// <summary>The function's name.</summary>
    public string Name { get; }

    /// <summary>The entry shim's family.</summary>
    public StencilFamily Entry => Plan.Library.EntryFamily;

    /// <summary>Offset of the entry shim in the allocation.</summary>
    public int EntryOffset { get; set; }

    /// <summary>Length of the entry shim in bytes.</summary>
    public int EntryLength { get; set; }

    /// <summary>Offset of the body in the allocation.</summary>
    public int BodyOffset { get; set; }

    /// <summary>Length of the body.</summary>
    public int BodyLength { get; set; }

    /// <summary>Offset (in the allocation) of each trampoline this function's calls use, and the absolute address it jumps to.</summary>
    public (int Offset, ulong Destination)[] Trampolines { get; set; } = [];

    /// <summary>Offset (in the allocation) and value of each GOT entry this function's GOT loads read (AArch64).</summary>
    public (int Offset, ulong Value)[] GotEntries { get; set; } = [];

    /// <summary>The family of a stencil record.</summary>
    public StencilFamily FamilyOf(in StencilRecord record) => Plan.FamilyOf(record.Variant);

    /// <summary>True when the record's variant is a wide one.</summary>
    public bool IsWide(in StencilRecord record)
    {
        var family = FamilyOf(record);
        return record.Variant - family.FirstVariant >= family.NarrowSlots;
    }

    /// <summary>
    /// True when stencil <paramref name="index"/>'s trailing jump was dropped (its code is shorter than its variant's:
    /// by the jump, or by more when its final branch pair became one conditional branch).
    /// </summary>
    public bool TailDropped(int index) =>
        (Plan.Variant(Stencils[index].Variant).Flags & PlanFlags.HasTail) != 0
        && StencilLength(index) <= Plan.Variant(Stencils[index].Variant).Length - Plan.TailJumpLength;

    /// <summary>The length of stencil <paramref name="index"/>'s code in the body (after any dropped trailing jump).</summary>
    public int StencilLength(int index) =>
        (index + 1 < Stencils.Length ? Stencils[index + 1].Offset : BodyLength) - Stencils[index].Offset;
}
