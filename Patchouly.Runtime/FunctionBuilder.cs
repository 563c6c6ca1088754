using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Text;
using System.Threading;
using Patchouly.Runtime.Internal;
using Patchouly.Runtime.Linking;
using Patchouly.Runtime.Tables;
using Patchouly.Runtime.Targets;
using Patchouly.Runtime.Targets.Arm64;
using Patchouly.Runtime.Targets.X64;
using CallSite = Patchouly.Runtime.Internal.CallSite;

namespace Patchouly.Runtime;

/// <summary>
/// Builds one JIT-compiled function from the stencils of a <see cref="StencilLibrary"/>: each
/// <see cref="Emit"/> copies the variant for the given locations and patches its holes, stack slots and jumps;
/// <see cref="Compile"/> adds the entry shim and makes the code executable.
/// </summary>
/// <remarks>
/// <para>Code is laid out in emit order. Control enters at the first emitted code (the function's parameters are in
/// registers 0..<see cref="ParameterCount"/>−1); a block begins wherever <see cref="StartBlock(Block)"/> is called, so blocks are
/// placed in the order they are started. A stencil that continues "next" falls into whatever is emitted after it.</para>
/// <para>Fall-through elision: when a stencil ends with a jump to the code that ends up right after it (the next
/// stencil, or a block started right after it), the jump (x86-64 <c>jmp rel32</c>, AArch64 <c>b</c>) is dropped. The decision waits until the following
/// code is known, so jumps to "next" from the middle of a stencil are patched to the final position.</para>
/// <para>Automatic moves: when the library has no compiled variant for the requested locations (two outputs in one
/// register, or stack locations the tables omit), <see cref="Emit"/> moves values through the
/// <see cref="ScratchRegisters"/> (inputs before the stencil, outputs after it) and emits a variant that exists.</para>
/// <para>A builder is not thread-safe. Every error is a typed exception thrown before the builder changes, so a failed
/// call can be corrected and retried.</para>
/// </remarks>
public sealed partial class FunctionBuilder
{
    /// <summary>The largest number of stack slots a function may use (slot numbers 0..16383).</summary>
    public const int MaxStackSlots = 16384;

    /// <summary>
    /// The largest size of a function's code in bytes (1 GiB), so every branch inside it reaches; AArch64 functions are
    /// limited to 128 MiB, the reach of <c>b</c>.
    /// </summary>
    public const int MaxCodeSize = 1 << 30;

    /// <summary>The largest number of parameters (the entry shim passes six C arguments).</summary>
    public const int MaxParameters = 6;

    private static int s_lastId;

    private int _id;
    private readonly StencilLibrary _library;
    private readonly LibraryPlan _plan;
    private readonly byte[] _blob;
    private readonly int[] _offsets;
    private readonly int _registers;
    private readonly TargetArchitecture _architecture;
    private readonly int _tailJumpLength;
    private readonly RelocationKind _tailJumpKind;
    private readonly int _parameterCount;
    private readonly JitModule? _module;
    private readonly int _moduleIndex;
    private Location[] _scratch = [];
    private ReadOnlyCollection<Location> _scratchView = ReadOnlyCollection<Location>.Empty;

    private PooledList<byte> _code;
    /// <summary>
    /// The stencil log: per emitted stencil, its body offset, its variant, then its locations (inputs, then outputs) as
    /// <see cref="Location"/> bits. A stencil is identified by the position of its entry.
    /// </summary>
    private PooledList<int> _log;
    private int _lastEntry = -1;
    private PooledList<BlockState> _blocks;
    private PooledList<int> _blockOrder;
    private PooledList<Fixup> _fixups;
    private PooledList<NextFixup> _pendingNext;
    private PooledList<int> _blocksHere;
    private PooledList<CallSite> _callSites;
    private PooledList<GotLoad> _gotLoads;
    private PendingTail _tail;
    private bool _hasTail;
    private int _alignHere;      // alignment asked for by the blocks started here (0: none)
    private int _bodyAlignment;  // the largest alignment any block asked for (the linker aligns the body to it)
    private int _frameSlots;
    private bool _compiled;

    /// <summary>Creates a builder for a function of <paramref name="library"/>'s stencils.</summary>
    /// <param name="library">The stencil library.</param>
    /// <param name="parameterCount">How many arguments the function takes (0 to 6, at most the library's registers); argument i arrives in <c>Register(i)</c>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="library"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="parameterCount"/> is negative, above 6 or above the library's registers.</exception>
    /// <exception cref="StencilTablesException">The library's entry shim cannot be used.</exception>
    public FunctionBuilder(StencilLibrary library, int parameterCount = 0)
        : this(library, parameterCount, null, -1, null)
    {
    }

    /// <summary>Creates a builder; a function of <paramref name="module"/> when that is not null.</summary>
    internal FunctionBuilder(StencilLibrary library, int parameterCount, JitModule? module, int moduleIndex, string? name)
    {
        ArgumentNullException.ThrowIfNull(library);
        int limit = Math.Min(MaxParameters, library.Registers);
        if (parameterCount < 0 || parameterCount > limit)
            throw new ArgumentOutOfRangeException(nameof(parameterCount), parameterCount,
                $"A function of {library.Name} takes 0 to {limit} parameters (at most {MaxParameters}, and at most the library's {library.Registers} registers).");
        var plan = library.IsManagedOnly ? null : library.Plan; // null: no native code, the managed engine runs it
        if (plan?.EntryError is not null) throw new StencilTablesException(plan.EntryError);
        _id = Interlocked.Increment(ref s_lastId);
        _library = library;
        _plan = plan!;
        _blob = plan?.Blob ?? s_managedOnlyBlob;
        _offsets = plan?.Offsets ?? library.ManagedOnlyOffsets;
        _registers = library.Registers;
        _architecture = plan?.Architecture ?? default;
        _tailJumpLength = plan?.TailJumpLength ?? 0;
        _tailJumpKind = plan?.TailJumpKind ?? default;
        CodeSizeLimit = plan?.MaxCodeSize ?? MaxCodeSize;
        _parameterCount = parameterCount;
        _module = module;
        _moduleIndex = moduleIndex;
        Name = name;
        InitializeEngine();
    }

    /// <summary>The stencil library this builder emits.</summary>
    public StencilLibrary Library => _library;

    /// <summary>The number of parameters the function takes.</summary>
    public int ParameterCount => _parameterCount;

    /// <summary>
    /// The function's name, used by disassembly and perf maps (<see cref="PerfMap"/>); null for an anonymous function.
    /// Functions of a <see cref="JitModule"/> are named when they are defined.
    /// </summary>
    public string? Name { get; set; }

    /// <summary>The module this function belongs to (made by <see cref="JitModule.DefineFunction"/>), or null.</summary>
    public JitModule? Module => _module;

    /// <summary>
    /// Bytes of code emitted so far. This counts the last stencil's trailing jump, which is dropped if what follows
    /// turns out to be its destination.
    /// </summary>
    public int CodeSize => _code.Count + _otherCode.Count;

    /// <summary>The number of stack slots the function uses so far (highest slot used + 1).</summary>
    public int FrameSlots => _frameSlots;

    /// <summary>The code size limit (<see cref="MaxCodeSize"/>, 128 MiB for AArch64 so that every <c>b</c> reaches; lowered by tests).</summary>
    internal int CodeSizeLimit { get; set; }

    /// <summary>True once <see cref="Compile"/> has succeeded; the builder cannot be used afterwards (until <see cref="Reset"/>).</summary>
    public bool IsCompiled => _compiled;

    /// <summary>
    /// Registers reserved for automatic moves: when a stencil has no compiled variant for the requested locations,
    /// <see cref="Emit"/> moves values through these registers and uses a variant that exists. The code emitted by
    /// the builder may overwrite them at any automatic move, so do not keep values in them (a
    /// <see cref="RegisterAllocator"/> made with <see cref="RegisterAllocator.For"/> skips them). Empty by default.
    /// </summary>
    /// <remarks>
    /// Outputs moved out of a scratch register are moved on the fall-through path only: when the stencil jumps to one of
    /// its targets instead, such an output is not delivered.
    /// </remarks>
    /// <exception cref="ArgumentNullException">Set to null.</exception>
    /// <exception cref="ArgumentException">A location is a stack slot, a register the library does not have, a register that
    /// receives a parameter, or given twice.</exception>
    /// <exception cref="StencilEmitException">The builder was compiled.</exception>
    public IReadOnlyList<Location> ScratchRegisters
    {
        get => _scratchView;
        set
        {
            ThrowIfCompiled();
            ArgumentNullException.ThrowIfNull(value);
            var registers = new Location[value.Count];
            for (int i = 0; i < registers.Length; i++)
            {
                var r = value[i];
                string argument = $"{nameof(ScratchRegisters)}[{i}]";
                if (r.IsStack)
                    throw new ArgumentException($"{argument} is {r}, a stack slot; scratch locations must be registers.", nameof(value));
                if (r.IsFloatRegister)
                    throw new ArgumentException($"{argument} is {r}, a float register; scratch locations are registers r0..r{_registers - 1}.", nameof(value));
                if (r.Index >= _registers)
                    throw new ArgumentException($"{argument} is {r}, but library {_library.Name} has only registers r0..r{_registers - 1}.", nameof(value));
                if (r.Index < _parameterCount)
                    throw new ArgumentException($"{argument} is {r}, which receives parameter {r.Index} of the function; reserve a register above r{_parameterCount - 1}.", nameof(value));
                if (Array.IndexOf(registers, r, 0, i) >= 0)
                    throw new ArgumentException($"{argument} is {r}, which is already reserved.", nameof(value));
                registers[i] = r;
            }
            _scratch = registers;
            _scratchView = registers.Length == 0 ? ReadOnlyCollection<Location>.Empty : new ReadOnlyCollection<Location>(registers);
        }
    }

    /// <summary>
    /// Discards everything emitted and starts a new, empty function with the same library, parameters, name and scratch
    /// registers, keeping the builder's buffers (so a builder reused this way emits without allocating). Blocks made
    /// before the reset no longer belong to the builder. Also allowed after <see cref="Compile"/>; the compiled
    /// function is unaffected.
    /// </summary>
    /// <exception cref="StencilEmitException">The builder is a function of a <see cref="JitModule"/> that was compiled.</exception>
    public void Reset()
    {
        if (_compiled && _module is not null)
            throw new StencilEmitException($"Function {DisplayName} was compiled with its module and cannot be reset; define a new function.");
        _code.Clear();
        ResetSegments();
        _log.Clear();
        _lastEntry = -1;
        _blocks.Clear();
        _blockOrder.Clear();
        _fixups.Clear();
        _pendingNext.Clear();
        _blocksHere.Clear();
        _callSites.Clear();
        _gotLoads.Clear();
        _program.Clear();
        _tail = default;
        _hasTail = false;
        _frameSlots = 0;
        _alignHere = 0;
        _bodyAlignment = 0;
        _compiled = false;
        _id = Interlocked.Increment(ref s_lastId);
    }

    /// <summary>Creates a new block, to be placed later with <see cref="StartBlock(Block)"/>.</summary>
    /// <exception cref="StencilEmitException">The builder was compiled.</exception>
    public Block NewBlock() => NewBlock(cold: false);

    /// <summary>
    /// Creates a new block, to be placed later with <see cref="StartBlock(Block)"/>. A <paramref name="cold"/> block is
    /// for rarely run code (a failed bounds check, an I/O error): the code emitted after it is started, up to the next
    /// hot block started, goes after all of the function's hot code, so the hot path stays straight. Falling into or
    /// out of cold code still works: the builder then adds the jump.
    /// </summary>
    /// <exception cref="StencilEmitException">The builder was compiled.</exception>
    public Block NewBlock(bool cold)
    {
        ThrowIfCompiled();
        _blocks.Add(new BlockState { Offset = -1, FirstTargetedBy = -1, FixupHead = -1, Cold = cold });
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
        if (state.Cold != (_base != 0))
        {
            SwitchSegment(block);
            state = ref _blocks[block.Id];
        }
        state.Started = true;
        _blocksHere.Add(block.Id);
        RecordBlockStart(block.Id);
    }

    /// <summary>The largest block alignment allowed by <see cref="StartBlock(Block, int)"/>.</summary>
    public const int MaxBlockAlignment = 64;

    /// <summary>
    /// Places <paramref name="block"/> here at an address that is a multiple of <paramref name="alignment"/> bytes,
    /// padding with <c>nop</c>s (x86-64 multi-byte nops, AArch64 nop words; code falling through into the block executes). Aligning the heads of
    /// hot loops to 16 or 32 bytes, as optimizing compilers do, keeps them in fewer fetch blocks.
    /// </summary>
    /// <param name="block">The block to start.</param>
    /// <param name="alignment">A power of two from 1 to <see cref="MaxBlockAlignment"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="alignment"/> is not a power of two from 1 to 64.</exception>
    /// <exception cref="StencilEmitException">The block belongs to another builder, was already started, or the builder was compiled.</exception>
    public void StartBlock(Block block, int alignment)
    {
        if (alignment < 1 || alignment > MaxBlockAlignment || (alignment & (alignment - 1)) != 0)
            throw new ArgumentOutOfRangeException(nameof(alignment), alignment, $"A block alignment is a power of two from 1 to {MaxBlockAlignment}.");
        StartBlock(block);
        if (alignment > _alignHere) _alignHere = alignment;
        if (alignment > _bodyAlignment) _bodyAlignment = alignment;
    }

    /// <summary>The alignment the body's start needs so that aligned blocks land on aligned addresses.</summary>
    internal int BodyAlignment => _bodyAlignment;

    /// <summary>Emits an unconditional jump to <paramref name="target"/> (the library's built-in jump stencil).</summary>
    /// <exception cref="StencilEmitException">The block belongs to another builder, or the builder was compiled.</exception>
    public void Jump(Block target) =>
        Emit(_library.JumpFamily, default, default, default, new ReadOnlySpan<Block>(in target));

    /// <summary>
    /// Copies a value between locations (the built-in move stencil); emits nothing when they are equal. With a float
    /// register on either side it is one of the library's float moves (<see cref="StencilLibrary.FloatMoveFamily"/>:
    /// float register or slot to float register or slot; between a float register and a register, the 64 bits as they are).
    /// </summary>
    /// <exception cref="StencilEmitException">A location is outside the library's registers, float registers or the stack limit, or the builder was compiled.</exception>
    public void Move(Location from, Location to)
    {
        var family = MoveFamilyFor(from, to);
        if (from == to)
        {
            ThrowIfCompiled();
            CheckLocation(family, nameof(from), -1, from, family.IsFloatValue(0));
            return;
        }
        Emit(family, new ReadOnlySpan<Location>(in from), new ReadOnlySpan<Location>(in to));
    }

    /// <summary>The built-in move between the classes of <paramref name="from"/> and <paramref name="to"/> (a slot takes the other side's class).</summary>
    internal StencilFamily MoveFamilyFor(Location from, Location to)
    {
        if (!from.IsFloatRegister && !to.IsFloatRegister) return _library.MoveFamily;
        var family = from.IsFloatRegister
            ? (to.IsRegister ? _library.FloatToIntMoveFamily : _library.FloatMoveFamily)
            : (from.IsRegister ? _library.IntToFloatMoveFamily : _library.FloatMoveFamily);
        return family ?? throw new StencilEmitException(
            $"Moving {from} to {to}: library {_library.Name} has no float registers ([StencilLibrary(FloatRegisters = n)]).", _library.MoveFamily.Name);
    }

    /// <summary>
    /// Emits one stencil: selects the variant for the locations (narrow, or wide when a hole value needs 64 bits),
    /// copies it and patches it. When the library has no variant for these locations, moves values through the
    /// <see cref="ScratchRegisters"/> to one that exists.
    /// </summary>
    /// <remarks>
    /// Does not allocate (after the builder's pooled buffers have grown), so callers may pass collection expressions
    /// (<c>[a, b]</c>) or <c>stackalloc</c> spans. Everything that depends only on the tables (relocation validity,
    /// which fields are relative, field ranges, the droppable trailing jump) is checked once per library, not per emit.
    /// </remarks>
    /// <param name="family">The stencil (a family of <see cref="Library"/>, not the entry shim).</param>
    /// <param name="inputs">Where each input is, in parameter order.</param>
    /// <param name="outputs">Where each output goes (the return value first, then <c>out</c> parameters).</param>
    /// <param name="holes">The hole values as 64-bit words (zero-extended bits for types of 32 bits or less).</param>
    /// <param name="targets">The block each target parameter jumps to.</param>
    /// <exception cref="StencilEmitException">Wrong counts, bad locations or blocks, use after compile, or the function would exceed <see cref="MaxCodeSize"/>.</exception>
    /// <exception cref="MissingVariantException">The stencil has no variant for these locations, and none can be reached with moves through the scratch registers.</exception>
    /// <exception cref="HoleValueException">A hole value fits no variant, or is wider than its type.</exception>
    /// <exception cref="StencilTablesException">The selected variant's relocations are corrupt.</exception>
    [SkipLocalsInit]
    public void Emit(StencilFamily family, ReadOnlySpan<Location> inputs, ReadOnlySpan<Location> outputs,
        ReadOnlySpan<ulong> holes = default, ReadOnlySpan<Block> targets = default)
    {
        if (_compiled) ThrowCompiled();
        ArgumentNullException.ThrowIfNull(family);
        if (!ReferenceEquals(family.Library, _library)
            || ((ulong)(uint)inputs.Length | (ulong)(uint)outputs.Length << 32) != family.ShapeInOut
            || ((ulong)(uint)holes.Length | (ulong)(uint)targets.Length << 32) != family.ShapeHolesTargets)
            ThrowBadShape(family, inputs.Length, outputs.Length, holes.Length, targets.Length);

        // The variant index is the base-L number of the location codes, inputs first, most significant first (the
        // family's registers: a move's include the move registers).
        int registers = family.Registers, radix = registers + 1;
        int index = 0, bad = 0, minSlot = int.MaxValue, maxSlot = -1;
        if (family.FloatMask == 0)
        {
            for (int i = 0; i < inputs.Length; i++)
                index = index * radix + LocationCode(inputs[i], registers, ref bad, ref minSlot, ref maxSlot);
            for (int i = 0; i < outputs.Length; i++)
                index = index * radix + LocationCode(outputs[i], registers, ref bad, ref minSlot, ref maxSlot);
        }
        else index = MixedIndex(family, inputs, outputs, ref bad, ref minSlot, ref maxSlot);
        int id = _id, blockCount = _blocks.Count;
        for (int i = 0; i < targets.Length; i++)
            if (targets[i].Builder != id || (uint)targets[i].Id >= (uint)blockCount) bad = -1;
        ulong[] masks = family.HoleMasks;
        for (int i = 0; i < holes.Length && i < masks.Length; i++)
            if ((holes[i] & masks[i]) != 0) bad = -1;
        if (bad < 0) ThrowBadArguments(family, inputs, outputs, holes, targets);

        int variant = family.FirstVariant + index;
        ref VariantPlan v = ref Header(variant);
        if (!IsUsable(ref v, holes, minSlot, maxSlot))
        {
            if (family.HasWide && IsUsable(ref Header(variant + family.NarrowSlots), holes, minSlot, maxSlot))
                variant += family.NarrowSlots;
            else
            {
                variant = SelectSlow(family, variant, inputs, outputs, holes, targets, minSlot, maxSlot);
                if (variant < 0) return; // emitted with automatic moves
            }
            v = ref Header(variant);
        }
        if (_code.Count + _otherCode.Count + v.Length > CodeSizeLimit) ThrowTooLarge(family, v.Length);
        Commit(ref v, variant, inputs, outputs, holes, targets, maxSlot);
    }

    /// <summary>
    /// Finishes the function: adds the entry shim, resolves forward branches and calls to far host functions, copies the
    /// code into executable memory (written while read-write, then made read-execute) and returns it. The builder
    /// cannot be used afterwards (until <see cref="Reset"/>).
    /// </summary>
    /// <exception cref="FunctionCompileException">A block is jumped to but never started, control would run off the end
    /// of the code, or the function is empty; the builder is unchanged and can be fixed.</exception>
    /// <exception cref="StencilEmitException">The builder was already compiled, or it is a function of a <see cref="JitModule"/> (compile the module).</exception>
    /// <exception cref="ExecutableMemoryException">Mapping or protecting memory failed.</exception>
    /// <exception cref="ArchitectureMismatchException">The library's code is for another instruction set than the process's
    /// (emit and <see cref="Disassemble"/> work; running does not). The builder is unchanged.</exception>
    /// <exception cref="TargetMismatchException">The library's code is for another operating system's calling convention. The builder is unchanged.</exception>
    public CompiledFunction Compile() => CompileNear(0);

    /// <summary>
    /// The function as <see cref="Compile"/> would lay it out and patch it, at address 0, formatted as assembly
    /// (<see cref="CompiledFunction.Disassemble"/>), without mapping memory. Works for a library of any architecture,
    /// so code for another instruction set than the process's can be inspected. The builder stays usable.
    /// </summary>
    /// <exception cref="FunctionCompileException">The function is not complete (as for <see cref="Compile"/>).</exception>
    /// <exception cref="StencilEmitException">The builder was compiled, or is a function of a <see cref="JitModule"/>.</exception>
    public string Disassemble()
    {
        if (_library.IsManagedOnly) return DisassembleManaged();
        var (image, map) = LinkDetached(0);
        return Disassembly.FunctionDisassembler.Disassemble(image, 0, map);
    }

    /// <summary>
    /// Lays out and patches the function as <see cref="Compile"/> would, for code placed at <paramref name="address"/>,
    /// into a plain array (nothing is mapped; any architecture).
    /// </summary>
    internal (byte[] Image, FunctionMap Map) LinkDetached(ulong address)
    {
        ThrowIfCompiled();
        if (_module is not null)
            throw new StencilEmitException(
                $"Function {DisplayName} belongs to a JitModule; it is laid out with its module.");
        PrepareLink();
        var (image, maps) = FunctionLinker.LinkDetached(_library, [this], address);
        return (image, maps[0]);
    }

    /// <summary>As <see cref="Compile()"/>, asking for the code to be placed near <paramref name="addressHint"/> (for tests).</summary>
    internal CompiledFunction CompileNear(nint addressHint)
    {
        ThrowIfCompiled();
        if (_module is not null)
            throw new StencilEmitException(
                $"Function {DisplayName} belongs to a JitModule; compile the module with JitModule.Compile(), which lays out all its functions together.");
        if (UsesManagedEngine) return CompileManaged();
        ProcessTarget.EnsureRunnable(_library);
        PrepareLink();
        var linked = FunctionLinker.Link(_library, [this], addressHint);
        var function = new CompiledFunction(_library, linked.Memory, linked.Image, 0, linked.Image.Length, _parameterCount, _frameSlots, linked.Maps[0], null);
        MarkCompiled(linked.Maps[0]);
        PerfMap.Record(linked, [function]);
        return function;
    }

    /// <summary>The name used in messages, disassembly and perf maps.</summary>
    internal string DisplayName => Name ?? "fn" + _id.ToString(CultureInfo.InvariantCulture);

    /// <summary>The index of this function in its module.</summary>
    internal int ModuleIndex => _moduleIndex;

    /// <summary>The plan the builder emits from.</summary>
    internal LibraryPlan Plan => _plan;

    /// <summary>The length of the settled body (<see cref="PrepareLink"/>; written by <see cref="WriteBody"/>).</summary>
    internal int BodyLength => _bodyLength;

    /// <summary>The PC-relative hole references resolved at link time (fields at emit-time offsets: see <see cref="FinalOffset"/>).</summary>
    internal ReadOnlySpan<CallSite> CallSites => _callSites.AsSpan();

    /// <summary>The fields of GOT loads, patched to their entries at link time (emit-time offsets: see <see cref="FinalOffset"/>).</summary>
    internal ReadOnlySpan<GotLoad> GotLoads => _gotLoads.AsSpan();

    /// <summary>
    /// Checks, without changing anything, that the function can be linked (then settles the pending trailing jump,
    /// which does not change what the code does).
    /// </summary>
    /// <exception cref="FunctionCompileException">It cannot.</exception>
    internal void PrepareLink()
    {
        CheckComplete();
        FunctionLinker.CheckFrameSize(_library, _frameSlots);
        Settle();
        SettleOtherSegment();
        PlaceSegments();
    }

    /// <summary>
    /// The map of the settled function (offsets relative to the body until the linker sets them). It reads the
    /// builder's log in place: valid until the builder changes, or for good once <see cref="MarkCompiled(FunctionMap)"/> hands the
    /// log over to it.
    /// </summary>
    internal FunctionMap CreateMap() =>
        new(_plan, _log.Storage ?? [], _log.Count, _blocks.Storage ?? [], _blockOrder.Storage ?? [], _blockOrder.Count, _coldStart, DisplayName);

    /// <summary>Marks the builder compiled (by the managed engine, which keeps a program of its own) and returns all its storage to the pool.</summary>
    internal void MarkCompiled()
    {
        _compiled = true;
        ReleaseStorage();
    }

    /// <summary>
    /// Marks the builder compiled and returns its storage to the pool, except the log and the blocks, which
    /// <paramref name="map"/> (the map <see cref="CreateMap"/> made for the compiled code) takes over: copying them cost as
    /// much as the rest of linking.
    /// </summary>
    internal void MarkCompiled(FunctionMap map)
    {
        _compiled = true;
        if (_log.Storage is not null) map.OwnPooledLog();
        _log.Detach();
        map.OwnPooledBlocks(); // the map reads them in place (FunctionMap.Blocks)
        _blocks.Detach();
        _blockOrder.Detach();
        ReleaseStorage();
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

    /// <summary>
    /// The location code of <paramref name="location"/> (its register index, or <paramref name="registers"/> for a stack
    /// slot). Makes <paramref name="bad"/> negative when the location is outside the library's registers or the stack
    /// limit, and tracks the lowest and highest stack slot.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int LocationCode(Location location, int registers, ref int bad, ref int minSlot, ref int maxSlot)
    {
        int bits = location.Bits;
        int index = bits >> 2;
        if ((bits & 1) == 0)
        {
            bad |= (registers - 1 - index) | -(bits & 2); // a float register is never an integer value's location
            return index;
        }
        bad |= MaxStackSlots - 1 - index;
        if (index > maxSlot) maxSlot = index;
        if (index < minSlot) minSlot = index;
        return registers;
    }

    /// <summary>
    /// The variant index of a family with float-class values (<see cref="StencilFamily.FloatMask"/>): the mixed-radix number of
    /// the location codes (<see cref="VariantIndex"/>), float-class values in base F + 1 (<paramref name="family"/>'s counts).
    /// </summary>
    private static int MixedIndex(StencilFamily family, ReadOnlySpan<Location> inputs, ReadOnlySpan<Location> outputs, ref int bad, ref int minSlot, ref int maxSlot)
    {
        int registers = family.Registers, floats = family.FloatRegisters, index = 0;
        uint floatMask = family.FloatMask;
        for (int v = 0; v < inputs.Length + outputs.Length; v++)
        {
            var l = v < inputs.Length ? inputs[v] : outputs[v - inputs.Length];
            index = VariantIndex.IsFloat(v, floatMask)
                ? index * (floats + 1) + FloatLocationCode(l, floats, ref bad, ref minSlot, ref maxSlot)
                : index * (registers + 1) + LocationCode(l, registers, ref bad, ref minSlot, ref maxSlot);
        }
        return index;
    }

    /// <summary>As <see cref="LocationCode"/> for a float-class value: a float register's index, or <paramref name="floatRegisters"/> for a slot.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int FloatLocationCode(Location location, int floatRegisters, ref int bad, ref int minSlot, ref int maxSlot)
    {
        int bits = location.Bits;
        int index = bits >> 2;
        if ((bits & 1) == 0)
        {
            bad |= (floatRegisters - 1 - index) | ((bits & 2) - 2); // an integer register is never a float value's location
            return index;
        }
        bad |= MaxStackSlots - 1 - index;
        if (index > maxSlot) maxSlot = index;
        if (index < minSlot) minSlot = index;
        return floatRegisters;
    }

    /// <summary>The header of variant <paramref name="variant"/>'s record in the plan's blob.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref VariantPlan Header(int variant) =>
        ref Unsafe.As<byte, VariantPlan>(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_blob), (nint)(uint)_offsets[variant]));

    /// <summary>Whether the variant whose header is <paramref name="v"/> exists, is sound, and can take the hole values and stack slots.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsUsable(ref VariantPlan v, ReadOnlySpan<ulong> holes, int minSlot, int maxSlot)
    {
        if (!v.IsReady) return false;
        if (maxSlot >= 0 && (minSlot < v.SlotMin || maxSlot > v.SlotMax)) return false;
        return v.CheckCount == 0 || AcceptsHoles(ref v, holes);
    }

    /// <summary>Whether the hole values fit every limited hole field of the variant whose header is <paramref name="v"/>.</summary>
    private static bool AcceptsHoles(ref VariantPlan v, ReadOnlySpan<ulong> holes)
    {
        ref HoleCheck check = ref Unsafe.As<VariantPlan, HoleCheck>(ref Unsafe.AddByteOffset(ref v, v.CheckStart));
        for (int i = 0; i < v.CheckCount; i++)
        {
            ref HoleCheck c = ref Unsafe.Add(ref check, i);
            if (!c.Accepts(holes[c.Hole])) return false;
        }
        return true;
    }

    /// <summary>
    /// Appends variant <paramref name="variant"/> (header <paramref name="v"/>; already checked: it fits, and so do its
    /// holes and slots) and patches it.
    /// This is the only place an emit changes the builder.
    /// </summary>
    [SkipLocalsInit]
    private void Commit(ref VariantPlan v, int variant, ReadOnlySpan<Location> inputs, ReadOnlySpan<Location> outputs,
        ReadOnlySpan<ulong> holes, ReadOnlySpan<Block> targets, int maxSlot)
    {
        if (_recording) Record(v.Family, inputs, outputs, holes, targets); // for the managed engine (first: the spans are live here anyway)
        // Settle what the previous stencil left pending. The common case, inline: its trailing jump goes to "next",
        // which is this stencil, so it is dropped.
        if (_hasTail)
        {
            if (_tail.Block < 0 && (_pendingNext.Count | _blocksHere.Count) == 0)
            {
                _hasTail = false;
                _code.Truncate(_code.Count - _tailJumpLength);
            }
            else Settle();
        }
        else if ((_pendingNext.Count | _blocksHere.Count) != 0) Settle();

        // The record of the variant: header, steps, checks, code, all validated when the plan was built.
        ref byte record = ref Unsafe.As<VariantPlan, byte>(ref v);
        int length = v.Length;
        int start = _code.Extend(length, LibraryPlan.CopySlack);
        ref byte code = ref _code.UncheckedAt(start);
        CopyCode(ref code, ref Unsafe.Add(ref record, v.CodeStart), length);
        start += _base; // from here on, a body offset (cold code has its own segment: FunctionBuilder.Cold.cs)

        int inputCount = inputs.Length;
        int entry = _log.Extend(2 + inputCount + outputs.Length);
        ref int logged = ref _log.UncheckedAt(entry);
        logged = start;
        Unsafe.Add(ref logged, 1) = variant;
        ref Location locations = ref Unsafe.As<int, Location>(ref Unsafe.Add(ref logged, 2));
        for (int i = 0; i < inputCount; i++) Unsafe.Add(ref locations, i) = inputs[i];
        for (int i = 0; i < outputs.Length; i++) Unsafe.Add(ref locations, inputCount + i) = outputs[i];
        _lastEntry = entry;
        if (maxSlot >= _frameSlots) _frameSlots = maxSlot + 1;

        int count = v.StepCount;
        ref PatchStep steps = ref Unsafe.As<byte, PatchStep>(ref Unsafe.Add(ref record, VariantPlan.HeaderSize));
        if (count != 0)
            Patch(ref code, ref steps, count, start, entry, ref locations,
                ref MemoryMarshal.GetReference(holes), ref MemoryMarshal.GetReference(targets));
        if ((v.Flags & PlanFlags.HasTail) != 0)
        {
            // The trailing jump stays pending until the next code is known.
            PatchStep tail = Unsafe.Add(ref steps, count);
            _tail = new PendingTail(start + tail.Offset, tail.Addend,
                tail.Op == PatchOp.TailNext ? -1 : TargetBlock(targets[tail.Arg], entry));
            _hasTail = true;
        }
    }

    /// <summary>
    /// Copies a variant's code in 32-byte chunks: the source is followed by at least <see cref="LibraryPlan.CopySlack"/>
    /// readable bytes (the next record, or the blob's padding) and the destination has that much spare capacity, so the
    /// last chunk may overrun.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyCode(ref byte destination, ref byte source, int length)
    {
        nuint offset = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            do
            {
                Vector256.LoadUnsafe(ref source, offset).StoreUnsafe(ref destination, offset);
                offset += 32;
            }
            while (offset < (nuint)(uint)length);
        }
        else
        {
            do
            {
                Vector128.LoadUnsafe(ref source, offset).StoreUnsafe(ref destination, offset);
                offset += 16;
            }
            while (offset < (nuint)(uint)length);
        }
    }

    /// <summary>Applies a variant's patch steps (all but the trailing jump's) to its freshly copied code.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Patch(ref byte code, ref PatchStep step, int count, int start, int entry, ref Location locations,
        ref ulong hole, ref Block targets)
    {
        // The plan guarantees every step's field lies inside the variant, its hole/target index is below the
        // family's counts (which the spans were checked against) and its value index below the number of values.
        for (int k = 0; k < count; k++)
        {
            PatchStep s = Unsafe.Add(ref step, k);
            ref byte field = ref Unsafe.Add(ref code, s.Offset);
            // The common fields inline; the rest out of line, which keeps the emit path's registers free.
            if (s.Op == PatchOp.Slot32)
                X64Fields.Write32(ref field, unchecked((uint)SlotValue(ref locations, s)));
            else if (s.Op == PatchOp.Hole32)
                X64Fields.Write32(ref field, unchecked((uint)(Unsafe.Add(ref hole, s.Arg) + (ulong)(long)s.Addend)));
            else if (s.Op == PatchOp.Hole64)
                X64Fields.Write64(ref field, unchecked(Unsafe.Add(ref hole, s.Arg) + (ulong)(long)s.Addend));
            else
                PatchOther(ref field, s, start, entry, ref locations, ref hole, ref targets);
        }
    }

    /// <summary>Applies a patch step other than <see cref="PatchOp.Slot32"/>, <see cref="PatchOp.Hole32"/> and <see cref="PatchOp.Hole64"/>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void PatchOther(ref byte field, PatchStep s, int start, int entry, ref Location locations, ref ulong hole, ref Block targets)
    {
        switch (s.Op)
        {
            case PatchOp.Hole16:
                X64Fields.Write16(ref field, unchecked((ushort)(Unsafe.Add(ref hole, s.Arg) + (ulong)(long)s.Addend)));
                break;
            case PatchOp.Hole8:
                X64Fields.Write8(ref field, unchecked((byte)(Unsafe.Add(ref hole, s.Arg) + (ulong)(long)s.Addend)));
                break;
            case PatchOp.HoleRel32:
            case PatchOp.HoleRel64:
            case PatchOp.HoleBranch26:
                _callSites.Add(new CallSite(start + s.Offset, Unsafe.Add(ref hole, s.Arg), RelativeKind(s.Op, PatchOp.HoleRel32, PatchOp.HoleRel64), s.Addend));
                break;
            case PatchOp.Slot64:
                X64Fields.Write64(ref field, SlotValue(ref locations, s));
                break;
            case PatchOp.Slot16:
                X64Fields.Write16(ref field, unchecked((ushort)SlotValue(ref locations, s)));
                break;
            case PatchOp.Slot8:
                X64Fields.Write8(ref field, unchecked((byte)SlotValue(ref locations, s)));
                break;
            case PatchOp.HoleImm16Group0:
            case PatchOp.HoleImm16Group1:
            case PatchOp.HoleImm16Group2:
            case PatchOp.HoleImm16Group3:
                Arm64Fields.WriteImm16(ref field, unchecked(Unsafe.Add(ref hole, s.Arg) + (ulong)(long)s.Addend), s.Op - PatchOp.HoleImm16Group0);
                break;
            case PatchOp.SlotImm16Group0:
            case PatchOp.SlotImm16Group1:
            case PatchOp.SlotImm16Group2:
            case PatchOp.SlotImm16Group3:
                Arm64Fields.WriteImm16(ref field, SlotValue(ref locations, s), s.Op - PatchOp.SlotImm16Group0);
                break;
            case PatchOp.Next32:
            case PatchOp.Next64:
            case PatchOp.Next26:
                _pendingNext.Add(new NextFixup(start + s.Offset, RelativeKind(s.Op, PatchOp.Next32, PatchOp.Next64), s.Addend));
                break;
            case PatchOp.Target32:
            case PatchOp.Target64:
            case PatchOp.Target26:
            {
                int block = TargetBlock(Unsafe.Add(ref targets, s.Arg), entry);
                BranchTo(block, start + s.Offset, RelativeKind(s.Op, PatchOp.Target32, PatchOp.Target64), s.Addend);
                break;
            }
            case PatchOp.HolePageOffset:
                Arm64Fields.WritePageOffset(ref field, unchecked(Unsafe.Add(ref hole, s.Arg) + (ulong)(long)s.Addend));
                break;
            case PatchOp.SlotPageOffset:
                Arm64Fields.WritePageOffset(ref field, SlotValue(ref locations, s));
                break;
            case PatchOp.HoleGotPage:
            case PatchOp.HoleGotOffset:
                _gotLoads.Add(new GotLoad(Unsafe.Add(ref hole, s.Arg), start + s.Offset,
                    s.Op == PatchOp.HoleGotPage ? RelocationKind.Arm64GotPage21 : RelocationKind.Arm64GotPageOff12));
                break;
            case PatchOp.SlotGotPage:
            case PatchOp.SlotGotOffset:
                _gotLoads.Add(new GotLoad(SlotValue(ref locations, s), start + s.Offset,
                    s.Op == PatchOp.SlotGotPage ? RelocationKind.Arm64GotPage21 : RelocationKind.Arm64GotPageOff12));
                break;
        }
    }

    /// <summary>The relocation kind of a relative patch step: <paramref name="rel32"/>, <paramref name="rel64"/>, or else a Branch26 one.</summary>
    private static RelocationKind RelativeKind(PatchOp op, PatchOp rel32, PatchOp rel64) =>
        op == rel32 ? RelocationKind.Rel32 : op == rel64 ? RelocationKind.Rel64 : RelocationKind.Arm64Branch26;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong SlotValue(ref Location locations, PatchStep step) =>
        unchecked((ulong)((long)Unsafe.Add(ref locations, step.Arg).Index * 8 + step.Addend));

    /// <summary>
    /// The block of <paramref name="target"/> (checked to be this builder's), noting that the stencil logged at
    /// <paramref name="entry"/> jumps to it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int TargetBlock(Block target, int entry)
    {
        int block = target.Id;
        ref BlockState state = ref _blocks.UncheckedAt(block);
        if (state.FirstTargetedBy < 0) state.FirstTargetedBy = entry;
        return block;
    }

    /// <summary>Patches a branch to a placed block, or queues it until the block is placed.</summary>
    private void BranchTo(int block, int field, RelocationKind kind, int addend)
    {
        ref BlockState state = ref _blocks.UncheckedAt(block);
        if (state.Offset >= 0)
        {
            WriteRelative(field, kind, addend, state.Offset);
            return;
        }
        _fixups.Add(new Fixup(field, kind, addend, state.FixupHead));
        state.FixupHead = _fixups.Count - 1;
    }

    /// <summary>
    /// Writes a branch inside the body (which is at most <see cref="CodeSizeLimit"/>, so a rel32 or a <c>b</c>/<c>bl</c>
    /// always reaches).
    /// </summary>
    private void WriteRelative(int field, RelocationKind kind, int addend, int destination)
    {
        if (((field ^ _base) | (destination ^ _base)) >= ColdSegment)
        {
            WriteAcrossSegments(field, kind, addend, destination);
            return;
        }
        WriteBranchField(ref _code.UncheckedAt(field - _base), kind, (long)destination + addend - field);
    }

    /// <summary>Writes a branch field (Rel32, Rel64 or a <c>b</c>/<c>bl</c>'s imm26) with <paramref name="value"/> (destination + addend − field).</summary>
    private static void WriteBranchField(ref byte at, RelocationKind kind, long value)
    {
        if (kind == RelocationKind.Rel32)
        {
            Debug.Assert(value is >= int.MinValue and <= int.MaxValue);
            X64Fields.Write32(ref at, unchecked((uint)(int)value));
        }
        else if (kind == RelocationKind.Rel64) X64Fields.Write64(ref at, unchecked((ulong)value));
        else
        {
            Debug.Assert(RelocationFields.Fits(RelocationKind.Arm64Branch26, unchecked((ulong)value)));
            Arm64Fields.WriteBranch26(ref at, value);
        }
    }

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
                _code.Truncate(_code.Count - _tailJumpLength);
                if (_plan.PairStarts is not null) MergePairAfterDroppedTail();
            }
            else if (_plan.PairStarts is null || !TryInvertPair())
                BranchTo(_tail.Block, _tail.Field, _tailJumpKind, _tail.Addend);
        }
        if (_alignHere > 1) PadTo(_alignHere);
        _alignHere = 0;
        int end = _code.Count + _base;
        if (_pendingNext.Count != 0)
        {
            foreach (var next in _pendingNext.AsSpan())
                WriteRelative(next.Field, next.Kind, next.Addend, end);
            _pendingNext.Clear();
        }
        if (_blocksHere.Count != 0)
        {
            foreach (int block in _blocksHere.AsSpan())
            {
                ref BlockState state = ref _blocks.UncheckedAt(block);
                state.Offset = end;
                for (int f = state.FixupHead; f >= 0; f = _fixups.UncheckedAt(f).NextInChain)
                {
                    var fixup = _fixups.UncheckedAt(f);
                    WriteRelative(fixup.Field, fixup.Kind, fixup.Addend, end);
                }
                state.FixupHead = -1;
                _blockOrder.Add(block);
            }
            _blocksHere.Clear();
        }
    }

    /// <summary>Pads the code with the target's <c>nop</c>s to a multiple of <paramref name="alignment"/>.</summary>
    private void PadTo(int alignment)
    {
        int pad = -_code.Count & (alignment - 1);
        if (pad == 0) return;
        int at = _code.Extend(pad);
        CodeFill.Padding(_architecture, _code.AsSpan().Slice(at, pad));
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
        if (CodeSize == 0)
            throw new FunctionCompileException("The function has no code: emit at least a returning stencil before Compile.");
        string last = _lastEntry >= 0 ? FamilyOf(_lastEntry).Name : "?";
        if ((_hasTail && (_tail.IsNext || IsStartedHere(_tail.Block))) || _pendingNext.Count > 0)
            throw new FunctionCompileException(
                $"Control runs off the end of the function after stencil {last}: the last stencil continues to the next code, but there is none (end with a returning stencil or a jump).",
                null, last);
        foreach (int b in _blocksHere.AsSpan())
        {
            if (_blocks[b].FirstTargetedBy >= 0)
            {
                string stencil = FamilyOf(_blocks[b].FirstTargetedBy).Name;
                throw new FunctionCompileException(
                    $"Block B{b} is started at the very end of the function with no code after it, but stencil {stencil} jumps to it; control would run off the end.",
                    new Block(_id, b), stencil);
            }
        }
        for (int b = 0; b < _blocks.Count; b++)
        {
            ref BlockState state = ref _blocks[b];
            if (state.FirstTargetedBy >= 0 && !state.Started)
            {
                string stencil = FamilyOf(state.FirstTargetedBy).Name;
                throw new FunctionCompileException(
                    $"Block B{b} is jumped to by stencil {stencil} (at code offset 0x{_log[state.FirstTargetedBy]:x}) but was never started.",
                    new Block(_id, b), stencil);
            }
        }
    }

    /// <summary>The family of the stencil whose log entry is at <paramref name="entry"/>.</summary>
    private StencilFamily FamilyOf(int entry) => _plan.FamilyOf(_log[entry + 1]);

    private void ReleaseStorage()
    {
        _code.Release();
        ReleaseSegments();
        _log.Release();
        _blocks.Release();
        _blockOrder.Release();
        _fixups.Release();
        _pendingNext.Release();
        _blocksHere.Release();
        _callSites.Release();
        _gotLoads.Release();
        _program.Release();
    }
}
