using System;
using System.Collections.Generic;
using Patchouly.Runtime;
using Patchouly.Runtime.Tables;

namespace Patchouly.Samples.Calc;

/// <summary>An expression compiled to native code; call <see cref="Evaluate"/> with the variables' values.</summary>
public sealed unsafe class CompiledExpression : IDisposable
{
    private readonly CompiledFunction _function;
    private readonly string[] _variables;

    internal CompiledExpression(CompiledFunction function, string[] variables)
    {
        _function = function;
        _variables = variables;
    }

    /// <summary>The variables the expression reads, in slot order.</summary>
    public IReadOnlyList<string> Variables => _variables;

    /// <summary>The compiled function (native code, or the managed engine's: see <see cref="CompiledFunction.Engine"/>).</summary>
    public CompiledFunction Function => _function;

    /// <summary>Runs the native code. Throws <see cref="DivideByZeroException"/> or <see cref="OverflowException"/> where C# would.</summary>
    public long Evaluate(IReadOnlyDictionary<string, long> values)
    {
        Span<long> slots = _variables.Length <= 64 ? stackalloc long[_variables.Length] : new long[_variables.Length];
        for (int i = 0; i < _variables.Length; i++)
            slots[i] = values.TryGetValue(_variables[i], out long v) ? v : throw new KeyNotFoundException($"variable '{_variables[i]}' has no value");
        long status = 0;
        long result;
        fixed (long* vars = slots)
            result = _function.Invoke((long)vars, (long)&status);
        return status switch
        {
            0 => result,
            CalcStencils.DivideByZero => throw new DivideByZeroException("Attempted to divide by zero."),
            CalcStencils.Overflow => throw new OverflowException("Arithmetic operation resulted in an overflow."),
            _ => throw new InvalidOperationException($"unknown status {status}"),
        };
    }

    /// <inheritdoc />
    public void Dispose() => _function.Dispose();
}

/// <summary>Compiles expressions with the <see cref="CalcStencils"/> library and a simple register allocator.</summary>
public static class CalcCompiler
{
    private static readonly Location s_variables = Location.Register(0);
    private static readonly Location s_status = Location.Register(1);

    /// <summary>Compiles an expression with <paramref name="library"/> (<see cref="CalcStencils.Library"/>, or its tables
    /// for another target from <c>StencilTables.LoadEmbedded</c>), to native code, or with <paramref name="engine"/>: the
    /// same program as .NET code.</summary>
    public static CompiledExpression Compile(Expression expression, StencilLibrary? library = null, ExecutionEngine? engine = null)
    {
        library ??= CalcStencils.Library;
        var builder = new FunctionBuilder(library, parameterCount: 2);
        if (engine is { } e) builder.Engine = e;
        var emit = new CalcStencils.Emitter(builder);
        var allocator = new RegisterAllocator(library.Registers);
        if (allocator.Allocate() != s_variables || allocator.Allocate() != s_status)
            throw new InvalidOperationException("the allocator must hand out registers 0 and 1 first");
        var variables = new List<string>();

        var divideByZero = builder.NewBlock();
        var overflow = builder.NewBlock();
        var result = Generate(expression);
        emit.Return(result);

        builder.StartBlock(divideByZero);
        emit.Fail(s_status, CalcStencils.DivideByZero);
        builder.StartBlock(overflow);
        emit.Fail(s_status, CalcStencils.Overflow);
        return new CompiledExpression(builder.Compile(), variables.ToArray());

        Location Generate(Expression e)
        {
            switch (e)
            {
                case Number n:
                {
                    var to = allocator.Allocate();
                    emit.Const(n.Value, to);
                    return to;
                }
                case Variable v:
                {
                    int index = variables.IndexOf(v.Name);
                    if (index < 0)
                    {
                        index = variables.Count;
                        variables.Add(v.Name);
                    }
                    var to = allocator.Allocate();
                    emit.Load(s_variables, index, to);
                    return to;
                }
                case Negate n:
                {
                    var from = Generate(n.Operand);
                    allocator.Free(from);
                    var to = allocator.Allocate();
                    emit.Neg(from, to);
                    return to;
                }
                case Binary b:
                {
                    var left = Generate(b.Left);
                    var right = Generate(b.Right);
                    allocator.Free(right);
                    allocator.Free(left);
                    var to = allocator.Allocate();
                    switch (b.Operator)
                    {
                        case '+': emit.Add(left, right, to); break;
                        case '-': emit.Sub(left, right, to); break;
                        case '*': emit.Mul(left, right, to); break;
                        case '/': emit.Div(left, right, divideByZero, overflow, to); break;
                        case '%': emit.Rem(left, right, divideByZero, overflow, to); break;
                        default: throw new ArgumentOutOfRangeException(nameof(e), $"operator {b.Operator}");
                    }
                    return to;
                }
                default:
                    throw new ArgumentOutOfRangeException(nameof(e));
            }
        }
    }
}
