using Federated.Client.Cli;
using Federated.Client.Training;
using Federated.Model.Parameters;
using Federated.Model.Spec;

namespace Federated.Client.Tests.Cli;

/// <summary><c>finetune</c> through the node's command line: what it prints and writes, and every bad input as one line with its exit code.</summary>
public sealed class FineTuneCommandTests
{
    [Fact]
    public async Task InvokeAsync_FineTuneFromStateDirectory_PrintsBeforeAndAfterAndRewritesOnlyTheLocalState()
    {
        using var node = new ScriptedNode();
        node.SaveGlobalModel("run-1");
        var globalFile = Path.Combine(node.State, GlobalModelStore.FileName);
        var globalBefore = File.ReadAllBytes(globalFile);

        var code = await node.Cli.RunAsync(["finetune", "--epochs", "3", "--optimizer", "adam", "--learning-rate", "0.01", .. node.DataOptions]);

        Assert.Equal(ExitCodes.Ok, code);
        var output = node.Cli.Output;
        Assert.Contains("Before and after fine-tuning", output, StringComparison.Ordinal);
        Assert.Contains("epoch 1: validation loss", output, StringComparison.Ordinal);
        Assert.Equal(4, output.Split('\n').Count(l => l.Contains("│ rating │", StringComparison.Ordinal) || l.Contains("│ like   │", StringComparison.Ordinal)));
        Assert.Matches(@"kept epoch [0-3] of [1-3] \(validation loss", output);
        Assert.True(File.Exists(Path.Combine(node.State, NodeTrainingSession.StateFileName)));
        Assert.Equal(globalBefore, File.ReadAllBytes(globalFile));
    }

    /// <summary>The written directory serves evaluate: the tuned local state with the frozen shared model gives the printed "after" figures.</summary>
    [Fact]
    public async Task InvokeAsync_FineTuneToOut_WritesAStateDirectoryThatEvaluatesToTheAfterFigures()
    {
        using var node = new ScriptedNode();
        node.SaveGlobalModel("run-1");
        var tuned = Path.Combine(node.Directory.Path, "tuned");

        var code = await node.Cli.RunAsync(["finetune", "--epochs", "2", "--out", tuned, .. node.DataOptions]);
        var evaluate = new CliHarness();
        var evaluateCode = await evaluate.RunAsync("evaluate", "--part", "test", "--data", node.Data, "--schema", node.Schema, "--state", tuned);

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Equal(ExitCodes.Ok, evaluateCode);
        Assert.False(File.Exists(Path.Combine(node.State, NodeTrainingSession.StateFileName)));
        var global = GlobalModelStore.TryLoad(Path.Combine(tuned, GlobalModelStore.FileName))!;
        var original = GlobalModelStore.TryLoad(Path.Combine(node.State, GlobalModelStore.FileName))!;
        Assert.Equal(original.Parameters.Values, global.Parameters.Values);
        var afterRmse = System.Text.RegularExpressions.Regex.Match(
            node.Cli.Output.Split('\n').Single(l => l.Contains("│ rating │ test", StringComparison.Ordinal)), @"rmse ([0-9.]+)\s+mae [0-9.]+\s*│\s*rmse ([0-9.]+)").Groups[2].Value;
        Assert.Matches(@"^[0-9]+\.[0-9]{4}$", afterRmse);
        Assert.Contains($"rmse {afterRmse}", evaluate.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeAsync_FineTuneAll_SharedTensorsChangeInTheWrittenGlobalModelOnly()
    {
        using var node = new ScriptedNode();
        node.SaveGlobalModel("run-1");
        var tuned = Path.Combine(node.Directory.Path, "tuned");

        var code = await node.Cli.RunAsync(["finetune", "--all", "--epochs", "2", "--patience", "none", "--out", tuned, .. node.DataOptions]);

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("never uploaded", node.Cli.Output, StringComparison.Ordinal);
        var original = GlobalModelStore.TryLoad(Path.Combine(node.State, GlobalModelStore.FileName))!;
        var written = GlobalModelStore.TryLoad(Path.Combine(tuned, GlobalModelStore.FileName))!;
        Assert.Equal("run-1", written.RunId);
        Assert.NotEqual(original.Parameters[TensorNames.Embedding("item")].ToArray(), written.Parameters[TensorNames.Embedding("item")].ToArray());
    }

    [Fact]
    public async Task InvokeAsync_FineTuneOutIsAFile_UsageErrorBeforeTrainingAndTheFileUntouched()
    {
        using var node = new ScriptedNode();
        node.SaveGlobalModel("run-1");
        var file = Path.Combine(node.Directory.Path, "taken");
        File.WriteAllText(file, "mine");

        var code = await node.Cli.RunAsync(["finetune", "--out", file, .. node.DataOptions]);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.StartsWith($"error: --out {file}: cannot write the tuned state there: the directory cannot be created (", Assert.Single(node.Cli.Errors), StringComparison.Ordinal);
        Assert.DoesNotContain("epoch 1", node.Cli.Output, StringComparison.Ordinal);
        Assert.Equal("mine", File.ReadAllText(file));
    }

    [Fact]
    public async Task InvokeAsync_FineTuneAllOutIsTheStateDirectory_UsageErrorAndGlobalModelUntouched()
    {
        using var node = new ScriptedNode();
        node.SaveGlobalModel("run-1");
        var path = Path.Combine(node.State, GlobalModelStore.FileName);
        var before = File.ReadAllBytes(path);

        var code = await node.Cli.RunAsync(["finetune", "--all", "--out", node.State, .. node.DataOptions]);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.StartsWith("error: --all tunes the shared tensors too", Assert.Single(node.Cli.Errors), StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(path));
    }

    [Fact]
    public async Task InvokeAsync_FineTuneFromExportedModel_StartsAStateDirectoryForIt()
    {
        using var node = new ScriptedNode();
        var spec = SyntheticData.Spec();
        var model = Path.Combine(node.Directory.Path, "model.safetensors");
        var parameters = ParameterSet.Initialize(spec, 4);
        using (var file = File.Create(model))
        {
            SafetensorsFile.Write(
                file,
                [.. parameters.Layout.InScope(ParameterScope.Shared).Select(t => new SafetensorsTensor(t.Name, t.Shape, parameters[t].ToArray()))],
                new Dictionary<string, string> { ["run_id"] = "run-7", ["model_version"] = "12", ["model_spec"] = spec.ToJson() });
        }

        var code = await node.Cli.RunAsync(["finetune", "--init", model, "--epochs", "1", .. node.DataOptions]);

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("no local state yet", node.Cli.Output, StringComparison.Ordinal);
        Assert.Contains("of run run-7, version 12", node.Cli.Output, StringComparison.Ordinal);
        Assert.Equal(new GlobalModelIdentity("run-7", CompiledModel.Compile(spec).Fingerprint, 12), GlobalModelStore.TryReadIdentity(Path.Combine(node.State, GlobalModelStore.FileName)));
    }

    [Theory]
    [InlineData("--epochs 0", "error: --epochs must be ≥ 1, not 0")]
    [InlineData("--epochs many", "error: --epochs must be a whole number, not 'many'")]
    [InlineData("--patience 0", "error: --patience must be ≥ 1 epoch, not 0")]
    [InlineData("--learning-rate -1", "error: --learning-rate must be a finite number > 0, not -1")]
    [InlineData("--learning-rate fast", "error: --learning-rate must be a number > 0, not 'fast'")]
    [InlineData("--batch-size 0", "error: --batch-size must be ≥ 1, not 0")]
    [InlineData("--optimizer rmsprop", "error: --optimizer must be sgd, momentum or adam, not 'rmsprop'")]
    [InlineData("--all", "error: --all tunes the shared tensors too: write the result to another directory with --out DIR, so that --state keeps the federation's model")]
    public async Task InvokeAsync_FineTuneWithBadOption_UsageErrorInOneLineBeforeReadingAnything(string option, string expected)
    {
        using var node = new ScriptedNode();

        // No state directory at all: the options are checked first.
        var code = await node.Cli.RunAsync(["finetune", .. option.Split(' '), .. node.DataOptions]);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Equal(expected, Assert.Single(node.Cli.Errors).TrimEnd());
        Assert.False(Directory.Exists(node.State));
    }

    [Fact]
    public async Task InvokeAsync_FineTuneWithoutStateDirectory_BadStateSayingWhatToDo()
    {
        using var node = new ScriptedNode();

        var code = await node.Cli.RunAsync(["finetune", .. node.DataOptions]);

        Assert.Equal(ExitCodes.BadData, code);
        Assert.Contains("does not exist: run the node against a coordinator first, point --state at its state directory, or start from an exported model with --init FILE", Assert.Single(node.Cli.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeAsync_FineTuneInitFileMissing_BadStateNamingTheOption()
    {
        using var node = new ScriptedNode();

        var code = await node.Cli.RunAsync(["finetune", "--init", Path.Combine(node.Directory.Path, "nope.safetensors"), .. node.DataOptions]);

        Assert.Equal(ExitCodes.BadData, code);
        Assert.Contains("--init: ", Assert.Single(node.Cli.Errors), StringComparison.Ordinal);
        Assert.Contains("nope.safetensors does not exist", node.Cli.Output, StringComparison.Ordinal);
    }

    /// <summary>A local state saved for another model layout is refused, not silently re-initialised.</summary>
    [Fact]
    public async Task InvokeAsync_FineTuneLocalStateOfAnotherLayout_BadStateNamingBothLayouts()
    {
        using var node = new ScriptedNode();
        node.SaveGlobalModel("run-1");
        var other = SyntheticData.Spec(userBuckets: 64);
        LocalStateStore.Save(Path.Combine(node.State, NodeTrainingSession.StateFileName), ParameterSet.Initialize(other, 1), 3, 2);

        var code = await node.Cli.RunAsync(["finetune", .. node.DataOptions]);

        Assert.Equal(ExitCodes.BadData, code);
        Assert.Contains("the local state was saved for model layout", Assert.Single(node.Cli.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeAsync_FineTuneOutHoldsAnotherRun_BadStateAndNothingOverwritten()
    {
        using var node = new ScriptedNode();
        node.SaveGlobalModel("run-1");
        var elsewhere = Path.Combine(node.Directory.Path, "elsewhere");
        Directory.CreateDirectory(elsewhere);
        var spec = SyntheticData.Spec();
        GlobalModelStore.Save(Path.Combine(elsewhere, GlobalModelStore.FileName), "run-2", 5, spec, ParameterSet.Initialize(spec, 2));
        var before = File.ReadAllBytes(Path.Combine(elsewhere, GlobalModelStore.FileName));

        var code = await node.Cli.RunAsync(["finetune", "--out", elsewhere, .. node.DataOptions]);

        Assert.Equal(ExitCodes.BadData, code);
        Assert.Contains("holds run 'run-2'", Assert.Single(node.Cli.Errors), StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(Path.Combine(elsewhere, GlobalModelStore.FileName)));
        Assert.False(File.Exists(Path.Combine(elsewhere, NodeTrainingSession.StateFileName)));
    }
}
