using System;
using System.Collections.Generic;
using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.CompilerServices;

namespace Patchouly.Runtime.Managed;

/// <summary>One decoded IL instruction of a stencil method: its offset, opcode and operand (a number, a resolved
/// member, type or string, a branch target's offset, or a switch's target offsets).</summary>
internal readonly record struct IlInstruction(int Offset, OpCode OpCode, long Int, double Real, object? Operand, int[]? Targets);

/// <summary>
/// A stencil method's IL, decoded once per library so that <see cref="IlCompiler"/> can copy it into a chunk instead
/// of calling the method: RyuJIT then imports plain IL instead of inlining a call per stencil (the inliner's work per
/// call site was most of the managed engine's compile time), hole parameters become constants and a returned target
/// becomes a direct branch. Null (<see cref="TryDecode"/>) for a method this copying does not handle; it stays a call.
/// </summary>
internal sealed class StencilBody
{
    /// <summary>Methods larger than this stay calls (RyuJIT would not inline them either, and a call compiles faster).</summary>
    public const int MaxIlBytes = 100;

    private static readonly OpCode[] s_oneByte = new OpCode[0x100];
    private static readonly OpCode[] s_twoByte = new OpCode[0x100];

    static StencilBody()
    {
        foreach (var f in typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            if (f.GetValue(null) is not OpCode op) continue;
            ushort v = unchecked((ushort)op.Value);
            if (op.Size == 1) s_oneByte[v] = op;
            else if ((v >> 8) == 0xFE) s_twoByte[v & 0xFF] = op;
        }
    }

    private StencilBody(IlInstruction[] instructions, Type[] locals, HashSet<int> branchTargets)
    {
        Instructions = instructions;
        Locals = locals;
        BranchTargets = branchTargets;
    }

    public IlInstruction[] Instructions { get; }

    /// <summary>The method's local variables' types.</summary>
    public Type[] Locals { get; }

    /// <summary>The offsets branches go to.</summary>
    public HashSet<int> BranchTargets { get; }

    /// <summary>The decoded body of <paramref name="method"/>, or null when it must stay a call: too large, with a loop
    /// (its own work outweighs a call, and RyuJIT compiles a call faster than a copied loop), marked
    /// <see cref="MethodImplOptions.NoInlining"/>, with exception handling, pinned locals, <c>localloc</c> (it would
    /// grow the stack in a loop), <c>calli</c>, <c>jmp</c>, tail calls or an opcode this reader does not know.</summary>
    public static StencilBody? TryDecode(MethodInfo method)
    {
        if ((method.MethodImplementationFlags & (MethodImplAttributes.NoInlining | MethodImplAttributes.InternalCall)) != 0) return null;
        if (method.IsGenericMethodDefinition || method.DeclaringType is { ContainsGenericParameters: true }) return null;
        MethodBody? body;
        try
        {
            body = method.GetMethodBody();
        }
        catch (Exception e) when (e is InvalidOperationException or NotSupportedException)
        {
            return null;
        }
        var code = body?.GetILAsByteArray();
        if (body is null || code is null || code.Length > MaxIlBytes || body.ExceptionHandlingClauses.Count != 0) return null;
        var locals = new Type[body.LocalVariables.Count];
        foreach (var l in body.LocalVariables)
        {
            if (l.IsPinned || l.LocalType.IsByRef || l.LocalType.IsByRefLike) return null;
            locals[l.LocalIndex] = l.LocalType;
        }
        var module = method.Module;
        var typeArgs = method.DeclaringType?.IsGenericType == true ? method.DeclaringType.GetGenericArguments() : null;
        var instructions = new List<IlInstruction>();
        var targets = new HashSet<int>();
        try
        {
            int pos = 0;
            while (pos < code.Length)
            {
                int offset = pos;
                OpCode op;
                byte b = code[pos++];
                if (b == 0xFE)
                {
                    if (pos >= code.Length) return null;
                    op = s_twoByte[code[pos++]];
                }
                else op = s_oneByte[b];
                if (op.Size == 0) return null; // unknown opcode
                if (op == OpCodes.Localloc || op == OpCodes.Calli || op == OpCodes.Jmp || op == OpCodes.Tailcall || op == OpCodes.Arglist) return null;
                long i = 0;
                double r = 0;
                object? operand = null;
                int[]? switchTargets = null;
                switch (op.OperandType)
                {
                    case OperandType.InlineNone:
                        break;
                    case OperandType.ShortInlineI:
                        i = op == OpCodes.Ldc_I4_S ? (sbyte)code[pos] : code[pos];
                        pos += 1;
                        break;
                    case OperandType.ShortInlineVar:
                        i = code[pos];
                        pos += 1;
                        break;
                    case OperandType.InlineVar:
                        i = BitConverter.ToUInt16(code, pos);
                        pos += 2;
                        break;
                    case OperandType.InlineI:
                        i = BitConverter.ToInt32(code, pos);
                        pos += 4;
                        break;
                    case OperandType.InlineI8:
                        i = BitConverter.ToInt64(code, pos);
                        pos += 8;
                        break;
                    case OperandType.ShortInlineR:
                        r = BitConverter.ToSingle(code, pos);
                        pos += 4;
                        break;
                    case OperandType.InlineR:
                        r = BitConverter.ToDouble(code, pos);
                        pos += 8;
                        break;
                    case OperandType.ShortInlineBrTarget:
                        i = pos + 1 + (sbyte)code[pos];
                        pos += 1;
                        if (i <= offset) return null; // a loop
                        targets.Add((int)i);
                        break;
                    case OperandType.InlineBrTarget:
                        i = pos + 4 + BitConverter.ToInt32(code, pos);
                        pos += 4;
                        if (i <= offset) return null;
                        targets.Add((int)i);
                        break;
                    case OperandType.InlineSwitch:
                    {
                        int n = BitConverter.ToInt32(code, pos);
                        pos += 4;
                        if (n < 0 || n > 1024) return null;
                        int end = pos + 4 * n;
                        switchTargets = new int[n];
                        for (int k = 0; k < n; k++)
                        {
                            switchTargets[k] = end + BitConverter.ToInt32(code, pos + 4 * k);
                            if (switchTargets[k] <= offset) return null;
                            targets.Add(switchTargets[k]);
                        }
                        pos = end;
                        break;
                    }
                    case OperandType.InlineMethod:
                        operand = module.ResolveMethod(BitConverter.ToInt32(code, pos), typeArgs, null);
                        pos += 4;
                        if (operand is MethodInfo { CallingConvention: CallingConventions.VarArgs }) return null;
                        break;
                    case OperandType.InlineField:
                        operand = module.ResolveField(BitConverter.ToInt32(code, pos), typeArgs, null);
                        pos += 4;
                        break;
                    case OperandType.InlineType:
                        operand = module.ResolveType(BitConverter.ToInt32(code, pos), typeArgs, null);
                        pos += 4;
                        break;
                    case OperandType.InlineTok:
                        operand = module.ResolveMember(BitConverter.ToInt32(code, pos), typeArgs, null);
                        pos += 4;
                        if (operand is not (Type or FieldInfo or MethodInfo or ConstructorInfo)) return null;
                        break;
                    case OperandType.InlineString:
                        operand = module.ResolveString(BitConverter.ToInt32(code, pos));
                        pos += 4;
                        break;
                    default:
                        return null; // InlineSig (calli) and anything unexpected
                }
                if (pos > code.Length) return null;
                instructions.Add(new IlInstruction(offset, op, i, r, operand, switchTargets));
            }
        }
        catch (Exception e) when (e is ArgumentException or IndexOutOfRangeException or TypeLoadException or MissingMemberException or BadImageFormatException)
        {
            return null;
        }
        return new StencilBody(instructions.ToArray(), locals, targets);
    }

    /// <summary>The long form of a short branch (copied code can grow past a short branch's reach).</summary>
    public static OpCode LongBranch(OpCode op)
    {
        if (op.OperandType != OperandType.ShortInlineBrTarget) return op;
        if (op == OpCodes.Br_S) return OpCodes.Br;
        if (op == OpCodes.Brfalse_S) return OpCodes.Brfalse;
        if (op == OpCodes.Brtrue_S) return OpCodes.Brtrue;
        if (op == OpCodes.Beq_S) return OpCodes.Beq;
        if (op == OpCodes.Bge_S) return OpCodes.Bge;
        if (op == OpCodes.Bgt_S) return OpCodes.Bgt;
        if (op == OpCodes.Ble_S) return OpCodes.Ble;
        if (op == OpCodes.Blt_S) return OpCodes.Blt;
        if (op == OpCodes.Bne_Un_S) return OpCodes.Bne_Un;
        if (op == OpCodes.Bge_Un_S) return OpCodes.Bge_Un;
        if (op == OpCodes.Bgt_Un_S) return OpCodes.Bgt_Un;
        if (op == OpCodes.Ble_Un_S) return OpCodes.Ble_Un;
        if (op == OpCodes.Blt_Un_S) return OpCodes.Blt_Un;
        if (op == OpCodes.Leave_S) return OpCodes.Leave;
        throw new NotSupportedException($"No long form of {op}.");
    }

    /// <summary>The argument or local number an <c>ldarg</c>/<c>starg</c>/<c>ldarga</c>/<c>ldloc</c>/<c>stloc</c>/<c>ldloca</c>
    /// form refers to (-1 for other opcodes), and which kind of access it is.</summary>
    public static (VariableAccess Access, int Index) Variable(in IlInstruction ins)
    {
        var op = ins.OpCode;
        if (op == OpCodes.Ldarg_0) return (VariableAccess.LoadArg, 0);
        if (op == OpCodes.Ldarg_1) return (VariableAccess.LoadArg, 1);
        if (op == OpCodes.Ldarg_2) return (VariableAccess.LoadArg, 2);
        if (op == OpCodes.Ldarg_3) return (VariableAccess.LoadArg, 3);
        if (op == OpCodes.Ldarg_S || op == OpCodes.Ldarg) return (VariableAccess.LoadArg, (int)ins.Int);
        if (op == OpCodes.Starg_S || op == OpCodes.Starg) return (VariableAccess.StoreArg, (int)ins.Int);
        if (op == OpCodes.Ldarga_S || op == OpCodes.Ldarga) return (VariableAccess.AddressArg, (int)ins.Int);
        if (op == OpCodes.Ldloc_0) return (VariableAccess.LoadLocal, 0);
        if (op == OpCodes.Ldloc_1) return (VariableAccess.LoadLocal, 1);
        if (op == OpCodes.Ldloc_2) return (VariableAccess.LoadLocal, 2);
        if (op == OpCodes.Ldloc_3) return (VariableAccess.LoadLocal, 3);
        if (op == OpCodes.Ldloc_S || op == OpCodes.Ldloc) return (VariableAccess.LoadLocal, (int)ins.Int);
        if (op == OpCodes.Stloc_0) return (VariableAccess.StoreLocal, 0);
        if (op == OpCodes.Stloc_1) return (VariableAccess.StoreLocal, 1);
        if (op == OpCodes.Stloc_2) return (VariableAccess.StoreLocal, 2);
        if (op == OpCodes.Stloc_3) return (VariableAccess.StoreLocal, 3);
        if (op == OpCodes.Stloc_S || op == OpCodes.Stloc) return (VariableAccess.StoreLocal, (int)ins.Int);
        if (op == OpCodes.Ldloca_S || op == OpCodes.Ldloca) return (VariableAccess.AddressLocal, (int)ins.Int);
        return (VariableAccess.None, -1);
    }

    /// <summary>Re-emits an instruction that is not a variable access, a branch or a return.</summary>
    public static void EmitPlain(ILGenerator il, in IlInstruction ins)
    {
        var op = ins.OpCode;
        switch (op.OperandType)
        {
            case OperandType.InlineNone: il.Emit(op); break;
            case OperandType.ShortInlineI:
                if (op == OpCodes.Ldc_I4_S) il.Emit(op, (sbyte)ins.Int);
                else il.Emit(op, (byte)ins.Int);
                break;
            case OperandType.InlineI: il.Emit(op, (int)ins.Int); break;
            case OperandType.InlineI8: il.Emit(op, ins.Int); break;
            case OperandType.ShortInlineR: il.Emit(op, (float)ins.Real); break;
            case OperandType.InlineR: il.Emit(op, ins.Real); break;
            case OperandType.InlineString: il.Emit(op, (string)ins.Operand!); break;
            case OperandType.InlineField: il.Emit(op, (FieldInfo)ins.Operand!); break;
            case OperandType.InlineType: il.Emit(op, (Type)ins.Operand!); break;
            case OperandType.InlineMethod or OperandType.InlineTok:
                switch (ins.Operand)
                {
                    case ConstructorInfo c: il.Emit(op, c); break;
                    case MethodInfo m: il.Emit(op, m); break;
                    case FieldInfo f: il.Emit(op, f); break;
                    case Type t: il.Emit(op, t); break;
                    default: throw new NotSupportedException($"Cannot copy operand {ins.Operand} of {op}.");
                }
                break;
            default: throw new NotSupportedException($"Cannot copy {op}.");
        }
    }
}

/// <summary>What an instruction does with an argument or a local.</summary>
internal enum VariableAccess : byte { None, LoadArg, StoreArg, AddressArg, LoadLocal, StoreLocal, AddressLocal }
