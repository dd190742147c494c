using System.CommandLine;
using Federated.Client.Data;
using Federated.Model.Parameters;
using Federated.Simulation.Datasets;

namespace Federated.Simulation.Cli;

/// <summary>
/// The options that <c>movielens</c> and <c>tune</c> share (where MovieLens 100K is, which fold, which partition), and
/// the model both start from: the built-in one, or the spec of <c>--model</c> checked against MovieLens's fields and tasks.
/// </summary>
internal sealed class MovieLensOptions(SharedOptions shared)
{
    public Option<string> Path { get; } = new("--path") { Description = "Directory of MovieLens 100K (u.data, u.item, u.user, u1..u5.base/test)", Required = true };

    public Option<int> Fold { get; } = FoldOption();

    public Option<string> Partition { get; } = new("--partition")
    {
        Description = "occupation | age | gender | zip-region | per-user | iid | dirichlet:ALPHA:KEY | key:FIELD",
        DefaultValueFactory = _ => "zip-region",
    };

    /// <summary>
    /// The built-in MovieLens model (with --dim and --l2, else the options file's dim, hidden and l2), or the spec of
    /// --model (--l2 still overrides its l2); the description names which, for the report.
    /// </summary>
    public (CompiledModel Model, string Description) Model(ParseResult r)
    {
        var options = shared.LoadOptionsFile(r);
        if (r.GetValue(shared.ModelFilePath) is not { } file)
        {
            var hidden = options?.Hidden;
            var builtIn = MovieLensData.Spec(r.GetValue(shared.Dim) ?? options?.Dim ?? 16, hidden) with { L2 = r.GetValue(shared.L2) ?? options?.L2 ?? 1e-3f };
            return (CompiledModel.Compile(builtIn), "built-in");
        }

        shared.RefuseShape(r, "a --model spec (it sets its own)");

        if (r.GetValue(shared.Dim) is not null)
        {
            throw new ArgumentException("--model and --dim: the spec file sets every field's dim; give one or the other");
        }

        var spec = ModelFile.Load(file, r.GetValue(shared.L2) ?? options?.L2);
        ModelFile.CheckFits(file, spec, new ExampleSchema(MovieLensSource.FieldNames, [], MovieLensSource.TaskNames));
        return (CompiledModel.Compile(spec), file);
    }

    /// <summary><c>--fold</c>, refused at parse time (one line, exit 2) outside the official folds 1..5, before any file is read.</summary>
    private static Option<int> FoldOption()
    {
        var fold = new Option<int>("--fold") { Description = "Official fold 1..5", DefaultValueFactory = _ => 1 };
        fold.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<int>();
            if (value is < 1 or > 5)
            {
                result.AddError($"--fold {value}: the official folds are 1 to 5");
            }
        });
        return fold;
    }
}
