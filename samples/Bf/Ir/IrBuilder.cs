using System;
using System.Collections.Generic;

namespace Patchouly.Samples.Bf.Ir;

/// <summary>
/// Turns tokens into the linear IR, optimising on the way:
/// <list type="bullet">
/// <item>run-length folding (done by the tokenizer), <c>[-]</c>/<c>[+]</c> (any odd step) → <see cref="OpKind.Set"/> 0;</item>
/// <item>multiply/add-to loops (balanced body of <c>+-&lt;&gt;</c> whose loop cell changes by ±1) → <see cref="OpKind.MulAdd"/>s + set 0;</item>
/// <item>scan loops (<c>[&gt;]</c>, <c>[&lt;&lt;]</c>, ...) → <see cref="OpKind.Scan"/>;</item>
/// <item>pointer offsets folded into operations: the pointer moves only at loop boundaries (and when drifting far);</item>
/// <item>adjacent writes to one cell merged (<c>[-]+++</c> → set 3), dead loops (cell known to be zero) dropped;</item>
/// <item>bounds checks only where needed (see below).</item>
/// </list>
/// <para><b>Bounds checks.</b> The tape has <see cref="Tape.Guard"/> zero cells on each side. Straight-line code
/// between two <i>checkpoints</i> (I/O, loop boundaries, scans, the end, or the visited range growing beyond
/// <see cref="MaxReach"/>) runs unchecked; at the checkpoint one <see cref="OpKind.Check"/> verifies the whole range of
/// cells the pointer visited since the last one. No observable effect (I/O, looping) happens between a visit and its
/// check, so the program stops with a tape overrun before it could show anything a strict interpreter would not.
/// Unchecked accesses stay within 2×<see cref="MaxReach"/> cells of a verified cell, i.e. inside the guard. A
/// balanced loop (net movement 0, no unbalanced inner loops) keeps the pointer fixed, so the range its body visits
/// before the first I/O or inner loop is checked once when the loop is entered instead of on every iteration. The
/// cells a multiply loop touches are only visited if its counter is non-zero: when they are outside the checked range
/// they get a <see cref="OpKind.CheckNonZero"/>. Scan loops run unchecked (the zero guard stops them) and are
/// followed by a check.</para>
/// </summary>
public static class IrBuilder
{
    /// <summary>The largest extent of unchecked pointer movement (and of a multiply loop's or scan's reach).</summary>
    public const int MaxReach = 1024;

    /// <summary>Parses and optimises a program.</summary>
    /// <exception cref="BfSyntaxException">The brackets do not match.</exception>
    public static BfProgram Build(ReadOnlySpan<char> source)
    {
        var tokens = Parser.Tokenize(source);
        var builder = new Linearizer(tokens);
        var ops = builder.Run();
        return new BfProgram(ops, tokens.Length, source.Length);
    }

    /// <summary>Parses and optimises a program given as a string.</summary>
    public static BfProgram Build(string source) => Build(source.AsSpan());

    private enum LoopKind : byte
    {
        General,
        Clear,
        Multiply,
        Scan,
    }

    private sealed class Linearizer
    {
        private readonly Token[] _t;
        private readonly LoopKind[] _kind;
        private readonly bool[] _balanced;
        private readonly Hull[] _hull;
        private readonly (int Min, int Max)[] _extent; // of a clear or multiply loop's body
        private readonly List<Op> _ops;

        // The current straight-line segment (flushed at each checkpoint).
        private readonly List<Op> _seg = new();
        private readonly List<(int Index, int Lo, int Hi, int Src)> _mulSites = new();

        // Offsets are relative to the real data pointer p.
        private int _pos;               // where the program's pointer is
        private bool _pending;          // cells visited since the last checkpoint ...
        private int _lo, _hi;           // ... span this range
        private bool _hasV;             // a range known to be on the tape ...
        private int _vLo, _vHi;         // ... is this one
        private int _knownZero;         // a cell known to hold 0, or NoCell
        private bool _hoist;            // the next check is the first of a balanced loop body: place it before the body
        private int _bodyStart = -1;    // where that loop's back-edge jumps (after the hoisted check)

        private const int NoCell = int.MinValue;

        // Multiply-loop scratch: deltas by offset.
        private readonly Dictionary<int, int> _deltas = new();
        private readonly List<int> _deltaOrder = new();

        /// <summary>
        /// The cells a general loop's body visits on every iteration (relative to the pointer at the start of the
        /// iteration) and its net movement; unknown when it contains an unbalanced inner loop.
        /// </summary>
        private struct Hull
        {
            public bool Known;
            public int Min, Max, Net;
        }

        public Linearizer(Token[] tokens)
        {
            _t = tokens;
            _kind = new LoopKind[tokens.Length];
            _balanced = new bool[tokens.Length];
            _hull = new Hull[tokens.Length];
            _extent = new (int, int)[tokens.Length];
            _ops = new List<Op>(tokens.Length + 16);
            Classify();
        }

        public Op[] Run()
        {
            _hasV = true;        // the start cell is on the tape
            _vLo = _vHi = 0;
            _knownZero = 0;      // and holds 0 (dropping leading comment loops)
            Body(0, _t.Length);
            Visit(_pos, _pos);
            EndSegment();
            _ops.Add(new Op(OpKind.End));
            return _ops.ToArray();
        }

        /// <summary>
        /// Classifies every loop (bottom-up, O(n)): clear, multiply, scan or general; balanced or not; and the hull
        /// of the cells its body visits unconditionally.
        /// </summary>
        private void Classify()
        {
            var stack = new Stack<(Hull Hull, bool InnerBalanced, bool Simple)>();
            var h = new Hull { Known = true };
            bool innerBalanced = true, simple = true;
            for (int i = 0; i < _t.Length; i++)
            {
                ref Token tok = ref _t[i];
                switch (tok.Kind)
                {
                    case TokenKind.Add:
                        Extend(ref h, h.Net, h.Net);
                        break;
                    case TokenKind.Move:
                        Extend(ref h, h.Net + tok.Min, h.Net + tok.Max);
                        h.Net += tok.Value;
                        break;
                    case TokenKind.Output:
                    case TokenKind.Input:
                        Extend(ref h, h.Net, h.Net);
                        simple = false;
                        break;
                    case TokenKind.Open:
                        Extend(ref h, h.Net, h.Net); // the loop test
                        stack.Push((h, innerBalanced, simple));
                        h = new Hull { Known = true };
                        innerBalanced = true;
                        simple = true;
                        break;
                    case TokenKind.Close:
                    {
                        int open = tok.Value;
                        var kind = simple ? ClassifySimple(open + 1, i, out _extent[open]) : LoopKind.General;
                        _kind[open] = kind;
                        bool balanced = kind is LoopKind.Clear or LoopKind.Multiply || (kind == LoopKind.General && h.Net == 0 && innerBalanced);
                        _balanced[open] = balanced;
                        h.Known &= innerBalanced;
                        _hull[open] = h;
                        var outer = stack.Pop();
                        h = outer.Hull;
                        if (!balanced) h.Known = false; // the pointer moves by an unknown amount
                        innerBalanced = outer.InnerBalanced && balanced;
                        simple = false; // the enclosing loop contains a loop
                        break;
                    }
                }
            }
        }

        private static void Extend(ref Hull h, int lo, int hi)
        {
            h.Min = Math.Min(h.Min, lo);
            h.Max = Math.Max(h.Max, hi);
        }

        /// <summary>Classifies a loop body [from, to) made only of Add and Move tokens; <paramref name="extent"/> is the range it visits.</summary>
        private LoopKind ClassifySimple(int from, int to, out (int Min, int Max) extent)
        {
            extent = default;
            if (to - from == 1 && _t[from].Kind == TokenKind.Move)
            {
                ref Token move = ref _t[from];
                int step = move.Value;
                // A plain run ([>>], not [<>>]): the body visits only the cells between p and p+step.
                bool plain = move.Min == Math.Min(0, step) && move.Max == Math.Max(0, step);
                return step != 0 && plain && Math.Abs(step) <= MaxReach ? LoopKind.Scan : LoopKind.General;
            }
            int pos = 0, min = 0, max = 0, delta0 = 0;
            bool others = false;
            for (int i = from; i < to; i++)
            {
                ref Token tok = ref _t[i];
                if (tok.Kind == TokenKind.Add)
                {
                    if (pos == 0) delta0 += tok.Value;
                    else others = true;
                }
                else
                {
                    min = Math.Min(min, pos + tok.Min);
                    max = Math.Max(max, pos + tok.Max);
                    pos += tok.Value;
                }
            }
            delta0 &= 0xFF;
            extent = (min, max);
            if (pos != 0 || max - min > MaxReach) return LoopKind.General;
            if (delta0 is 1 or 255) return others ? LoopKind.Multiply : LoopKind.Clear;
            // [--], [+++]: an odd step reaches zero from any value; with other writes the count is unknown.
            return (delta0 & 1) == 1 && !others ? LoopKind.Clear : LoopKind.General;
        }

        /// <summary>
        /// The state of a general loop whose body is being linearised: what <see cref="LoopExit"/> needs when its
        /// <c>]</c> is reached. Loops nest on an explicit stack, not the call stack, so deeply nested brackets
        /// (a million levels) cannot overflow it.
        /// </summary>
        private struct LoopFrame
        {
            public int Close;           // the token index of the loop's ']'
            public int Begin;           // the LoopBegin op, or -1 when the loop is entered unconditionally
            public int EntryLo, EntryHi;
            public bool OuterHoist;
            public int OuterBodyStart;
        }

        private readonly Stack<LoopFrame> _loops = new();

        private void Body(int from, int to)
        {
            for (int i = from; i < to; i++)
            {
                ref Token tok = ref _t[i];
                switch (tok.Kind)
                {
                    case TokenKind.Add:
                        Visit(_pos, _pos);
                        EmitAdd(_pos, (byte)tok.Value);
                        break;
                    case TokenKind.Move:
                        Visit(_pos + tok.Min, _pos + tok.Max);
                        _pos += tok.Value;
                        if (Math.Abs(_pos) > MaxReach) EndSegment(); // keep offsets small: flush and move the pointer
                        break;
                    case TokenKind.Output:
                        Visit(_pos, _pos);
                        EndSegment();
                        _ops.Add(Op.Output(_pos));
                        break;
                    case TokenKind.Input:
                        Visit(_pos, _pos);
                        EndSegment();
                        _ops.Add(Op.Input(_pos));
                        if (_knownZero == _pos) _knownZero = NoCell;
                        break;
                    case TokenKind.Open:
                    {
                        int close = tok.Value;
                        if (_knownZero == _pos)
                        {
                            i = close; // never entered
                            break;
                        }
                        Visit(_pos, _pos);
                        switch (_kind[i])
                        {
                            case LoopKind.Clear:
                                // A body like [-<<>>] visits other cells, but only when it runs (the cell is not 0).
                                if (_extent[i].Min < 0 || _extent[i].Max > 0)
                                    _mulSites.Add((_seg.Count, _pos + _extent[i].Min, _pos + _extent[i].Max, _pos));
                                EmitSet(_pos, 0);
                                break;
                            case LoopKind.Multiply:
                                EmitMultiply(i + 1, close, _extent[i]);
                                break;
                            case LoopKind.Scan:
                                EndSegment();
                                Materialize();
                                _ops.Add(Op.Scan(_t[i + 1].Value));
                                // Where the scan stopped is unverified (at worst a guard cell, less than a step
                                // past the tape): it is checked with the next segment.
                                _hasV = false;
                                _pending = true;
                                _lo = _hi = 0;
                                _knownZero = 0;
                                break;
                            default:
                            {
                                // Fuse the last write of the loop cell into the entry test, or skip the test
                                // when the cell was just set to a non-zero constant.
                                int j = LastTouch(_pos);
                                byte pre = 0;
                                bool enters = false;
                                if (j >= 0 && _seg[j].Kind == OpKind.Add && _seg[j].Offset == _pos)
                                {
                                    pre = _seg[j].Imm;
                                    _seg[j] = default;
                                }
                                else if (j >= 0 && _seg[j].Kind == OpKind.Set && _seg[j].Offset == _pos && _seg[j].Imm != 0)
                                {
                                    enters = true;
                                }
                                LoopEnter(i, close, pre, enters);
                                continue; // the body follows; its ']' ends the loop (LoopExit)
                            }
                        }
                        i = close;
                        break;
                    }
                    case TokenKind.Close:
                        // Only the ']' of a general loop is reached (other loops are skipped whole); the tokenizer
                        // matched the brackets, so it closes the innermost open loop.
                        if (_loops.Count == 0 || _loops.Peek().Close != i)
                            throw new InvalidOperationException("unexpected ']' (the tokenizer matches brackets)");
                        LoopExit(_loops.Pop());
                        break;
                }
            }
            if (_loops.Count != 0) throw new InvalidOperationException("a loop was left open (the tokenizer matches brackets)");
        }

        /// <summary>Starts a general loop: its entry test, then its body is linearised by <see cref="Body"/>.</summary>
        private void LoopEnter(int open, int close, byte pre, bool enters)
        {
            EndSegment();
            Materialize();
            int begin = enters ? -1 : _ops.Count;
            if (!enters) _ops.Add(new Op(OpKind.LoopBegin, imm: pre));
            int entryLo = _vLo, entryHi = _vHi; // contains 0: the loop test was just checked
            bool balanced = _balanced[open];
            var hull = _hull[open];

            _loops.Push(new LoopFrame
            {
                Close = close,
                Begin = begin,
                EntryLo = entryLo,
                EntryHi = entryHi,
                OuterHoist = _hoist,
                OuterBodyStart = _bodyStart,
            });
            _hoist = balanced;
            _bodyStart = _ops.Count;
            // What is on the tape when an iteration starts: what was before the loop, and what the previous
            // iteration visited (its hull, seen from the pointer it moved to); both contain the loop cell.
            _hasV = true;
            if (hull.Known)
            {
                _vLo = Math.Max(entryLo, hull.Min - hull.Net);
                _vHi = Math.Min(entryHi, hull.Max - hull.Net);
            }
            else
            {
                _vLo = _vHi = 0;
            }
            _knownZero = NoCell;
        }

        /// <summary>Ends a general loop when its body has been linearised: the back-edge test and the entry's target.</summary>
        private void LoopExit(in LoopFrame frame)
        {
            Visit(_pos, _pos);
            // Fuse the last write of the loop cell into the back-edge test.
            int j = LastTouch(_pos);
            byte post = 0;
            if (j >= 0 && _seg[j].Kind == OpKind.Add && _seg[j].Offset == _pos)
            {
                post = _seg[j].Imm;
                _seg[j] = default;
            }
            EndSegment();
            Materialize();
            int bodyStart = _bodyStart;
            _hoist = frame.OuterHoist;
            _bodyStart = frame.OuterBodyStart;

            // A body that ends with the loop cell known to be 0 (an inner loop on it, a clear) runs at most once.
            if (post != 0 || _knownZero != 0) _ops.Add(new Op(OpKind.LoopEnd, arg: bodyStart, imm: post));
            if (frame.Begin >= 0) _ops[frame.Begin] = new Op(OpKind.LoopBegin, arg: _ops.Count, imm: _ops[frame.Begin].Imm);
            // The exit is reached from the entry test (the pointer where it was) or the back-edge: what both
            // verified is verified.
            _vLo = Math.Max(frame.EntryLo, _vLo);
            _vHi = Math.Min(frame.EntryHi, _vHi);
            _knownZero = 0;
        }

        /// <summary>Records that the pointer visits lo..hi (a contiguous range that contains the current position).</summary>
        private void Visit(int lo, int hi)
        {
            if (_pending && (Math.Max(_hi, hi) - Math.Min(_lo, lo) > MaxReach))
                EndSegment();
            if (_pending)
            {
                _lo = Math.Min(_lo, lo);
                _hi = Math.Max(_hi, hi);
            }
            else if (!_hasV || lo < _vLo || hi > _vHi)
            {
                _pending = true;
                _lo = lo;
                _hi = hi;
            }
            if (_pending && _hi - _lo > MaxReach)
                EndSegment(); // one long move: check it before anything touches the far cells
        }

        /// <summary>
        /// A checkpoint: flushes the segment with the check of what it visited (before it, for the first segment
        /// of a balanced loop body), and a conditional check for each multiply loop reaching outside that range.
        /// An end of the range inside the verified range needs no test.
        /// </summary>
        private void EndSegment()
        {
            int coverLo, coverHi;
            if (_pending && _hasV)
            {
                coverLo = Math.Min(_vLo, _lo);
                coverHi = Math.Max(_vHi, _hi);
            }
            else if (_pending)
            {
                coverLo = _lo;
                coverHi = _hi;
            }
            else if (_hasV)
            {
                coverLo = _vLo;
                coverHi = _vHi;
            }
            else
            {
                coverLo = 1;
                coverHi = 0; // nothing known (cannot happen: a scan leaves its position pending)
            }
            Op check = default;
            if (_pending)
            {
                byte sides = (byte)((!_hasV || _lo < _vLo ? Op.CheckLow : 0) | (!_hasV || _hi > _vHi ? Op.CheckHigh : 0));
                check = Op.Check(_lo, _hi, sides);
            }
            if (_hoist)
            {
                if (_pending) _ops.Add(check);
                _bodyStart = _ops.Count;
                _hoist = false;
                FlushSegment(coverLo, coverHi);
            }
            else
            {
                FlushSegment(coverLo, coverHi);
                if (_pending) _ops.Add(check);
            }
            _pending = false;
            _hasV = coverLo <= coverHi;
            _vLo = coverLo;
            _vHi = coverHi;
            if (Math.Abs(_pos) > MaxReach) Materialize();
        }

        private void FlushSegment(int coverLo, int coverHi)
        {
            int site = 0;
            for (int j = 0; j <= _seg.Count; j++)
            {
                while (site < _mulSites.Count && _mulSites[site].Index == j)
                {
                    var s = _mulSites[site++];
                    // The source is visited, so the loop's range overlaps the covered one.
                    byte sides = (byte)((s.Lo < coverLo ? Op.CheckLow : 0) | (s.Hi > coverHi ? Op.CheckHigh : 0));
                    if (sides != 0) _ops.Add(Op.CheckNonZero(s.Lo, s.Hi, s.Src, sides));
                }
                if (j < _seg.Count && _seg[j].Kind != OpKind.Nop) _ops.Add(_seg[j]);
            }
            _seg.Clear();
            _mulSites.Clear();
        }

        /// <summary>Moves the real pointer to the program's pointer (at a checkpoint: nothing is pending).</summary>
        private void Materialize()
        {
            if (_pos == 0) return;
            _ops.Add(Op.Move(_pos));
            _vLo -= _pos;
            _vHi -= _pos;
            if (_pending)
            {
                _lo -= _pos;
                _hi -= _pos;
            }
            if (_knownZero != NoCell) _knownZero -= _pos;
            _pos = 0;
        }

        private const int Lookback = 32;

        private static bool Touches(in Op op, int x) => op.Kind switch
        {
            OpKind.Add or OpKind.Set => op.Offset == x,
            OpKind.MulAdd or OpKind.MulSet => op.Offset == x || op.Arg == x,
            OpKind.Nop => false,
            _ => true,
        };

        /// <summary>
        /// The index in the segment of the last op that touches cell <paramref name="x"/>, or -1 when there is none
        /// within <see cref="Lookback"/> ops or a multiply loop's conditional check that reads <paramref name="x"/>
        /// lies in between (an op merged into that one would move across the check).
        /// </summary>
        private int LastTouch(int x)
        {
            int site = _mulSites.Count - 1;
            for (int j = _seg.Count - 1; j >= 0 && j >= _seg.Count - Lookback; j--)
            {
                for (; site >= 0 && _mulSites[site].Index > j; site--)
                    if (_mulSites[site].Src == x) return -1;
                if (Touches(_seg[j], x)) return j;
            }
            return -1;
        }

        private void EmitAdd(int x, byte n)
        {
            if (_knownZero == x) _knownZero = NoCell;
            int j = LastTouch(x);
            if (j >= 0 && _seg[j].Kind is OpKind.Add or OpKind.Set && _seg[j].Offset == x)
            {
                Op op = _seg[j];
                op.Imm = unchecked((byte)(op.Imm + n));
                if (op.Kind == OpKind.Add && op.Imm == 0) op.Kind = OpKind.Nop;
                _seg[j] = op;
                return;
            }
            _seg.Add(Op.Add(x, n));
        }

        private void EmitSet(int x, byte n)
        {
            if (n == 0 && _knownZero == x) return;
            _knownZero = n == 0 ? x : (_knownZero == x ? NoCell : _knownZero);
            int j = LastTouch(x);
            if (j >= 0 && _seg[j].Kind is OpKind.Add or OpKind.Set && _seg[j].Offset == x)
            {
                _seg[j] = Op.Set(x, n); // nothing in between touches x: the set can happen there
                return;
            }
            _seg.Add(Op.Set(x, n));
        }

        private void EmitMultiply(int from, int to, (int Min, int Max) extent)
        {
            _deltas.Clear();
            _deltaOrder.Clear();
            int pos = 0;
            for (int i = from; i < to; i++)
            {
                ref Token tok = ref _t[i];
                if (tok.Kind == TokenKind.Move)
                {
                    pos += tok.Value;
                    continue;
                }
                if (!_deltas.TryGetValue(pos, out int d)) _deltaOrder.Add(pos);
                _deltas[pos] = d + tok.Value;
            }
            bool up = (_deltas[0] & 0xFF) == 1; // counter counts up: it runs (256 - v) % 256 times, i.e. -v
            int lo = int.MaxValue, hi = int.MinValue;
            int site = _seg.Count;
            int src = _pos;
            foreach (int d in _deltaOrder)
            {
                int f = _deltas[d] & 0xFF;
                if (d == 0 || f == 0) continue;
                byte factor = (byte)(up ? -f : f);
                int dst = _pos + d;
                int j = LastTouch(dst);
                if (j >= 0 && _seg[j].Kind == OpKind.Set && _seg[j].Offset == dst && _seg[j].Imm == 0)
                {
                    _seg[j] = default; // nothing in between touches dst: t[dst] = 0 + t[src]*f
                    _seg.Add(Op.MulSet(dst, src, factor));
                }
                else if (_knownZero == dst)
                {
                    _seg.Add(Op.MulSet(dst, src, factor));
                }
                else
                {
                    _seg.Add(Op.MulAdd(dst, src, factor));
                }
                if (_knownZero == dst) _knownZero = NoCell;
                lo = Math.Min(lo, dst);
                hi = Math.Max(hi, dst);
            }
            // The loop visits its whole extent (targets and the cells on the way), but only when it runs.
            lo = Math.Min(lo, src + extent.Min);
            hi = Math.Max(hi, src + extent.Max);
            if (lo < src || hi > src) _mulSites.Add((site, Math.Min(lo, src), Math.Max(hi, src), src));
            EmitSet(src, 0);
        }
    }
}
