using Patchouly;

namespace Patchouly.Samples.Bf;

/// <summary>
/// The stencils of the brainf*ck JIT. Register 0 (R13) holds the data pointer <c>p</c>, register 1 (R14) the I/O
/// context handed to the host callbacks, register 2 (R15) a copy of the current cell while a chain of tests on it
/// runs (see <see cref="LoadAddTest"/>); all three are callee-saved in the C ABI, so they survive the calls to the
/// host. Cell offsets, constants and the tape's bounds (the tape is allocated before compiling) are holes.
/// The three are pinned (<see cref="PinnedAttribute"/>): the JIT keeps them in their registers, so the other placements
/// are never compiled. Registers 3 to 5 cache hot cells (the <c>…Reg</c> stencils below): the JIT loads a cell that a
/// run of operations uses more than once into one of them, works on the register, and writes it back at block edges,
/// before I/O, scans and branches (see the JIT's <c>CellCache</c>).
/// </summary>
/// <remarks>
/// Two-target branch stencils take the target that is usually the code right after them first: clang places a
/// stencil's first target as its trailing <c>jmp</c>, which the runtime drops when that block is started right after
/// the stencil, leaving a single conditional branch (see the JIT's emit code).
/// </remarks>
[StencilLibrary(Registers = 6)]
public static unsafe partial class BfStencils
{
    /// <summary>Status returned by <see cref="Exit"/> on success.</summary>
    public const long StatusOk = 0;

    /// <summary>Status returned when an I/O callback failed.</summary>
    public const long StatusIoError = 1;

    /// <summary>Low byte of the status returned by <see cref="Overrun"/> off the left end; the rest is the pointer's cell index.</summary>
    public const long StatusOverrunLeft = 2;

    /// <summary>Low byte of the status returned by <see cref="Overrun"/> off the right end.</summary>
    public const long StatusOverrunRight = 3;

    // ---- cells ----

    [Stencil] public static void Inc([Pinned(0)] byte* p, [Hole] nint off) => p[off]++;

    [Stencil] public static void Dec([Pinned(0)] byte* p, [Hole] nint off) => p[off]--;

    [Stencil] public static void Add([Pinned(0)] byte* p, [Hole] nint off, [Hole] byte n) => p[off] += n;

    [Stencil] public static void Zero([Pinned(0)] byte* p, [Hole] nint off) => p[off] = 0;

    [Stencil] public static void Set([Pinned(0)] byte* p, [Hole] nint off, [Hole] byte n) => p[off] = n;

    /// <summary><c>t[dst] += t[src]</c> (a multiply loop's factor 1).</summary>
    [Stencil] public static void AddCell([Pinned(0)] byte* p, [Hole] nint dst, [Hole] nint src) => p[dst] += p[src];

    /// <summary><c>t[dst] -= t[src]</c> (factor 255).</summary>
    [Stencil] public static void SubCell([Pinned(0)] byte* p, [Hole] nint dst, [Hole] nint src) => p[dst] -= p[src];

    /// <summary><c>t[dst] = t[src]</c> (a multiply loop into a cleared cell).</summary>
    [Stencil] public static void Copy([Pinned(0)] byte* p, [Hole] nint dst, [Hole] nint src) => p[dst] = p[src];

    /// <summary><c>t[dst] = t[src] * factor</c>.</summary>
    [Stencil] public static void MulSet([Pinned(0)] byte* p, [Hole] nint dst, [Hole] nint src, [Hole] byte factor) => p[dst] = (byte)(p[src] * factor);

    /// <summary><c>t[dst] += t[src] * factor</c>.</summary>
    [Stencil] public static void MulAdd([Pinned(0)] byte* p, [Hole] nint dst, [Hole] nint src, [Hole] byte factor) => p[dst] += (byte)(p[src] * factor);

    // ---- cells cached in registers ----
    // A cached cell is the low byte of its register: the arithmetic below is modulo 2^64, which keeps the low byte
    // right (sums, differences and products modulo 256 depend only on the operands' low bytes), so no stencil but the
    // tests truncates. Constants are word holes (a byte hole would be loaded into a register first).

    /// <summary>Loads a cell into a register: <c>c = t[off]</c>.</summary>
    [Stencil] public static nuint LoadCell([Pinned(0)] byte* p, [Hole] nint off) => p[off];

    /// <summary>Writes a cached cell back (a spill): <c>t[off] = c</c>.</summary>
    [Stencil] public static void SpillCell([Pinned(0)] byte* p, [Hole] nint off, nuint c) => p[off] = (byte)c;

    /// <summary><c>c += n</c>.</summary>
    [Stencil] public static nuint AddReg(nuint c, [Hole] nuint n) => c + n;

    /// <summary><c>c = n</c>.</summary>
    [Stencil] public static nuint SetReg([Hole] nuint n) => n;

    /// <summary><c>d += t[src]</c> (the destination cached, the source in memory).</summary>
    [Stencil] public static nuint AddMemToReg(nuint d, [Pinned(0)] byte* p, [Hole] nint src) => d + p[src];

    /// <summary><c>d -= t[src]</c>.</summary>
    [Stencil] public static nuint SubMemFromReg(nuint d, [Pinned(0)] byte* p, [Hole] nint src) => d - p[src];

    /// <summary><c>d += t[src] * factor</c>.</summary>
    [Stencil] public static nuint MulAddMemToReg(nuint d, [Pinned(0)] byte* p, [Hole] nint src, [Hole] nuint factor) => d + p[src] * factor;

    /// <summary><c>t[dst] += s</c> (the source cached, the destination in memory).</summary>
    [Stencil] public static void AddRegToCell([Pinned(0)] byte* p, [Hole] nint dst, nuint s) => p[dst] += (byte)s;

    /// <summary><c>t[dst] -= s</c>.</summary>
    [Stencil] public static void SubRegFromCell([Pinned(0)] byte* p, [Hole] nint dst, nuint s) => p[dst] -= (byte)s;

    /// <summary><c>t[dst] += s * factor</c>.</summary>
    [Stencil] public static void MulAddRegToCell([Pinned(0)] byte* p, [Hole] nint dst, nuint s, [Hole] nuint factor) => p[dst] += (byte)(s * factor);

    /// <summary><c>t[dst] = s * factor</c>.</summary>
    [Stencil] public static void MulSetCell([Pinned(0)] byte* p, [Hole] nint dst, nuint s, [Hole] nuint factor) => p[dst] = (byte)(s * factor);

    /// <summary><c>d += s</c> (both cached).</summary>
    [Stencil] public static nuint AddRegReg(nuint d, nuint s) => d + s;

    /// <summary><c>d -= s</c>.</summary>
    [Stencil] public static nuint SubRegReg(nuint d, nuint s) => d - s;

    /// <summary><c>d += s * factor</c>.</summary>
    [Stencil] public static nuint MulAddRegReg(nuint d, nuint s, [Hole] nuint factor) => d + s * factor;

    /// <summary><c>d = s * factor</c> (both cached).</summary>
    [Stencil] public static nuint MulReg(nuint s, [Hole] nuint factor) => s * factor;

    /// <summary><c>d = t[src] * factor</c> (the destination cached, the source in memory).</summary>
    [Stencil] public static nuint LoadMul([Pinned(0)] byte* p, [Hole] nint src, [Hole] nuint factor) => p[src] * factor;

    /// <summary>Loop entry on a cached current cell (written back already): skips to <paramref name="exit"/> when it is 0.</summary>
    [Stencil] public static Target RegLoopBegin(nuint c, Target body, Target exit) => (byte)c == 0 ? exit : body;

    /// <summary>Loop back-edge on a cached current cell (written back already).</summary>
    [Stencil] public static Target RegLoopEnd(nuint c, Target exit, Target body) => (byte)c != 0 ? body : exit;

    // ---- pointer ----

    [Stencil][return: Pinned(0)] public static byte* Move([Pinned(0)] byte* p, [Hole] nint n) => p + n;

    /// <summary><c>while (t[p]) p += step</c>; the zero guard cells stop it at the latest just past the tape.</summary>
    [Stencil]
    [return: Pinned(0)]
    public static byte* Scan([Pinned(0)] byte* p, [Hole] nint step)
    {
        while (true)
        {
            if (p[0] == 0) return p;
            if (p[step] == 0) return p + step;
            if (p[2 * step] == 0) return p + 2 * step;
            if (p[3 * step] == 0) return p + 3 * step;
            p += 4 * step;
        }
    }

    /// <summary><c>while (t[p]) p -= step</c> (a positive hole: negative values do not fit every narrow relocation clang picks).</summary>
    [Stencil]
    [return: Pinned(0)]
    public static byte* ScanBack([Pinned(0)] byte* p, [Hole] nint step)
    {
        while (true)
        {
            if (p[0] == 0) return p;
            if (p[-step] == 0) return p - step;
            if (p[-2 * step] == 0) return p - 2 * step;
            if (p[-3 * step] == 0) return p - 3 * step;
            p -= 4 * step;
        }
    }

    /// <summary>
    /// <c>while (t[p]) p += step</c> in either direction, four cells a round: the holes are <c>step</c>, <c>2*step</c>,
    /// <c>3*step</c> and <c>4*step</c>, each an address displacement (<c>cmp byte [p+disp], 0</c>), so the loop computes
    /// no addresses and a negative step costs nothing (<see cref="Scan"/> and <see cref="ScanBack"/> multiply one hole at
    /// run time).
    /// </summary>
    [Stencil]
    [return: Pinned(0)]
    public static byte* ScanBy([Pinned(0)] byte* p, [Hole] nint step, [Hole] nint step2, [Hole] nint step3, [Hole] nint step4)
    {
        while (true)
        {
            if (p[0] == 0) return p;
            if (p[step] == 0) return p + step;
            if (p[step2] == 0) return p + step2;
            if (p[step3] == 0) return p + step3;
            p += step4;
        }
    }

    /// <summary><c>[&gt;]</c>: eight cells at a time (a zero byte in a word: <c>(v - 0x01..) &amp; ~v &amp; 0x80..</c>).</summary>
    [Stencil]
    [return: Pinned(0)]
    public static byte* ScanRight([Pinned(0)] byte* p)
    {
        while (true)
        {
            ulong v = *(ulong*)p;
            if (((v - 0x0101010101010101UL) & ~v & 0x8080808080808080UL) != 0) break;
            p += 8;
        }
        while (*p != 0) p++;
        return p;
    }

    /// <summary><c>[&lt;]</c>: eight cells at a time.</summary>
    [Stencil]
    [return: Pinned(0)]
    public static byte* ScanLeft([Pinned(0)] byte* p)
    {
        while (true)
        {
            ulong v = *(ulong*)(p - 7);
            if (((v - 0x0101010101010101UL) & ~v & 0x8080808080808080UL) != 0) break;
            p -= 8;
        }
        while (*p != 0) p--;
        return p;
    }

    // ---- bounds checks (the limits are addresses: below 2 GiB they are 32-bit immediates) ----

    /// <summary>Both ends: cells <c>p+lo</c> .. <c>p+lo+span</c> are on the tape; <paramref name="bias"/> is <c>lo - start</c>.</summary>
    [Stencil]
    public static Target Check([Pinned(0)] byte* p, [Hole] nint bias, [Hole] nuint span, Target ok, Target overrun)
        => (nuint)(p + bias) > span ? overrun : ok;

    /// <summary>The low end: <c>p+lo</c> is not before the first cell; <paramref name="limit"/> is <c>start - lo</c>.</summary>
    [Stencil]
    public static Target CheckLow([Pinned(0)] byte* p, [Hole] nuint limit, Target ok, Target overrun)
        => (nuint)p < limit ? overrun : ok;

    /// <summary>The high end: <c>p+hi</c> is not after the last cell; <paramref name="limit"/> is <c>end - hi</c>.</summary>
    [Stencil]
    public static Target CheckHigh([Pinned(0)] byte* p, [Hole] nuint limit, Target ok, Target overrun)
        => (nuint)p >= limit ? overrun : ok;

    /// <summary>
    /// The cold half of a multiply loop's conditional check (a failed range check jumps here): an overrun only
    /// when the loop counter <c>t[src]</c> is not 0, otherwise back to the code after the check.
    /// </summary>
    [Stencil]
    public static Target IfNonZero([Pinned(0)] byte* p, [Hole] nint src, Target back, Target overrun)
        => p[src] != 0 ? overrun : back;

    /// <summary>As <see cref="IfNonZero"/> with the counter cached in a register.</summary>
    [Stencil] public static Target RegIfNonZero(nuint c, Target back, Target overrun) => (byte)c != 0 ? overrun : back;

    /// <summary>The cold half of a failed two-sided check: which end (<paramref name="bias"/> is <c>lo - start</c>).</summary>
    [Stencil]
    public static Target Side([Pinned(0)] byte* p, [Hole] nint bias, Target right, Target left)
        => (nint)(p + bias) < 0 ? left : right;

    // ---- control ----

    /// <summary>Loop entry: skips to <paramref name="exit"/> when the cell is 0.</summary>
    [Stencil] public static Target LoopBegin([Pinned(0)] byte* p, Target body, Target exit) => *p == 0 ? exit : body;

    /// <summary>Loop back-edge: back to <paramref name="body"/> while the cell is not 0.</summary>
    [Stencil] public static Target LoopEnd([Pinned(0)] byte* p, Target exit, Target body) => *p != 0 ? body : exit;

    /// <summary><c>t[p] += n</c>, then the loop entry test on the result.</summary>
    [Stencil]
    public static Target AddLoopBegin([Pinned(0)] byte* p, [Hole] byte n, Target body, Target exit)
    {
        byte v = (byte)(*p + n);
        *p = v;
        return v == 0 ? exit : body;
    }

    /// <summary><c>t[p] += n</c>, then the back-edge test on the result.</summary>
    [Stencil]
    public static Target AddLoopEnd([Pinned(0)] byte* p, [Hole] byte n, Target exit, Target body)
    {
        byte v = (byte)(*p + n);
        *p = v;
        return v != 0 ? body : exit;
    }

    /// <summary><c>t[p]--</c>, then the loop entry test.</summary>
    [Stencil]
    public static Target DecLoopBegin([Pinned(0)] byte* p, Target body, Target exit)
    {
        byte v = (byte)(*p - 1);
        *p = v;
        return v == 0 ? exit : body;
    }

    /// <summary><c>t[p]--</c>, then the back-edge test.</summary>
    [Stencil]
    public static Target DecLoopEnd([Pinned(0)] byte* p, Target exit, Target body)
    {
        byte v = (byte)(*p - 1);
        *p = v;
        return v != 0 ? body : exit;
    }

    // ---- a chain of tests on one cell (-[-[-[...]]]) with the cell in a register ----

    /// <summary><c>c = t[p] + n</c> (memory is not updated); continue in <paramref name="body"/> unless it is 0.</summary>
    [Stencil]
    public static Target LoadAddTest([Pinned(0)] byte* p, [Hole] byte n, Target body, Target exit, [Pinned(2)] out nuint c)
    {
        byte v = (byte)(*p + n);
        c = v;
        return v == 0 ? exit : body;
    }

    /// <summary><c>c += n</c>; continue in <paramref name="body"/> unless it is 0.</summary>
    [Stencil]
    public static Target AddTest([Pinned(2)] nuint c, [Hole] byte n, Target body, Target exit, [Pinned(2)] out nuint result)
    {
        byte v = (byte)(c + n);
        result = v;
        return v == 0 ? exit : body;
    }

    /// <summary>
    /// Continue in <paramref name="body"/> unless the chain's cell <c>c</c> (loaded by <see cref="LoadCell"/>, not updated
    /// by the chain) equals <paramref name="k"/>: the JIT folds the chain's additions into the constants (<c>t[p] + n == 0</c>
    /// is <c>t[p] == -n</c>), so the tests do not depend on each other as <see cref="AddTest"/>s do. (A 32-bit compare: on
    /// the exit path clang would otherwise rematerialise <c>c</c> as the constant, moving the exit out of line.)
    /// </summary>
    [Stencil] public static Target Test([Pinned(2)] nuint c, [Hole] nuint k, Target body, Target exit) => (uint)c == (uint)k ? exit : body;

    /// <summary>Writes the chain's cell back with the additions folded so far: <c>t[p] = c + n</c>.</summary>
    [Stencil] public static void StoreCellAdd([Pinned(0)] byte* p, [Pinned(2)] nuint c, [Hole] nuint n) => *p = (byte)(c + n);

    /// <summary>Writes the register copy back: <c>t[p] = c</c>.</summary>
    [Stencil] public static void StoreCell([Pinned(0)] byte* p, [Pinned(2)] nuint c) => *p = (byte)c;

    // ---- I/O through host callbacks (return 0 / a byte, -1 at end of input, another negative value on failure) ----

    [Stencil]
    public static Target Output([Pinned(0)] byte* p, [Pinned(1)] nint ctx, [Hole] nint off, [Hole] delegate* unmanaged<nint, int, int> write, Target ok, Target ioError)
        => write(ctx, p[off]) != 0 ? ioError : ok;

    [Stencil]
    public static Target Input([Pinned(0)] byte* p, [Pinned(1)] nint ctx, [Hole] nint off, [Hole] delegate* unmanaged<nint, int> read, Target ok, Target ioError)
    {
        int c = read(ctx);
        if (c >= 0) p[off] = (byte)c;
        return c < -1 ? ioError : ok;
    }

    // ---- leaving ----

    [Stencil(ReturnsToCaller = true)] public static long Exit([Hole] long status) => status;

    /// <summary>A failed check: returns the pointer's cell index and <paramref name="status"/> (<see cref="StatusOverrunLeft"/> or <see cref="StatusOverrunRight"/>).</summary>
    [Stencil(ReturnsToCaller = true)]
    public static long Overrun([Pinned(0)] byte* p, [Hole] nint start, [Hole] long status) => ((long)((nint)p - start) << 8) | status;
}
