using System.Collections.Generic;
using System.Text;
using Patchouly.Runtime.Tables;

namespace Patchouly.Build.Tasks.Tables;

/// <summary>Names what a relocation patches, for listings: <c>hole value (Abs32S @3)</c>.</summary>
internal static class RelocationDescription
{
    /// <summary>What <paramref name="r"/> patches, with its kind, addend and offset.</summary>
    public static string Describe(Relocation r, IReadOnlyList<string>? holeNames = null)
    {
        string what = r.Patch switch
        {
            PatchKind.Hole => holeNames is not null && r.Index < holeNames.Count ? $"hole {holeNames[r.Index]}" : $"hole{r.Index}",
            PatchKind.Slot => $"slot of stack value {r.Index}",
            PatchKind.Next => "next",
            PatchKind.Target => $"target{r.Index}",
            PatchKind.FrameSize => "frame size",
            _ => "?",
        };
        var sb = new StringBuilder().Append(what).Append(" (").Append(r.Kind);
        if (r.Addend != 0) sb.Append(r.Addend > 0 ? " +" : " ").Append(r.Addend);
        return sb.Append(" @").Append(r.Offset.ToString("x")).Append(')').ToString();
    }
}
