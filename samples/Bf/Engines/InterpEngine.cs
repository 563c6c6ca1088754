using System;
using System.Runtime.CompilerServices;
using Patchouly.Samples.Bf.Ir;

namespace Patchouly.Samples.Bf.Engines;

/// <summary>
/// A switch interpreter over a copy of the IR (16-byte ops, walked by pointer), with the same bounds-check
/// placement as the compiled engines.
/// </summary>
public sealed unsafe class InterpEngine : ICompiledProgram
{
    private readonly Op[] _ops;

    private InterpEngine(Op[] ops, Tape tape)
    {
        _ops = ops;
        Tape = tape;
    }

    /// <inheritdoc />
    public EngineKind Engine => EngineKind.Interp;

    /// <inheritdoc />
    public Tape Tape { get; }

    /// <inheritdoc />
    public long CodeSize => (long)_ops.Length * sizeof(Op);

    /// <summary>Copies the IR (nothing to compile).</summary>
    public static InterpEngine Compile(BfProgram program, Tape tape)
    {
        ArgumentNullException.ThrowIfNull(program);
        ArgumentNullException.ThrowIfNull(tape);
        return new InterpEngine((Op[])program.Ops.Clone(), tape);
    }

    /// <inheritdoc />
    [SkipLocalsInit]
    public RunResult Run(BfIo io)
    {
        ArgumentNullException.ThrowIfNull(io);
        Tape.Clear();
        byte* start = Tape.Start;
        byte* end = Tape.End;
        byte* p = start;
        fixed (Op* ops = _ops)
        {
            Op* op = ops;
            while (true)
            {
                switch (op->Kind)
                {
                    case OpKind.Add:
                        p[op->Offset] += op->Imm;
                        op++;
                        break;
                    case OpKind.Set:
                        p[op->Offset] = op->Imm;
                        op++;
                        break;
                    case OpKind.MulAdd:
                        p[op->Offset] += (byte)(p[op->Arg] * op->Imm);
                        op++;
                        break;
                    case OpKind.MulSet:
                        p[op->Offset] = (byte)(p[op->Arg] * op->Imm);
                        op++;
                        break;
                    case OpKind.Move:
                        p += op->Arg;
                        op++;
                        break;
                    case OpKind.Check:
                        if ((op->Imm & Op.CheckLow) != 0 && p + op->Offset < start) return Overrun(true, p + op->Arg2, start);
                        if ((op->Imm & Op.CheckHigh) != 0 && p + op->Arg >= end) return Overrun(false, p + op->Arg2, start);
                        op++;
                        break;
                    case OpKind.CheckNonZero:
                        if (p[op->Arg2] != 0)
                        {
                            if ((op->Imm & Op.CheckLow) != 0 && p + op->Offset < start) return Overrun(true, p, start);
                            if ((op->Imm & Op.CheckHigh) != 0 && p + op->Arg >= end) return Overrun(false, p, start);
                        }
                        op++;
                        break;
                    case OpKind.LoopBegin:
                        *p += op->Imm;
                        op = *p == 0 ? ops + op->Arg : op + 1;
                        break;
                    case OpKind.LoopEnd:
                        *p += op->Imm;
                        op = *p != 0 ? ops + op->Arg : op + 1;
                        break;
                    case OpKind.Scan:
                    {
                        int step = op->Arg;
                        while (*p != 0) p += step;
                        op++;
                        break;
                    }
                    case OpKind.Output:
                        if (io.Write(p[op->Offset]) != 0) return new RunResult(RunStatus.IoError);
                        op++;
                        break;
                    case OpKind.Input:
                    {
                        int c = io.Read();
                        if (c >= 0) p[op->Offset] = (byte)c;
                        else if (c != BfIo.EndOfInput) return new RunResult(RunStatus.IoError);
                        op++;
                        break;
                    }
                    case OpKind.End:
                        return RunResult.Ok;
                    default:
                        throw new InvalidOperationException($"bad op {op->Kind} at {op - ops}");
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private RunResult Overrun(bool left, byte* p, byte* start) => RunResult.Overrun(left, p - start, Tape.Cells);

    /// <inheritdoc />
    public void Dispose() => Tape.Dispose();
}
