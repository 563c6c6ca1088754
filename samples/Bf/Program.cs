System.Console.WriteLine(Patchouly.Samples.Bf.BfStencils.Library.Name);
