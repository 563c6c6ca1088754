using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using Patchouly.Samples.Bf.Ir;

namespace Patchouly.Samples.Bf.Engines;

/// <summary>clang could not be found or failed.</summary>
public sealed class AotCompileException(string message) : Exception(message);

/// <summary>
/// The IR printed as one C function (the same check placement, gotos for loops) and compiled with
/// <c>clang -O3 -shared -fPIC</c> into a temporary shared library, loaded with <see cref="NativeLibrary"/>. clang is
/// found like the toolchain finds it: <c>$PATCHOULY_CLANG</c>, else <c>clang-25</c> … <c>clang-19</c>, else
/// <c>clang</c> on PATH. This is the limit the JIT aims at: a whole-program optimising compiler.
/// </summary>
public sealed unsafe class AotEngine : ICompiledProgram
{
    private readonly nint _library;
    private readonly delegate* unmanaged<byte*, byte*, nint, delegate* unmanaged<nint, int, int>, delegate* unmanaged<nint, int>, long> _entry;
    private bool _disposed;

    private AotEngine(nint library, nint entry, Tape tape, long codeSize)
    {
        _library = library;
        _entry = (delegate* unmanaged<byte*, byte*, nint, delegate* unmanaged<nint, int, int>, delegate* unmanaged<nint, int>, long>)entry;
        Tape = tape;
        CodeSize = codeSize;
    }

    /// <inheritdoc />
    public EngineKind Engine => EngineKind.Aot;

    /// <inheritdoc />
    public Tape Tape { get; }

    /// <summary>The size of the compiled <c>bf_run</c> function (from the library's symbol table).</summary>
    public long CodeSize { get; }

    private static string? s_clang;

    /// <summary>The clang this engine uses, or null when there is none.</summary>
    public static string? FindClang()
    {
        if (s_clang is not null) return s_clang;
        if (Environment.GetEnvironmentVariable("PATCHOULY_CLANG") is { Length: > 0 } named)
            return s_clang = Resolve(named);
        for (int major = 25; major >= 19; major--)
            if (Resolve("clang-" + major) is { } found) return s_clang = found;
        return s_clang = Resolve("clang");
    }

    private static string? Resolve(string name)
    {
        if (name.Contains('/')) return File.Exists(name) ? Path.GetFullPath(name) : null;
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
        {
            if (dir.Length == 0) continue;
            string full = Path.Combine(dir, name);
            if (File.Exists(full)) return full;
        }
        return null;
    }

    /// <summary>
    /// The deepest loop nesting (<see cref="BfProgram.LoopDepth"/>) the engine compiles. clang -O3's loop passes
    /// (unswitching, LICM, unrolling, induction variables) take time growing with about the cube of the depth: on a
    /// 2-core machine 50 nested loops took 6 s, 100 took 33 s, 200 more than 3 minutes. Deeper programs fail at once
    /// with an <see cref="AotCompileException"/> rather than keep clang busy for hours.
    /// </summary>
    public const int MaxLoopDepth = 40;

    /// <summary>
    /// The most IR ops the engine compiles: clang -O3's time on one function grows much faster than its size. On a
    /// loaded 2-core machine: mandelbrot.bf (2,629 ops) 4.6 s, four copies of it (10,444 ops) 34 s, sixteen (41,704)
    /// more than 4 minutes; 10,000 nested loops that run once 3 s, 30,000 of them 53 s. Larger programs fail at once
    /// with an <see cref="AotCompileException"/>.
    /// </summary>
    public const int MaxOps = 20_000;

    /// <summary>How long clang may take: <c>$PATCHOULY_BF_AOT_TIMEOUT</c> seconds, else 10 minutes.</summary>
    public static TimeSpan DefaultTimeout =>
        int.TryParse(Environment.GetEnvironmentVariable("PATCHOULY_BF_AOT_TIMEOUT"), NumberStyles.None, CultureInfo.InvariantCulture, out int s) && s > 0
            ? TimeSpan.FromSeconds(s)
            : TimeSpan.FromMinutes(10);

    /// <summary>Prints the C, runs clang and loads the library.</summary>
    /// <param name="program">The program.</param>
    /// <param name="tape">The tape the program runs on (the result owns it).</param>
    /// <param name="timeout">How long clang may take (default <see cref="DefaultTimeout"/>); then it is killed.</param>
    /// <exception cref="AotCompileException">No clang, it failed or took too long, or the loops nest deeper than
    /// <see cref="MaxLoopDepth"/>.</exception>
    public static AotEngine Compile(BfProgram program, Tape tape, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(program);
        ArgumentNullException.ThrowIfNull(tape);
        int tapeCells = tape.Cells;
        int depth = program.LoopDepth;
        if (depth > MaxLoopDepth)
            throw new AotCompileException(string.Create(CultureInfo.InvariantCulture,
                $"the program's loops nest {depth} deep, more than the aot engine compiles ({MaxLoopDepth}): clang -O3 takes time growing with about the cube of the depth; use the jit, emit or interp engine"));
        if (program.Count > MaxOps)
            throw new AotCompileException(string.Create(CultureInfo.InvariantCulture,
                $"the program has {program.Count} IR ops, more than the aot engine compiles ({MaxOps}): clang -O3 takes time growing faster than the size of the function; use the jit, emit or interp engine"));
        TimeSpan limit = timeout ?? DefaultTimeout;
        string clang = FindClang() ?? throw new AotCompileException(
            "the aot engine needs clang: install clang-19 (apt-get install clang-19) or set PATCHOULY_CLANG");
        string dir = Path.Combine(Path.GetTempPath(), "patchouly-bf-aot-" + Guid.NewGuid().ToString("n"));
        Directory.CreateDirectory(dir);
        try
        {
            string c = Path.Combine(dir, "bf.c");
            string so = Path.Combine(dir, "libbf.so");
            File.WriteAllText(c, GenerateC(program, tapeCells));
            var psi = new ProcessStartInfo(clang)
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            };
            foreach (var a in new[] { "-O3", "-shared", "-fPIC", "-w", "-o", so, c }) psi.ArgumentList.Add(a);
            using (var process = Process.Start(psi) ?? throw new AotCompileException($"could not start {clang}"))
            {
                var stderr = process.StandardError.ReadToEndAsync();
                var stdout = process.StandardOutput.ReadToEndAsync();
                if (!process.WaitForExit(limit))
                {
                    try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
                    process.WaitForExit();
                    throw new AotCompileException(string.Create(CultureInfo.InvariantCulture,
                        $"{clang} did not finish in {limit.TotalSeconds:0.###} s ({program.Count} IR ops, {program.SourceLength} bytes of source) and was stopped; set PATCHOULY_BF_AOT_TIMEOUT (seconds) to wait longer, or use the jit engine"));
                }
                process.WaitForExit(); // the end of the redirected streams
                stdout.Wait();
                if (process.ExitCode != 0)
                    throw new AotCompileException($"{clang} failed (exit code {process.ExitCode}): {stderr.Result.Trim()}");
            }
            long size = FunctionSize(File.ReadAllBytes(so), "bf_run");
            nint library = NativeLibrary.Load(so);
            return new AotEngine(library, NativeLibrary.GetExport(library, "bf_run"), tape, size);
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>The C source of a program.</summary>
    public static string GenerateC(BfProgram program, int tapeCells)
    {
        var ops = program.Ops;
        var labels = new bool[ops.Length + 1];
        foreach (var op in ops)
            if (op.Kind is OpKind.LoopBegin or OpKind.LoopEnd) labels[op.Arg] = true;
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder(ops.Length * 32 + 1024);
        sb.Append(c, $$"""
            /* brainf*ck compiled by Patchouly's bf sample ({{ops.Length}} IR ops, {{tapeCells}} cells) */
            #define _GNU_SOURCE
            #include <stdint.h>
            #include <stddef.h>
            #include <string.h>
            #define GUARD {{Tape.Guard}}
            #define CELLS {{tapeCells}}
            #define IDX ((intptr_t)(p - start))
            #define OOB(lo, span) __builtin_expect((uintptr_t)(IDX + (lo)) > (uintptr_t)(span), 0)
            #define OOB_LO(lo) __builtin_expect(IDX < -(intptr_t)(lo), 0)
            #define OOB_HI(hi) __builtin_expect(IDX > (intptr_t)(CELLS - 1 - (hi)), 0)
            typedef int (*bf_write_fn)(intptr_t, int);
            typedef int (*bf_read_fn)(intptr_t);
            int64_t bf_run(uint8_t *p, uint8_t *start, intptr_t ctx, bf_write_fn wr, bf_read_fn rd)
            {
              int c;

            """);
        for (int i = 0; i < ops.Length; i++)
        {
            if (labels[i]) sb.Append(c, $"L{i}:\n");
            Op op = ops[i];
            sb.Append("  ");
            switch (op.Kind)
            {
                case OpKind.Add: sb.Append(c, $"p[{op.Offset}] += {op.Imm};"); break;
                case OpKind.Set: sb.Append(c, $"p[{op.Offset}] = {op.Imm};"); break;
                case OpKind.MulAdd:
                    sb.Append(op.Imm switch
                    {
                        1 => string.Create(c, $"p[{op.Offset}] += p[{op.Arg}];"),
                        255 => string.Create(c, $"p[{op.Offset}] -= p[{op.Arg}];"),
                        _ => string.Create(c, $"p[{op.Offset}] += (uint8_t)(p[{op.Arg}] * {op.Imm});"),
                    });
                    break;
                case OpKind.MulSet:
                    sb.Append(op.Imm == 1
                        ? string.Create(c, $"p[{op.Offset}] = p[{op.Arg}];")
                        : string.Create(c, $"p[{op.Offset}] = (uint8_t)(p[{op.Arg}] * {op.Imm});"));
                    break;
                case OpKind.Move: sb.Append(c, $"p += {op.Arg};"); break;
                case OpKind.Check:
                    sb.Append(op.Arg2 == 0
                        ? string.Create(c, $"if ({Condition(op, tapeCells)}) {Fail(op)}")
                        : string.Create(c, $"if ({Condition(op, tapeCells)}) {{ p += {op.Arg2}; {Fail(op, op.Arg2)} }}"));
                    break;
                case OpKind.CheckNonZero:
                    sb.Append(c, $"if ({Condition(op, tapeCells)} && p[{op.Arg2}]) {Fail(op)}");
                    break;
                case OpKind.LoopBegin:
                    sb.Append(op.Imm == 0 ? string.Create(c, $"if (!*p) goto L{op.Arg};") : string.Create(c, $"if (!(*p += {op.Imm})) goto L{op.Arg};"));
                    break;
                case OpKind.LoopEnd:
                    sb.Append(op.Imm == 0 ? string.Create(c, $"if (*p) goto L{op.Arg};") : string.Create(c, $"if (*p += {op.Imm}) goto L{op.Arg};"));
                    break;
                case OpKind.Scan:
                    sb.Append(op.Arg switch
                    {
                        1 => "p += strlen((const char *)p);",
                        -1 => "p = (uint8_t *)memrchr(start - GUARD, 0, (size_t)(p - (start - GUARD)) + 1);",
                        _ => string.Create(c, $"while (*p) p += {op.Arg};"),
                    });
                    break;
                case OpKind.Output: sb.Append(c, $"if (wr(ctx, p[{op.Offset}])) goto ioerr;"); break;
                case OpKind.Input: sb.Append(c, $"c = rd(ctx); if (c >= 0) p[{op.Offset}] = (uint8_t)c; else if (c != -1) goto ioerr;"); break;
                case OpKind.End: sb.Append("return 0;"); break;
                default: throw new InvalidOperationException($"op {i} ({op}) cannot be compiled");
            }
            sb.Append('\n');
        }
        sb.Append("""
            left:
              return (int64_t)((uint64_t)(p - start) << 8) | 2;
            right:
              return (int64_t)((uint64_t)(p - start) << 8) | 3;
            ioerr:
              return 1;
            }

            """);
        return sb.ToString();
    }

    // moved: how far p was moved before the failure is reported (a deferred check's Arg2).
    private static string Fail(in Op op, int moved = 0) => op.Imm switch
    {
        Op.CheckLow => "goto left;",
        Op.CheckHigh => "goto right;",
        _ => string.Create(CultureInfo.InvariantCulture, $"{{ if (IDX + {op.Offset - moved} < 0) goto left; goto right; }}"),
    };

    private static string Condition(in Op op, int cells) => op.Imm switch
    {
        Op.CheckLow => string.Create(CultureInfo.InvariantCulture, $"OOB_LO({op.Offset})"),
        Op.CheckHigh => string.Create(CultureInfo.InvariantCulture, $"OOB_HI({op.Arg})"),
        _ => string.Create(CultureInfo.InvariantCulture, $"OOB({op.Offset}, {Engines.Span(op, cells)})"),
    };

    /// <summary>The size of a function in an ELF64 shared library, from <c>.dynsym</c> (0 if not found).</summary>
    internal static long FunctionSize(byte[] elf, string name)
    {
        if (elf.Length < 64 || elf[0] != 0x7F || elf[1] != (byte)'E' || elf[4] != 2) return 0;
        var span = elf.AsSpan();
        long shoff = BinaryPrimitives.ReadInt64LittleEndian(span[0x28..]);
        int shentsize = BinaryPrimitives.ReadUInt16LittleEndian(span[0x3A..]);
        int shnum = BinaryPrimitives.ReadUInt16LittleEndian(span[0x3C..]);
        var sections = new List<(uint Type, long Offset, long Size, uint Link, long EntSize)>();
        for (int i = 0; i < shnum; i++)
        {
            var h = span.Slice((int)(shoff + (long)i * shentsize), shentsize);
            sections.Add((BinaryPrimitives.ReadUInt32LittleEndian(h[4..]), BinaryPrimitives.ReadInt64LittleEndian(h[0x18..]),
                BinaryPrimitives.ReadInt64LittleEndian(h[0x20..]), BinaryPrimitives.ReadUInt32LittleEndian(h[0x28..]),
                BinaryPrimitives.ReadInt64LittleEndian(h[0x38..])));
        }
        foreach (var s in sections)
        {
            if (s.Type != 11 /* SHT_DYNSYM */ || s.EntSize < 24) continue;
            var strings = sections[(int)s.Link];
            for (long e = s.Offset; e + 24 <= s.Offset + s.Size; e += s.EntSize)
            {
                uint nameOffset = BinaryPrimitives.ReadUInt32LittleEndian(span[(int)e..]);
                int at = (int)(strings.Offset + nameOffset);
                int end = span[at..].IndexOf((byte)0);
                if (end >= 0 && Encoding.ASCII.GetString(span.Slice(at, end)) == name)
                    return BinaryPrimitives.ReadInt64LittleEndian(span[(int)(e + 16)..]);
            }
        }
        return 0;
    }

    /// <inheritdoc />
    public RunResult Run(BfIo io)
    {
        ArgumentNullException.ThrowIfNull(io);
        ObjectDisposedException.ThrowIf(_disposed, this);
        Tape.Clear();
        var handle = GCHandle.Alloc(io);
        try
        {
            long status = _entry(Tape.Start, Tape.Start, GCHandle.ToIntPtr(handle), NativeIo.WritePointer, NativeIo.ReadPointer);
            return RunResult.FromNative(status, Tape.Cells);
        }
        finally
        {
            handle.Free();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        NativeLibrary.Free(_library);
        Tape.Dispose();
    }
}
