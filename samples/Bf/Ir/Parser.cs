using System;
using System.Collections.Generic;

namespace Patchouly.Samples.Bf.Ir;

/// <summary>The brackets of a program do not match.</summary>
public sealed class BfSyntaxException : Exception
{
    /// <summary>Creates the exception for a bracket at <paramref name="position"/> (1-based character position).</summary>
    public BfSyntaxException(string message, int position, int line, int column)
        : base($"{message} at position {position} (line {line}, column {column})")
    {
        Position = position;
        Line = line;
        Column = column;
    }

    /// <summary>1-based character position of the unmatched bracket.</summary>
    public int Position { get; }

    /// <summary>1-based line of the unmatched bracket.</summary>
    public int Line { get; }

    /// <summary>1-based column of the unmatched bracket.</summary>
    public int Column { get; }
}

internal enum TokenKind : byte
{
    Add,
    Move,
    Output,
    Input,
    Open,
    Close,
}

/// <summary>
/// A run-length folded command: <see cref="TokenKind.Add"/> (net of a run of <c>+-</c>, mod 256),
/// <see cref="TokenKind.Move"/> (net of a run of <c>&lt;&gt;</c>, with the run's extent <see cref="Min"/>..<see cref="Max"/>),
/// I/O, or a bracket with the index of its partner in <see cref="Value"/>.
/// </summary>
internal struct Token
{
    public TokenKind Kind;
    public int Value;
    public int Min;
    public int Max;
}

/// <summary>Folds the source into tokens and matches brackets (an O(n) pass).</summary>
internal static class Parser
{
    public static Token[] Tokenize(ReadOnlySpan<char> source)
    {
        var tokens = new List<Token>(source.Length / 2 + 16);
        var open = new Stack<(int Token, int Position)>();
        for (int i = 0; i < source.Length; i++)
        {
            char c = source[i];
            switch (c)
            {
                case '+':
                case '-':
                {
                    int n = 0;
                    for (; i < source.Length; i++)
                    {
                        char d = source[i];
                        if (d == '+') n++;
                        else if (d == '-') n--;
                        else if (IsCommand(d)) break;
                    }
                    i--;
                    n &= 0xFF;
                    if (n != 0) tokens.Add(new Token { Kind = TokenKind.Add, Value = n });
                    break;
                }
                case '<':
                case '>':
                {
                    int n = 0, min = 0, max = 0;
                    for (; i < source.Length; i++)
                    {
                        char d = source[i];
                        if (d == '>') max = Math.Max(max, ++n);
                        else if (d == '<') min = Math.Min(min, --n);
                        else if (IsCommand(d)) break;
                    }
                    i--;
                    if (n != 0 || min != 0 || max != 0) tokens.Add(new Token { Kind = TokenKind.Move, Value = n, Min = min, Max = max });
                    break;
                }
                case '.':
                    tokens.Add(new Token { Kind = TokenKind.Output });
                    break;
                case ',':
                    tokens.Add(new Token { Kind = TokenKind.Input });
                    break;
                case '[':
                    open.Push((tokens.Count, i));
                    tokens.Add(new Token { Kind = TokenKind.Open });
                    break;
                case ']':
                {
                    if (open.Count == 0) throw Error("unmatched ']'", source, i);
                    var (o, _) = open.Pop();
                    tokens[o] = new Token { Kind = TokenKind.Open, Value = tokens.Count };
                    tokens.Add(new Token { Kind = TokenKind.Close, Value = o });
                    break;
                }
            }
        }
        if (open.Count > 0)
        {
            int first = int.MaxValue;
            foreach (var (_, p) in open) first = Math.Min(first, p);
            throw Error("unmatched '['", source, first);
        }
        return tokens.ToArray();
    }

    private static bool IsCommand(char c) => c is '+' or '-' or '<' or '>' or '.' or ',' or '[' or ']';

    private static BfSyntaxException Error(string message, ReadOnlySpan<char> source, int index)
    {
        int line = 1, column = 1;
        for (int i = 0; i < index; i++)
        {
            if (source[i] == '\n') { line++; column = 1; }
            else column++;
        }
        return new BfSyntaxException(message, index + 1, line, column);
    }
}
