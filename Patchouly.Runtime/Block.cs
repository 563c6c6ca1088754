using System;
using System.Globalization;

namespace Patchouly.Runtime;

/// <summary>
/// A position in the code of one <see cref="FunctionBuilder"/> that stencils can jump to. Create it with
/// <see cref="FunctionBuilder.NewBlock()"/>, place it with <see cref="FunctionBuilder.StartBlock(Block)"/>, and pass it as a
/// target. A block belongs to the builder that created it; <c>default(Block)</c> belongs to none.
/// </summary>
public readonly struct Block : IEquatable<Block>
{
    internal Block(int builder, int id)
    {
        Builder = builder;
        Id = id;
    }

    /// <summary>The block's number within its builder (0, 1, 2, … in creation order).</summary>
    public int Id { get; }

    /// <summary>The identity of the builder that created the block (0 for <c>default(Block)</c>).</summary>
    internal int Builder { get; }

    /// <inheritdoc />
    public bool Equals(Block other) => Builder == other.Builder && Id == other.Id;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Block other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Builder, Id);

    /// <summary>Compares two blocks.</summary>
    public static bool operator ==(Block left, Block right) => left.Equals(right);

    /// <summary>Compares two blocks.</summary>
    public static bool operator !=(Block left, Block right) => !left.Equals(right);

    /// <summary><c>B3</c> for block 3 (<c>B?</c> for <c>default(Block)</c>).</summary>
    public override string ToString() => Builder == 0 ? "B?" : "B" + Id.ToString(CultureInfo.InvariantCulture);
}
