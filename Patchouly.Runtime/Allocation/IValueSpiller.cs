namespace Patchouly.Runtime.Allocation;

/// <summary>
/// Writes a value held in a register back to its home (memory, a stack slot): what a <see cref="RegisterCache"/> calls
/// when it evicts or spills a dirty value. Implement it on a struct and pass it by <c>ref</c>: the cache's methods are
/// generic over it, so the call is direct.
/// </summary>
public interface IValueSpiller
{
    /// <summary>Emits the code that stores <paramref name="value"/>, now in <paramref name="register"/>, to its home.</summary>
    void Spill(long value, Location register);
}
