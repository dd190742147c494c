using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Federated.Coordinator.Rounds;
using Federated.Model.Parameters;
using Federated.Model.Spec;
using Microsoft.Extensions.DependencyInjection;

namespace Federated.Coordinator.Tests;

/// <summary><c>admin export</c> writes safetensors, read back here by a reader of the test's own; <c>start-run --init</c> reads it.</summary>
public sealed class SafetensorsExportTests
{
    [Fact]
    public async Task Export_CommittedVersion_IndependentReaderFindsEveryTensorAndTheSpec()
    {
        await using var host = await OperatorVersionTests.StartHostAsync(keepLastVersions: 10);
        var path = Path.Combine(Path.GetTempPath(), $"export-{Guid.NewGuid():N}.safetensors");
        try
        {
            var (run, node) = await OperatorVersionTests.StartRunAsync(host);
            await OperatorVersionTests.CommitRoundsAsync(node, run, 1, 2);

            var (code, _, error) = await AdminCommandTests.AdminAsync(host, "export", "--run", run, "--version", "2", "--out", path);

            Assert.Equal(0, code);
            Assert.Equal("", error);
            var (metadata, tensors) = ReadIndependently(File.ReadAllBytes(path));
            var engine = host.Services.GetRequiredService<RoundEngine>();
            var model = engine.GetModel(run, 2);
            Assert.Equal("federated-model", metadata["format"]);
            Assert.Equal("2", metadata["model_version"]);
            Assert.Equal(run, metadata["run_id"]);
            Assert.Equal(engine.GetSpec(run).ToJson(), metadata["model_spec"]);
            var shared = model.Layout.InScope(ParameterScope.Shared).ToList();
            Assert.Equal(shared.Select(t => t.Name).Order(StringComparer.Ordinal), tensors.Keys.Order(StringComparer.Ordinal));
            foreach (var tensor in shared)
            {
                var (dtype, shape, values) = tensors[tensor.Name];
                Assert.Equal("F32", dtype);
                Assert.Equal(tensor.Shape, shape);
                Assert.Equal(model[tensor].ToArray(), values);
            }
        }
        finally
        {
            File.Delete(path);
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    [Fact]
    public async Task StartRun_InitFromExport_VersionZeroIsTheExportedVersion()
    {
        await using var host = await OperatorVersionTests.StartHostAsync(keepLastVersions: 10);
        var path = Path.Combine(Path.GetTempPath(), $"export-{Guid.NewGuid():N}.safetensors");
        var config = Path.Combine(Path.GetTempPath(), $"run-{Guid.NewGuid():N}.json");
        try
        {
            var (run, node) = await OperatorVersionTests.StartRunAsync(host);
            await OperatorVersionTests.CommitRoundsAsync(node, run, 1, 3);
            await AdminCommandTests.AdminAsync(host, "export", "--run", run, "--version", "3", "--out", path);
            await File.WriteAllTextAsync(config, TestSpecs.RunConfig(rounds: 10, minClients: 1));

            var (code, output, error) = await AdminCommandTests.AdminAsync(host, "start-run", "--config", config, "--init", path, "--json");

            Assert.Equal(0, code);
            Assert.Equal("", error);
            var second = JsonDocument.Parse(output).RootElement.GetProperty("runId").GetString()!;
            var engine = host.Services.GetRequiredService<RoundEngine>();
            Assert.NotEqual(run, second);
            Assert.Equal(engine.GetModel(run, 3).Values, engine.GetModel(second, 0).Values);
        }
        finally
        {
            File.Delete(path);
            File.Delete(config);
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    [Fact]
    public async Task StartRun_InitOfAnotherModel_OneLineNamingTheTensorAndNoRun()
    {
        await using var host = await OperatorVersionTests.StartHostAsync(keepLastVersions: 10);
        var path = Path.Combine(Path.GetTempPath(), $"other-{Guid.NewGuid():N}.safetensors");
        var config = Path.Combine(Path.GetTempPath(), $"run-{Guid.NewGuid():N}.json");
        try
        {
            using (var file = File.Create(path))
            {
                // Every shared tensor of the run's model, but an item table of 3 rows where the model has 10.
                var layout = ParameterLayout.FromSpec(ModelSpec.FromJson(TestSpecs.SmallModel));
                SafetensorsFile.Write(
                    file,
                    [.. layout.InScope(ParameterScope.Shared).Select(t => t.Name == "emb/item" ? new SafetensorsTensor(t.Name, [3, 2], new float[6]) : new SafetensorsTensor(t.Name, t.Shape, new float[t.Length]))],
                    null);
            }

            await File.WriteAllTextAsync(config, TestSpecs.RunConfig(rounds: 10, minClients: 1));

            var (code, _, error) = await AdminCommandTests.AdminAsync(host, "start-run", "--config", config, "--init", path);

            Assert.NotEqual(0, code);
            var line = Assert.Single(AdminCommandTests.Lines(error));
            Assert.Contains("initial model: tensor 'emb/item' has shape [3, 2], the model's is [10, 2]", line, StringComparison.Ordinal);
            Assert.Empty(host.Services.GetRequiredService<RoundEngine>().ListRuns());
        }
        finally
        {
            File.Delete(path);
            File.Delete(config);
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    /// <summary>
    /// Reads a safetensors file from its published description alone (https://github.com/huggingface/safetensors): u64
    /// little-endian header length, JSON header, float32 little-endian data at each tensor's data_offsets.
    /// </summary>
    private static (Dictionary<string, string> Metadata, Dictionary<string, (string Dtype, int[] Shape, float[] Values)> Tensors) ReadIndependently(byte[] file)
    {
        var headerLength = checked((int)BinaryPrimitives.ReadUInt64LittleEndian(file));
        Assert.Equal(0, headerLength % 8);
        var header = JsonDocument.Parse(Encoding.UTF8.GetString(file, 8, headerLength)).RootElement;
        var dataStart = 8 + headerLength;
        var metadata = new Dictionary<string, string>();
        var tensors = new Dictionary<string, (string, int[], float[])>();
        long covered = 0;
        foreach (var property in header.EnumerateObject())
        {
            if (property.Name == "__metadata__")
            {
                foreach (var item in property.Value.EnumerateObject())
                {
                    metadata[item.Name] = item.Value.GetString()!;
                }

                continue;
            }

            var dtype = property.Value.GetProperty("dtype").GetString()!;
            var shape = property.Value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray();
            var offsets = property.Value.GetProperty("data_offsets").EnumerateArray().Select(o => o.GetInt32()).ToArray();
            var values = new float[(offsets[1] - offsets[0]) / 4];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = BinaryPrimitives.ReadSingleLittleEndian(file.AsSpan(dataStart + offsets[0] + (4 * i), 4));
            }

            Assert.Equal(shape.Aggregate(1, (n, d) => n * d), values.Length);
            covered += offsets[1] - offsets[0];
            tensors[property.Name] = (dtype, shape, values);
        }

        Assert.Equal(file.Length - dataStart, covered);
        return (metadata, tensors);
    }
}
