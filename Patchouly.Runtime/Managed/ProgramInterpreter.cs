using System;
using Patchouly.Runtime.Tables;

namespace Patchouly.Runtime.Managed;

/// <summary>
/// Runs a <see cref="ManagedProgram"/> without generating code (for <see cref="ExecutionEngine.Interpreter"/>, and where
/// dynamic code is not supported): registers and stack slots are words, and each stencil is run by the generated
/// <see cref="ManagedStencils.Invoke"/>, which calls its C# method.
/// </summary>
internal sealed class ProgramInterpreter
{
    private readonly ManagedProgram _program;
    private readonly ManagedStencils _stencils;
    private readonly StencilFamily[] _families;
    private readonly int _registers;
    private readonly int _maxValues;

    public ProgramInterpreter(ManagedProgram program)
    {
        _program = program;
        _stencils = program.Stencils;
        _families = program.Library.FamilyArray;
        // Float register k after the registers (move registers included).
        _registers = program.Library.Registers + program.Library.MoveRegisters + program.Library.FloatRegisters + program.Library.MoveFloatRegisters;
        foreach (var f in _families) _maxValues = Math.Max(_maxValues, f.Inputs + f.Outputs + 1);
    }

    public long Run(long a0, long a1, long a2, long a3, long a4, long a5)
    {
        Span<ulong> registers = stackalloc ulong[_registers];
        registers.Clear();
        Span<ulong> frame = _program.FrameSlots <= 256 ? stackalloc ulong[_program.FrameSlots] : new ulong[_program.FrameSlots];
        frame.Clear();
        Span<ulong> values = stackalloc ulong[_maxValues];
        ReadOnlySpan<long> arguments = [a0, a1, a2, a3, a4, a5];
        for (int a = 0; a < _program.ParameterCount; a++) registers[a] = unchecked((ulong)arguments[a]);

        var steps = _program.Steps;
        var locations = _program.Locations;
        var holes = _program.Holes;
        int pc = 0;
        while (true)
        {
            if ((uint)pc >= (uint)steps.Length) ManagedCode.ThrowRanOffEnd(_program.Name);
            ref readonly var step = ref steps[pc];
            var family = _families[step.Family];
            switch (family.Kind)
            {
                case StencilFamilyKind.Move:
                    Slot(registers, frame, locations[step.Locations + 1]) = Slot(registers, frame, locations[step.Locations]);
                    pc++;
                    continue;
                case StencilFamilyKind.Jump:
                    pc = _program.TargetStep(step, 0);
                    continue;
            }
            int inputs = family.Inputs;
            for (int i = 0; i < inputs; i++) values[i] = Slot(registers, frame, locations[step.Locations + i]);
            int next = _stencils.Invoke(step.Family, values, holes.AsSpan(step.Holes, family.Holes));
            if (family.Kind == StencilFamilyKind.Return) return unchecked((long)values[inputs]);
            for (int o = 0; o < family.Outputs; o++)
                Slot(registers, frame, locations[step.Locations + inputs + o]) = values[inputs + o];
            pc = next < 0 ? pc + 1 : _program.TargetStep(step, next);
        }
    }

    private ref ulong Slot(Span<ulong> registers, Span<ulong> frame, Location location) =>
        ref location.IsStack ? ref frame[location.Index]
        : ref registers[location.IsFloatRegister ? _program.Library.Registers + _program.Library.MoveRegisters + location.Index : location.Index];
}
