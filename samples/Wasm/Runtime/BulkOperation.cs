using System;

namespace Patchouly.Samples.Wasm.Runtime;

/// <summary>The operations the JIT leaves to C#.</summary>
public enum BulkKind
{
    /// <summary>memory.grow: [delta] → [old pages or -1].</summary>
    MemoryGrow,
    /// <summary>memory.fill: [dst, value, n].</summary>
    MemoryFill,
    /// <summary>memory.copy: [dst, src, n].</summary>
    MemoryCopy,
    /// <summary>memory.init seg: [dst, src, n].</summary>
    MemoryInit,
    /// <summary>data.drop seg.</summary>
    DataDrop,
    /// <summary>table.get t: [i] → [ref].</summary>
    TableGet,
    /// <summary>table.set t: [i, ref].</summary>
    TableSet,
    /// <summary>table.size t: → [n].</summary>
    TableSize,
    /// <summary>table.grow t: [init, n] → [old or -1].</summary>
    TableGrow,
    /// <summary>table.fill t: [i, ref, n].</summary>
    TableFill,
    /// <summary>table.copy dst src: [d, s, n].</summary>
    TableCopy,
    /// <summary>table.init t seg: [d, s, n].</summary>
    TableInit,
    /// <summary>elem.drop seg.</summary>
    ElemDrop,
}

/// <summary>One bulk-memory or table instruction of an instance, run in C#; <see cref="A"/> and <see cref="B"/> are its immediates.</summary>
public sealed unsafe class BulkOperation(Instance instance, BulkKind kind, uint a, uint b) : HostOperation(instance.Store)
{
    /// <summary>The instruction.</summary>
    public BulkKind Kind { get; } = kind;

    /// <summary>First immediate (memory, table or segment index).</summary>
    public uint A { get; } = a;

    /// <summary>Second immediate.</summary>
    public uint B { get; } = b;

    /// <inheritdoc />
    public override TrapKind Run(Exchange* exchange)
    {
        long* v = exchange->Values;
        var inst = instance;
        switch (Kind)
        {
            case BulkKind.MemoryGrow:
                v[0] = inst.Memories[A].Grow((uint)v[0]);
                return TrapKind.None;
            case BulkKind.MemoryFill:
            {
                var m = inst.Memories[A];
                ulong d = (uint)v[0], n = (uint)v[2];
                if (!m.InBounds(d, n)) return TrapKind.MemoryOutOfBounds;
                new Span<byte>(m.Desc->Base + d, (int)n).Fill((byte)v[1]);
                return TrapKind.None;
            }
            case BulkKind.MemoryCopy:
            {
                var m = inst.Memories[A];
                ulong d = (uint)v[0], s = (uint)v[1], n = (uint)v[2];
                if (!m.InBounds(d, n) || !m.InBounds(s, n)) return TrapKind.MemoryOutOfBounds;
                Buffer.MemoryCopy(m.Desc->Base + s, m.Desc->Base + d, n, n);
                return TrapKind.None;
            }
            case BulkKind.MemoryInit:
                return inst.InitMemory(B, A, (uint)v[0], (uint)v[1], (uint)v[2]);
            case BulkKind.DataDrop:
                inst.DropData(A);
                return TrapKind.None;
            case BulkKind.TableGet:
            {
                var t = inst.Tables[A];
                uint i = (uint)v[0];
                if (i >= t.Length) return TrapKind.TableOutOfBounds;
                v[0] = (long)t[i];
                return TrapKind.None;
            }
            case BulkKind.TableSet:
            {
                var t = inst.Tables[A];
                uint i = (uint)v[0];
                if (i >= t.Length) return TrapKind.TableOutOfBounds;
                t[i] = (ulong)v[1];
                return TrapKind.None;
            }
            case BulkKind.TableSize:
                v[0] = inst.Tables[A].Length;
                return TrapKind.None;
            case BulkKind.TableGrow:
                v[0] = inst.Tables[A].Grow((uint)v[1], (ulong)v[0]);
                return TrapKind.None;
            case BulkKind.TableFill:
            {
                var t = inst.Tables[A];
                ulong i = (uint)v[0], n = (uint)v[2];
                if (i + n > t.Length) return TrapKind.TableOutOfBounds;
                for (ulong k = 0; k < n; k++) t[(uint)(i + k)] = (ulong)v[1];
                return TrapKind.None;
            }
            case BulkKind.TableCopy:
            {
                var dt = inst.Tables[A];
                var st = inst.Tables[B];
                ulong d = (uint)v[0], s = (uint)v[1], n = (uint)v[2];
                if (d + n > dt.Length || s + n > st.Length) return TrapKind.TableOutOfBounds;
                Buffer.MemoryCopy(st.Desc->Elements + s, dt.Desc->Elements + d, n * 8, n * 8);
                return TrapKind.None;
            }
            case BulkKind.TableInit:
                return inst.InitTable(B, A, (uint)v[0], (uint)v[1], (uint)v[2]);
            case BulkKind.ElemDrop:
                inst.DropElements(A);
                return TrapKind.None;
            default:
                throw new InvalidOperationException($"unknown bulk operation {Kind}");
        }
    }
}
