using System;
using System.Globalization;
using System.Text;
using System.Threading;
using Patchouly.Runtime.Internal;
using Patchouly.Runtime.Linking;
using Patchouly.Runtime.Tables;

namespace Patchouly.Runtime;

/// <summary>
/// Builds one JIT-compiled function from the stencils of a <see cref="StencilLibrary"/>: each
/// <see cref="Emit"/> copies the variant for the given locations and patches its holes, stack slots and jumps;
/// <see cref="Compile"/> adds the entry shim and makes the code executable.
/// </summary>
/// <remarks>
/// <para>Code is laid out in emit order. Control enters at the first emitted code (the function's parameters are in
/// registers 0..<see cref="ParameterCount"/>−1); a block begins wherever <see cref="StartBlock"/> is called, so blocks are
/// placed in the order they are started. A stencil that continues "next" falls into whatever is emitted after it.</para>
/// <para>Fall-through elision: when a stencil ends with a jump to the code that ends up right after it (the next
/// stencil, or a block started right after it), the 5-byte jump is dropped. The decision waits until the following
/// code is known, so jumps to "next" from the middle of a stencil are patched to the final position.</para>
/// <para>A builder is not thread-safe. Every error is a typed exception thrown before the builder changes, so a failed
/// call can be corrected and retried.</para>
/// </remarks>
public sealed class FunctionBuilder
{
    /// <summary>The largest number of stack slots a function may use (slot numbers 0..16383).</summary>
    public const int MaxStackSlots = 16384;

    /// <summary>The largest size of a function's code in bytes (1 GiB), so every rel32 branch inside it reaches.</summary>
    public const int MaxCodeSize = 1 << 30;

    /// <summary>The largest number of parameters (the entry shim passes six C arguments).</summary>
    public const int MaxParameters = 6;

    private static int s_lastId;

    private int _id;
    private readonly StencilLibrary _library;
    private readonly int _registers;
    private readonly int _parameterCount;

    private PooledList<byte> _code;
    private PooledList<StencilRecord> _records;
    private PooledList<Location> _locations;
    private PooledList<BlockState> _blocks;
    private PooledList<int> _blockOrder;
    private PooledList<Fixup> _fixups;
    private PooledList<NextFixup> _pendingNext;
    private PooledList<int> _blocksHere;
    private PooledList<CallSite> _callSites;
    private PendingTail _tail;
    private bool _hasTail;
    private int _frameSlots;
    private bool _compiled;

    /// <summary>Creates a builder for a function of <paramref name="library"/>'s stencils.</summary>
    /// <param name="library">The stencil library.</param>
    /// <param name="parameterCount">How many arguments the function takes (0 to 6, at most the library's registers); argument i arrives in <c>Register(i)</c>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="library"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="parameterCount"/> is negative, above 6 or above the library's registers.</exception>
    /// <exception cref="StencilTablesException">The library's entry shim cannot be used.</exception>
    public FunctionBuilder(StencilLibrary library, int parameterCount = 0)
    {
        ArgumentNullException.ThrowIfNull(library);
        int limit = Math.Min(MaxParameters, library.Registers);
        if (parameterCount < 0 || parameterCount > limit)
            throw new ArgumentOutOfRangeException(nameof(parameterCount), parameterCount,
                $"A function of {library.Name} takes 0 to {limit} parameters (at most {MaxParameters}, and at most the library's {library.Registers} registers).");
        FunctionLinker.ValidateEntry(library);
        _id = Interlocked.Increment(ref s_lastId);
        _library = library;
        _registers = library.Registers;
        _parameterCount = parameterCount;
    }

    /// <summary>The stencil library this builder emits.</summary>
    public StencilLibrary Library => _library;

    /// <summary>The number of parameters the function takes.</summary>
    public int ParameterCount => _parameterCount;

    /// <summary>
    /// Bytes of code emitted so far. This counts the last stencil's trailing jump, which is dropped if what follows
    /// turns out to be its destination.
    /// </summary>
    public int CodeSize => _code.Count;

    /// <summary>The number of stack slots the function uses so far (highest slot used + 1).</summary>
    public int FrameSlots => _frameSlots;

    /// <summary>The code size limit (<see cref="MaxCodeSize"/>; lowered by tests).</summary>
    internal int CodeSizeLimit { get; set; } = MaxCodeSize;

    /// <summary>True once <see cref="Compile"/> has succeeded; the builder cannot be used afterwards.</summary>
    public bool IsCompiled => _compiled;

    /// <summary>Starts over (baseline hack).</summary>
    public void Reset()
    {
        _code.Clear(); _records.Clear(); _locations.Clear(); _blocks.Clear(); _blockOrder.Clear(); _fixups.Clear(); _pendingNext.Clear(); _blocksHere.Clear(); _callSites.Clear();
        _hasTail = false; _frameSlots = 0; _compiled = false; _id = Interlocked.Increment(ref s_lastId);
    }

    /// <summary>Creates a new block, to be placed later with <see cref="StartBlock"/>.</summary>
    /// <exception cref="StencilEmitException">The builder was compiled.</exception>
    public Block NewBlock()
    {
        ThrowIfCompiled();
        _blocks.Add(new BlockState { Offset = -1, FirstTargetedBy = -1, FixupHead = -1 });
        return new Block(_id, _blocks.Count - 1);
    }

    /// <summary>
    /// Places <paramref name="block"/> here: code emitted afterwards belongs to it, and jumps to it land here.
    /// Each block is started once.
    /// </summary>
    /// <exception cref="StencilEmitException">The block belongs to another builder, was already started, or the builder was compiled.</exception>
    public void StartBlock(Block block)
    {
        ThrowIfCompiled();
        CheckBlock(block, null, nameof(block));
        ref BlockState state = ref _blocks[block.Id];
        if (state.Started)
            throw new StencilEmitException($"Block {block} was already started; a block has one position.", null, nameof(block));
        state.Started = true;
        _blocksHere.Add(block.Id);
    }

    /// <summary>Emits an unconditional jump to <paramref name="target"/> (the library's built-in jump stencil).</summary>
    /// <exception cref="StencilEmitException">The block belongs to another builder, or the builder was compiled.</exception>
    public void Jump(Block target) =>
        Emit(_library.JumpFamily, default, default, default, new ReadOnlySpan<Block>(in target));

    /// <summary>Copies a value between locations (the built-in move stencil); emits nothing when they are equal.</summary>
    /// <exception cref="StencilEmitException">A location is outside the library's registers or the stack limit, or the builder was compiled.</exception>
    public void Move(Location from, Location to)
    {
        if (from == to)
        {
            ThrowIfCompiled();
            CheckLocation(_library.MoveFamily, nameof(from), -1, from);
            return;
        }
        Emit(_library.MoveFamily, new ReadOnlySpan<Location>(in from), new ReadOnlySpan<Location>(in to));
    }

    /// <summary>
    /// Emits one stencil: selects the variant for the locations (narrow, or wide when a hole value needs 64 bits),
    /// copies it and patches it.
    /// </summary>
    /// <remarks>
    /// Does not allocate (after the builder's pooled buffers have grown), so callers may pass collection expressions
    /// (<c>[a, b]</c>) or <c>stackalloc</c> spans.
    /// </remarks>
    /// <param name="family">The stencil (a family of <see cref="Library"/>, not the entry shim).</param>
    /// <param name="inputs">Where each input is, in parameter order.</param>
    /// <param name="outputs">Where each output goes (the return value first, then <c>out</c> parameters).</param>
    /// <param name="holes">The hole values as 64-bit words (zero-extended bits for types of 32 bits or less).</param>
    /// <param name="targets">The block each target parameter jumps to.</param>
    /// <exception cref="StencilEmitException">Wrong counts, bad locations or blocks, use after compile, or the function would exceed <see cref="MaxCodeSize"/>.</exception>
    /// <exception cref="MissingVariantException">The stencil has no variant for these locations.</exception>
    /// <exception cref="HoleValueException">A hole value fits no variant, or is wider than its type.</exception>
    /// <exception cref="StencilTablesException">The selected variant's relocations are corrupt.</exception>
    public void Emit(StencilFamily family, ReadOnlySpan<Location> inputs, ReadOnlySpan<Location> outputs,
        ReadOnlySpan<ulong> holes = default, ReadOnlySpan<Block> targets = default)
    {
        ThrowIfCompiled();
        ArgumentNullException.ThrowIfNull(family);
        if (!ReferenceEquals(family.Library, _library))
            throw new StencilEmitException(
                $"Stencil {family.Name} belongs to library {family.Library?.Name ?? "(none)"}, but this builder emits {_library.Name}.", family.Name, nameof(family));
        if (family.Kind == StencilFamilyKind.Entry)
            throw new StencilEmitException($"Stencil {family.Name} is the entry shim, which Compile adds; it cannot be emitted.", family.Name, nameof(family));
        CheckCount(family, nameof(inputs), inputs.Length, family.Inputs);
        CheckCount(family, nameof(outputs), outputs.Length, family.Outputs);
        CheckCount(family, nameof(holes), holes.Length, family.Holes);
        CheckCount(family, nameof(targets), targets.Length, family.Targets);

        // The variant index is the base-L number of the location codes, inputs first, most significant first.
        int locations = _registers + 1;
        int index = 0, stackValues = 0, frameSlots = _frameSlots;
        for (int i = 0; i < inputs.Length; i++)
            index = index * locations + LocationCode(family, nameof(inputs), i, inputs[i], ref stackValues, ref frameSlots);
        for (int i = 0; i < outputs.Length; i++)
            index = index * locations + LocationCode(family, nameof(outputs), i, outputs[i], ref stackValues, ref frameSlots);
        for (int i = 0; i < targets.Length; i++)
            CheckBlock(targets[i], family, nameof(targets), i);
        byte[] holeBits = family.HoleBits;
        for (int i = 0; i < holes.Length; i++)
        {
            int bits = holeBits[i];
            if (bits is > 0 and < 64 && holes[i] >> bits != 0)
                throw new HoleValueException(
                    $"Hole {i} of stencil {family.Name} is {bits} bits wide, but value {holes[i]} (0x{holes[i]:x}) has more bits set; pass the value's bits zero-extended.",
                    family.Name, i, holes[i]);
        }

        int variantIndex = SelectVariant(family, index, inputs, outputs, holes, out bool wide);
        ref readonly StencilVariant variant = ref _library.Variants[variantIndex];
        VariantRules.Validate(_library, family, variantIndex, variant, stackValues);
        if ((long)_code.Count + variant.Length > CodeSizeLimit)
            throw new StencilEmitException(
                $"Emitting stencil {family.Name} ({variant.Length} bytes) would make the function's code larger than the limit of {CodeSizeLimit} bytes.", family.Name);

        // Everything is checked: from here on the builder changes.
        Settle();
        int start = _code.AddRange(_library.CodeOf(variant));
        int record = _records.Count;
        int locationStart = _locations.AddRange(inputs);
        _locations.AddRange(outputs);
        _records.Add(new StencilRecord(start, family, wide, locationStart));
        _frameSlots = frameSlots;
        Patch(variant, start, record, inputs, outputs, holes, targets);
    }

    /// <summary>
    /// Finishes the function: adds the entry shim, resolves forward branches and calls to far host functions, copies the
    /// code into executable memory (written while read-write, then made read-execute) and returns it. The builder
    /// cannot be used afterwards.
    /// </summary>
    /// <exception cref="FunctionCompileException">A block is jumped to but never started, control would run off the end
    /// of the code, or the function is empty; the builder is unchanged and can be fixed.</exception>
    /// <exception cref="StencilEmitException">The builder was already compiled.</exception>
    /// <exception cref="ExecutableMemoryException">Mapping or protecting memory failed.</exception>
    public CompiledFunction Compile() => CompileNear(0);

    /// <summary>As <see cref="Compile()"/>, asking for the code to be placed near <paramref name="addressHint"/> (for tests).</summary>
    internal CompiledFunction CompileNear(nint addressHint)
    {
        ThrowIfCompiled();
        CheckComplete();
        FunctionLinker.CheckFrameSize(_library, _frameSlots);
        Settle();
        var map = new FunctionMap(
            _records.ToArray(), _locations.ToArray(), BlockLayout(), _library.EntryFamily);
        var function = FunctionLinker.Link(_library, _code.AsSpan(), _callSites.AsSpan(), _frameSlots, _parameterCount, map, addressHint);
        _compiled = true;
        ReleaseStorage();
        return function;
    }

    /// <summary>Describes locations as <c>[r0, s1 -> r2]</c>.</summary>
    internal static string DescribeLocations(ReadOnlySpan<Location> inputs, ReadOnlySpan<Location> outputs)
    {
        var sb = new StringBuilder("[");
        for (int i = 0; i < inputs.Length; i++)
            sb.Append(i == 0 ? "" : ", ").Append(inputs[i].ToString());
        if (outputs.Length > 0)
        {
            sb.Append(inputs.Length > 0 ? " -> " : "-> ");
            for (int i = 0; i < outputs.Length; i++)
                sb.Append(i == 0 ? "" : ", ").Append(outputs[i].ToString());
        }
        return sb.Append(']').ToString();
    }

    private int SelectVariant(StencilFamily family, int index, ReadOnlySpan<Location> inputs, ReadOnlySpan<Location> outputs, ReadOnlySpan<ulong> holes, out bool wide)
    {
        var variants = _library.Variants;
        int narrowIndex = family.FirstVariant + index;
        int wideIndex = family.HasWide ? narrowIndex + family.NarrowSlots : -1;
        bool narrowExists = variants[narrowIndex].Exists;
        bool wideExists = wideIndex >= 0 && variants[wideIndex].Exists;
        int narrowFailure = -1, wideFailure = -1;
        if (narrowExists)
        {
            narrowFailure = VariantRules.FirstUnusableHole(_library, variants[narrowIndex], holes);
            if (narrowFailure < 0)
            {
                wide = false;
                return narrowIndex;
            }
        }
        if (wideExists)
        {
            wideFailure = VariantRules.FirstUnusableHole(_library, variants[wideIndex], holes);
            if (wideFailure < 0)
            {
                wide = true;
                return wideIndex;
            }
        }
        throw NoVariant(family, narrowIndex, wideIndex, narrowFailure, wideFailure, inputs, outputs, holes);
    }

    /// <summary>The exception for an emit no variant can serve (built only on that path: it allocates).</summary>
    private StencilEmitException NoVariant(StencilFamily family, int narrowIndex, int wideIndex, int narrowFailure, int wideFailure,
        ReadOnlySpan<Location> inputs, ReadOnlySpan<Location> outputs, ReadOnlySpan<ulong> holes)
    {
        var variants = _library.Variants;
        string where = DescribeLocations(inputs, outputs);
        if (narrowFailure < 0 && wideFailure < 0)
            return new MissingVariantException(
                $"Stencil {family.Name} has no variant for locations {where} (for example, two outputs cannot share a register).", family.Name, where);
        string narrow = narrowFailure >= 0 ? "the narrow variant's " + HoleFieldKinds(variants[narrowIndex], narrowFailure) : "";
        string wide = wideFailure >= 0 ? "the wide variant's " + HoleFieldKinds(variants[wideIndex], wideFailure) : "";
        string reason = narrow.Length > 0 && wide.Length > 0 ? $"it fits neither {narrow} nor {wide}."
            : $"it does not fit {narrow}{wide}{(family.HasWide ? "." : ", and the stencil has no wide variant.")}";
        int hole = wideFailure >= 0 ? wideFailure : narrowFailure;
        ulong value = holes[hole];
        return new HoleValueException(
            $"Hole {hole} of stencil {family.Name} {where} cannot take value {unchecked((long)value)} (0x{value:x}): {reason}", family.Name, hole, value);
    }

    private string HoleFieldKinds(in StencilVariant variant, int hole)
    {
        var code = _library.CodeOf(variant);
        var sb = new StringBuilder();
        foreach (var r in _library.RelocationsOf(variant))
        {
            if (r.Patch != PatchKind.Hole || r.Index != hole) continue;
            if (sb.Length > 0) sb.Append('/');
            sb.Append(r.Kind);
            if (r.Kind == RelocationKind.Rel32 && !VariantRules.IsDirectCallOrJump(code, r.Offset))
                sb.Append(" (not a call or jmp)");
        }
        return sb.Append(" field").ToString();
    }

    private void Patch(in StencilVariant variant, int start, int record, ReadOnlySpan<Location> inputs, ReadOnlySpan<Location> outputs,
        ReadOnlySpan<ulong> holes, ReadOnlySpan<Block> targets)
    {
        // Byte offsets of the stack-located values: stack inputs first, then stack outputs, in parameter order.
        Span<int> slotOffsets = stackalloc int[32];
        int stackValues = 0;
        foreach (var l in inputs)
            if (l.IsStack) slotOffsets[stackValues++] = l.Index * 8;
        foreach (var l in outputs)
            if (l.IsStack) slotOffsets[stackValues++] = l.Index * 8;

        bool droppableTail = VariantRules.HasDroppableTail(_library, variant);
        var relocations = _library.RelocationsOf(variant);
        Span<byte> code = _code.AsSpan();
        for (int k = 0; k < relocations.Length; k++)
        {
            Relocation r = relocations[k];
            int field = start + r.Offset;
            bool isTail = droppableTail && k == relocations.Length - 1;
            switch (r.Patch)
            {
                case PatchKind.Hole:
                    if (r.IsRelative)
                        _callSites.Add(new CallSite(field, holes[r.Index], r.Kind, r.Addend));
                    else
                        RelocationWriter.Write(code, field, r.Kind, unchecked(holes[r.Index] + (ulong)(long)r.Addend));
                    break;
                case PatchKind.Slot:
                    RelocationWriter.Write(code, field, r.Kind, unchecked((ulong)(long)slotOffsets[r.Index] + (ulong)(long)r.Addend));
                    break;
                case PatchKind.Next:
                    if (isTail) SetTail(new PendingTail(field, r.Kind, r.Addend, -1, record));
                    else _pendingNext.Add(new NextFixup(field, r.Kind, r.Addend));
                    break;
                case PatchKind.Target:
                    int block = targets[r.Index].Id;
                    ref BlockState state = ref _blocks[block];
                    if (state.FirstTargetedBy < 0) state.FirstTargetedBy = record;
                    if (isTail) SetTail(new PendingTail(field, r.Kind, r.Addend, block, record));
                    else BranchTo(block, field, r.Kind, r.Addend);
                    break;
            }
        }
    }

    private void SetTail(PendingTail tail)
    {
        _tail = tail;
        _hasTail = true;
    }

    /// <summary>Patches a branch to a placed block, or queues it until the block is placed.</summary>
    private void BranchTo(int block, int field, RelocationKind kind, int addend)
    {
        ref BlockState state = ref _blocks[block];
        if (state.Offset >= 0)
        {
            WriteRelative(field, kind, addend, state.Offset);
            return;
        }
        _fixups.Add(new Fixup(field, kind, addend, state.FixupHead));
        state.FixupHead = _fixups.Count - 1;
    }

    private void WriteRelative(int field, RelocationKind kind, int addend, int destination) =>
        RelocationWriter.Write(_code.AsSpan(), field, kind, unchecked((ulong)((long)destination + addend - field)));

    /// <summary>
    /// Called when the code after the last stencil becomes known (the next emit, or compile): decides the pending
    /// trailing jump (dropped when it goes to the code that follows), then patches the pending jumps to "next" and
    /// places the blocks started since the last stencil, at the (possibly shortened) end.
    /// </summary>
    private void Settle()
    {
        if (_hasTail)
        {
            _hasTail = false;
            if (_tail.IsNext || IsStartedHere(_tail.Block))
            {
                _code.Truncate(_code.Count - VariantRules.TailJumpLength);
                _records[_tail.Record].TailDropped = true;
            }
            else
            {
                BranchTo(_tail.Block, _tail.Field, _tail.Kind, _tail.Addend);
            }
        }
        int end = _code.Count;
        foreach (var next in _pendingNext.AsSpan())
            WriteRelative(next.Field, next.Kind, next.Addend, end);
        _pendingNext.Clear();
        foreach (int block in _blocksHere.AsSpan())
        {
            ref BlockState state = ref _blocks[block];
            state.Offset = end;
            for (int f = state.FixupHead; f >= 0; f = _fixups[f].NextInChain)
            {
                var fixup = _fixups[f];
                WriteRelative(fixup.Field, fixup.Kind, fixup.Addend, end);
            }
            state.FixupHead = -1;
            _blockOrder.Add(block);
        }
        _blocksHere.Clear();
    }

    private bool IsStartedHere(int block)
    {
        foreach (int b in _blocksHere.AsSpan())
            if (b == block) return true;
        return false;
    }

    /// <summary>Checks, without changing anything, that the function can be finished.</summary>
    private void CheckComplete()
    {
        if (_code.Count == 0)
            throw new FunctionCompileException("The function has no code: emit at least a returning stencil before Compile.");
        string last = _records.Count > 0 ? _records[_records.Count - 1].Family.Name : "?";
        if ((_hasTail && (_tail.IsNext || IsStartedHere(_tail.Block))) || _pendingNext.Count > 0)
            throw new FunctionCompileException(
                $"Control runs off the end of the function after stencil {last}: the last stencil continues to the next code, but there is none (end with a returning stencil or a jump).",
                null, last);
        foreach (int b in _blocksHere.AsSpan())
        {
            if (_blocks[b].FirstTargetedBy >= 0)
                throw new FunctionCompileException(
                    $"Block B{b} is started at the very end of the function with no code after it, but stencil {_records[_blocks[b].FirstTargetedBy].Family.Name} jumps to it; control would run off the end.",
                    new Block(_id, b), _records[_blocks[b].FirstTargetedBy].Family.Name);
        }
        for (int b = 0; b < _blocks.Count; b++)
        {
            ref BlockState state = ref _blocks[b];
            if (state.FirstTargetedBy >= 0 && !state.Started)
            {
                string stencil = _records[state.FirstTargetedBy].Family.Name;
                throw new FunctionCompileException(
                    $"Block B{b} is jumped to by stencil {stencil} (at code offset 0x{_records[state.FirstTargetedBy].Offset:x}) but was never started.",
                    new Block(_id, b), stencil);
            }
        }
    }

    private (int Offset, int Block)[] BlockLayout()
    {
        var layout = new (int, int)[_blockOrder.Count];
        for (int i = 0; i < layout.Length; i++)
        {
            int b = _blockOrder[i];
            layout[i] = (_blocks[b].Offset, b);
        }
        return layout;
    }

    private int LocationCode(StencilFamily family, string list, int i, Location location, ref int stackValues, ref int frameSlots)
    {
        CheckLocation(family, list, i, location);
        if (location.IsRegister) return location.Index;
        stackValues++;
        if (location.Index >= frameSlots) frameSlots = location.Index + 1;
        return _registers;
    }

    /// <summary>Checks a location; <paramref name="index"/> &lt; 0 means <paramref name="argument"/> is not a list.</summary>
    private void CheckLocation(StencilFamily family, string argument, int index, Location location)
    {
        if (location.IsRegister ? location.Index >= _registers : location.Index >= MaxStackSlots)
            ThrowBadLocation(family, index < 0 ? argument : $"{argument}[{index}]", location);
    }

    private void ThrowBadLocation(StencilFamily family, string argument, Location location) =>
        throw new StencilEmitException(
            location.IsRegister
                ? $"Argument {argument} of stencil {family.Name} is {location}, but library {_library.Name} has only registers r0..r{_registers - 1}."
                : $"Argument {argument} of stencil {family.Name} is {location}, but stack slots are limited to s0..s{MaxStackSlots - 1}.",
            family.Name, argument);

    /// <summary>Checks a block; <paramref name="index"/> &lt; 0 means <paramref name="argument"/> is not a list.</summary>
    private void CheckBlock(Block block, StencilFamily? family, string argument, int index = -1)
    {
        if (block.Builder != _id || (uint)block.Id >= (uint)_blocks.Count)
            ThrowBadBlock(block, family, index < 0 ? argument : $"{argument}[{index}]");
    }

    private static void ThrowBadBlock(Block block, StencilFamily? family, string argument)
    {
        string what = block.Builder == 0 ? "default(Block), not a block" : $"block {block} of another builder";
        throw new StencilEmitException(
            family is null
                ? $"Argument {argument} is {what}; use a block from this builder's NewBlock()."
                : $"Argument {argument} of stencil {family.Name} is {what}; use a block from this builder's NewBlock().",
            family?.Name, argument);
    }

    private static void CheckCount(StencilFamily family, string argument, int given, int expected)
    {
        if (given != expected)
            throw new StencilEmitException(
                $"Stencil {family} takes {expected} {argument}, but {given.ToString(CultureInfo.InvariantCulture)} were given.", family.Name, argument);
    }

    private void ThrowIfCompiled()
    {
        if (_compiled)
            throw new StencilEmitException("The function was already compiled; a FunctionBuilder cannot be used after Compile. Create a new builder.");
    }

    private void ReleaseStorage()
    {
        _code.Release();
        _records.Release();
        _locations.Release();
        _blocks.Release();
        _blockOrder.Release();
        _fixups.Release();
        _pendingNext.Release();
        _blocksHere.Release();
        _callSites.Release();
    }
}
