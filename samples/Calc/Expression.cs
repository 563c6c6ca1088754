using System;
using System.Collections.Generic;

namespace Patchouly.Samples.Calc;

/// <summary>An arithmetic expression over 64-bit integers.</summary>
public abstract record Expression;

/// <summary>An integer literal.</summary>
public sealed record Number(long Value) : Expression;

/// <summary>A named variable.</summary>
public sealed record Variable(string Name) : Expression;

/// <summary>Unary minus.</summary>
public sealed record Negate(Expression Operand) : Expression;

/// <summary>A binary operation: one of <c>+ - * / %</c>.</summary>
public sealed record Binary(char Operator, Expression Left, Expression Right) : Expression;

/// <summary>The expression text is not well formed.</summary>
public sealed class SyntaxException(string message, int position) : Exception($"{message} at position {position + 1}")
{
    /// <summary>0-based position of the problem.</summary>
    public int Position { get; } = position;
}

/// <summary>Parses <c>+ - * / %</c>, unary minus, parentheses, integer literals and names (usual precedence, left associative).</summary>
public sealed class Parser
{
    private readonly string _text;
    private int _pos;

    private Parser(string text) => _text = text;

    /// <summary>Parses a whole expression.</summary>
    public static Expression Parse(string text)
    {
        var p = new Parser(text);
        var e = p.ParseSum();
        p.SkipSpace();
        if (p._pos < text.Length) throw new SyntaxException($"unexpected '{text[p._pos]}'", p._pos);
        return e;
    }

    private Expression ParseSum()
    {
        var left = ParseProduct();
        while (Peek() is '+' or '-')
        {
            char op = _text[_pos++];
            left = new Binary(op, left, ParseProduct());
        }
        return left;
    }

    private Expression ParseProduct()
    {
        var left = ParseUnary();
        while (Peek() is '*' or '/' or '%')
        {
            char op = _text[_pos++];
            left = new Binary(op, left, ParseUnary());
        }
        return left;
    }

    private Expression ParseUnary()
    {
        if (Peek() == '-')
        {
            _pos++;
            return new Negate(ParseUnary());
        }
        if (Peek() == '+')
        {
            _pos++;
            return ParseUnary();
        }
        return ParseAtom();
    }

    private Expression ParseAtom()
    {
        char c = Peek();
        int start = _pos;
        if (c == '(')
        {
            _pos++;
            var inner = ParseSum();
            if (Peek() != ')') throw new SyntaxException("expected ')'", _pos);
            _pos++;
            return inner;
        }
        if (char.IsDigit(c))
        {
            while (_pos < _text.Length && char.IsDigit(_text[_pos])) _pos++;
            if (!ulong.TryParse(_text.AsSpan(start, _pos - start), out ulong value) || value > long.MaxValue)
                throw new SyntaxException("integer literal out of range", start);
            return new Number((long)value);
        }
        if (char.IsLetter(c) || c == '_')
        {
            while (_pos < _text.Length && (char.IsLetterOrDigit(_text[_pos]) || _text[_pos] == '_')) _pos++;
            return new Variable(_text.Substring(start, _pos - start));
        }
        throw new SyntaxException(c == '\0' ? "unexpected end of expression" : $"unexpected '{c}'", _pos);
    }

    private char Peek()
    {
        SkipSpace();
        return _pos < _text.Length ? _text[_pos] : '\0';
    }

    private void SkipSpace()
    {
        while (_pos < _text.Length && char.IsWhiteSpace(_text[_pos])) _pos++;
    }
}

/// <summary>The reference semantics: a tree-walking interpreter with C# <c>long</c> arithmetic.</summary>
public static class Interpreter
{
    /// <summary>Evaluates; throws <see cref="DivideByZeroException"/> or <see cref="OverflowException"/> as C# does.</summary>
    public static long Evaluate(Expression e, IReadOnlyDictionary<string, long> variables) => e switch
    {
        Number n => n.Value,
        Variable v => variables.TryGetValue(v.Name, out long value) ? value : throw new KeyNotFoundException($"variable '{v.Name}' has no value"),
        Negate n => unchecked(-Evaluate(n.Operand, variables)),
        Binary b => Apply(b.Operator, Evaluate(b.Left, variables), Evaluate(b.Right, variables)),
        _ => throw new ArgumentOutOfRangeException(nameof(e)),
    };

    // long.MinValue / -1 is checked here rather than left to the hardware: .NET on Windows tells the overflow from a
    // division by zero by the kind of fault, and wine reports both as a division by zero.
    private static long Apply(char op, long a, long b) => op switch
    {
        '+' => unchecked(a + b),
        '-' => unchecked(a - b),
        '*' => unchecked(a * b),
        '/' or '%' when b == -1 && a == long.MinValue => throw new OverflowException("Arithmetic operation resulted in an overflow."),
        '/' => a / b,
        '%' => a % b,
        _ => throw new ArgumentOutOfRangeException(nameof(op)),
    };
}
