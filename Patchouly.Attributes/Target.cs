using System;

namespace Patchouly
{
    /// <summary>
    /// A place a stencil may continue at. In native code each <see cref="Target"/> parameter becomes a patched jump;
    /// when the stencil runs as ordinary managed code, the returned value tells which target was chosen.
    /// </summary>
    public readonly struct Target : IEquatable<Target>
    {
        /// <summary>The next stencil in the code stream (the implicit continuation).</summary>
        public static Target Next => default;

        private readonly int _idPlusOne;

        /// <summary>
        /// Creates a target with an identifier, for running a stencil as plain C# (a unit test, an interpreter): pass
        /// one per <see cref="Target"/> parameter, then compare the returned target with them (<c>==</c>, <see cref="Id"/>)
        /// or test <see cref="IsNext"/>. In native code targets are patched jumps and ids play no part
        /// (docs/authoring.md, "Running a stencil as plain C#").
        /// </summary>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="id"/> is negative.</exception>
        public Target(int id)
        {
            if (id < 0) throw new ArgumentOutOfRangeException(nameof(id), id, "A target id must not be negative.");
            _idPlusOne = id + 1;
        }

        /// <summary>The identifier of this target, or -1 for <see cref="Next"/>.</summary>
        public int Id => _idPlusOne - 1;

        /// <summary>True when this is <see cref="Next"/>.</summary>
        public bool IsNext => _idPlusOne == 0;

        /// <inheritdoc />
        public bool Equals(Target other) => _idPlusOne == other._idPlusOne;

        /// <inheritdoc />
        public override bool Equals(object? obj) => obj is Target t && Equals(t);

        /// <inheritdoc />
        public override int GetHashCode() => _idPlusOne;

        /// <summary>Compares two targets.</summary>
        public static bool operator ==(Target left, Target right) => left.Equals(right);

        /// <summary>Compares two targets.</summary>
        public static bool operator !=(Target left, Target right) => !left.Equals(right);

        /// <inheritdoc />
        public override string ToString() => IsNext ? "Target.Next" : "Target(" + Id + ")";
    }
}
